"""``fibscope nexthops`` and the route views of nhid routes against ``ip`` and ``route -n``.

The namespace of ``tests.nexthop_helpers`` holds a nexthop object of every kind; fibscope runs
as a child process, live and from a capture of the namespace, and must print what the tools
print byte for byte, in nexthop compat mode 1 and 0 (``route -n`` shows an object's first next
hop in both modes, ``ip route`` only ``nhid N`` in mode 0).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator

import pytest

from tests.netns_helpers import Netns, requires_netns, run_fibscope, temp_netns
from tests.nexthop_helpers import build_nexthop_ns, set_compat

pytestmark = requires_netns


@pytest.fixture(scope="module")
def nhns() -> Iterator[Netns]:
    """One namespace for the module (the tests only read it, or set the compat mode)."""
    with temp_netns("fnv") as ns:
        build_nexthop_ns(ns)
        yield ns


def _fibscope(*args: str) -> str:
    proc = run_fibscope(*args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return proc.stdout


def _capture(ns: Netns) -> str:
    fd, path = tempfile.mkstemp(prefix="fnv-", suffix=".json")
    os.close(fd)
    _fibscope("capture", "--netns", ns.name, "-o", path)
    return path


@pytest.mark.parametrize("six", [False, True])
def test_nexthops_view_is_ip_nexthop_show(nhns: Netns, six: bool) -> None:
    flag = ("-6",) if six else ()
    want = nhns.ip(*flag, "nexthop", "show")
    assert "group 1,2/2,3" in want or six
    assert _fibscope("nexthops", "--netns", nhns.name, *flag) == want
    want_json = nhns.ip(*flag, "-j", "nexthop", "show")
    got_json = _fibscope("nexthops", "--netns", nhns.name, *flag, "--format", "json")
    assert got_json == want_json
    assert json.loads(got_json)
    path = _capture(nhns)
    try:
        offline = _fibscope("nexthops", "--state", path, "--netns", nhns.name, *flag)
        assert offline == want
    finally:
        os.unlink(path)


@pytest.mark.parametrize("compat", [1, 0])
def test_route_views_of_nhid_routes(nhns: Netns, compat: int) -> None:
    set_compat(nhns, compat)
    cases = [
        (("--format", "ip"), ["route", "show"]),
        (("--format", "ip", "-6"), ["-6", "route", "show"]),
        (("--format", "ip", "--table", "all"), ["route", "show", "table", "all"]),
        (("--format", "ip", "--table", "100"), ["route", "show", "table", "100"]),
    ]
    route_n = nhns.exec("route", "-n")
    assert "10.0.0.2" in route_n  # nexthop object gateways appear in both modes
    path = _capture(nhns)
    try:
        for ours, theirs in cases:
            want = nhns.ip(*theirs)
            assert "nhid" in want
            assert _fibscope("routes", "--netns", nhns.name, *ours) == want, (compat, ours)
            offline = _fibscope("routes", "--state", path, "--netns", nhns.name, *ours)
            assert offline == want, (compat, ours)
        assert _fibscope("routes", "--netns", nhns.name, "--format", "route-n") == route_n
        offline = _fibscope("routes", "--state", path, "--netns", nhns.name, "--format", "route-n")
        assert offline == route_n
    finally:
        os.unlink(path)


def test_nexthops_from_an_old_capture_is_refused(nhns: Netns) -> None:
    path = _capture(nhns)
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
        for ns in doc["namespaces"]:
            if ns.get("state"):
                ns["state"].pop("nexthops", None)
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
        proc = run_fibscope("nexthops", "--state", path, "--netns", nhns.name)
        assert proc.returncode == 2
        assert proc.stderr.count("\n") == 1 and "were not read" in proc.stderr
    finally:
        os.unlink(path)


def test_unknown_namespace_is_one_line_and_exit_2() -> None:
    proc = run_fibscope("nexthops", "--netns", "fnv-no-such-namespace")
    assert proc.returncode == 2
    assert proc.stdout == "" and proc.stderr.count("\n") == 1
    assert "unknown namespace" in proc.stderr
