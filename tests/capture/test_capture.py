"""Capture files: a round trip keeps every field; bad files give one clear error."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tui import capture
from tui.model import (
    AF_INET,
    AF_INET6,
    RTN_BLACKHOLE,
    RTN_UNICAST,
    Address,
    DevConf,
    HostState,
    Ipv6ProcRoute,
    Link,
    Namespace,
    NamespaceInfo,
    NetnsState,
    Nexthop,
    Process,
    Route,
    Rule,
    Sysctls,
)


def sample_host() -> HostState:
    state = NetnsState(
        links=(
            Link(1, "lo", 0x10049, "UNKNOWN", inet=DevConf()),
            Link(
                2,
                "eth0",
                0x11043,
                "UP",
                kind="veth",
                master=5,
                inet=DevConf(forwarding=1, rp_filter=2),
                inet6_forwarding=1,
            ),
            Link(5, "br0", 0x11043, "UP", kind="bridge"),
        ),
        addresses=(
            Address(
                AF_INET, 2, "10.0.0.1", 24, local="10.0.0.1", broadcast="10.0.0.255", label="eth0"
            ),
        ),
        rules=(
            Rule(
                AF_INET,
                100,
                1,
                table=100,
                src="10.2.0.0",
                src_len=24,
                uid_range=(1, 2),
                sport_range=(5, 6),
                flags=2,
            ),
        ),
        routes=(
            Route(
                AF_INET,
                254,
                RTN_UNICAST,
                "0.0.0.0",
                0,
                gateway="10.0.0.254",
                oif=2,
                metrics=((2, 1400),),
            ),
            Route(
                AF_INET,
                100,
                RTN_UNICAST,
                "10.9.0.0",
                16,
                multipath=(Nexthop("10.0.0.2", 2, 3, 16), Nexthop(None, 2)),
            ),
            Route(AF_INET6, 254, RTN_BLACKHOLE, "2001:db8::", 32, priority=1024, pref=0),
        ),
        sysctls=Sysctls(ip_forward=1, conf_all=DevConf(rp_filter=1)),
        ipv6_proc_routes=(Ipv6ProcRoute("::", 0, "::", 0, "::", 0xFFFFFFFF, 1, 0, 0x200, "lo"),),
    )
    info = NamespaceInfo(
        1, 4026531840, ("blue",), ("/run/netns/blue",), (Process(7, "sleep", "sleep 9"),)
    )
    other = NamespaceInfo(1, 4026531999, (), ("/proc/9/ns/net",))
    return HostState(
        namespaces=(Namespace(info, state), Namespace(other, error="root is needed")),
        table_names={100: "vpn", 254: "main"},
        hostname="edge-1",
        kernel="6.1.0",
        captured_at="2026-01-01T00:00:00+00:00",
    )


def test_round_trip_keeps_everything() -> None:
    host = sample_host()
    buf = io.StringIO()
    capture.write(host, buf)
    assert capture.from_json(json.loads(buf.getvalue())) == host


def test_loading_a_file(tmp_path: Path) -> None:
    path = tmp_path / "host.json"
    with open(path, "w") as fh:
        capture.write(sample_host(), fh)
    assert capture.load(str(path)) == sample_host()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"format": "other"}', "not a fibscope capture"),
        ('{"format": "fibscope-capture", "version": 99}', "version 99 is not supported"),
    ],
)
def test_bad_files_name_the_problem(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(capture.CaptureError, match=message):
        capture.load(str(path))


def test_corrupt_contents_are_one_error(tmp_path: Path) -> None:
    doc = capture.to_json(sample_host(), version=1)
    doc["namespaces"][0]["state"]["routes"][0] = [1, 2]
    path = tmp_path / "corrupt.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(capture.CaptureError, match="corrupt capture"):
        capture.load(str(path))


def test_missing_file() -> None:
    with pytest.raises(capture.CaptureError, match="no such file"):
        capture.load("/nonexistent/fibscope.json")


def test_neighbours_round_trip_and_old_captures_have_none() -> None:
    from dataclasses import replace as _replace

    from tui.model import NUD_FAILED, Neighbour

    host = sample_host()
    ns = host.namespaces[0]
    assert ns.state is not None
    table = (
        Neighbour(AF_INET, 2, "10.0.0.254", NUD_FAILED),
        Neighbour(AF_INET6, 2, "fd00::1", 0, 8, None, True),
    )
    state = _replace(ns.state, neighbours=table, sysctls=Sysctls(fib_multipath_use_neigh=1))
    doc = capture.to_json(_replace(host, namespaces=(_replace(ns, state=state),)))
    back = capture.from_json(json.loads(json.dumps(doc)))
    assert back.namespaces[0].state == state
    del doc["namespaces"][0]["state"]["neighbours"]
    old = capture.from_json(json.loads(json.dumps(doc))).namespaces[0].state
    assert old is not None and old.neighbours is None
    doc["namespaces"][0]["state"]["neighbours"] = [{"family": 2, "ifindex": 2, "dst": 7}]
    with pytest.raises(capture.CaptureError):
        capture.from_json(json.loads(json.dumps(doc)))


@pytest.mark.parametrize("kind", ["zero", "fifo", "directory", "huge"])
def test_only_regular_files_of_a_capture_size_are_read(tmp_path: Path, kind: str) -> None:
    """/dev/zero would grow without end and a FIFO would hang: both are refused before any
    read; so is a (sparse) file larger than any capture can be."""
    import os

    if kind == "zero":
        path, words = "/dev/zero", "not a regular file"
    elif kind == "fifo":
        path, words = str(tmp_path / "fifo"), "not a regular file"
        os.mkfifo(path)  # nobody writes to it: opening it to read would block
    elif kind == "directory":
        path, words = str(tmp_path), "is a directory"
    else:
        path, words = str(tmp_path / "huge.json"), "more than a capture can be"
        with open(path, "wb") as fh:
            fh.truncate(capture.MAX_BYTES + 1)
    with pytest.raises(capture.CaptureError, match=words) as caught:
        capture.load(path)
    assert "\n" not in str(caught.value)
