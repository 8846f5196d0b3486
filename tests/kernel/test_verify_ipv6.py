"""IPv6 ``--verify``: the kernel is asked an IPv6 question it accepts (no IPv4-only flag on a
strict-checking socket) and its answers agree with the engine's, on the output path and on
the input path (``--iif``), in the CLI and through the lookup runner the app uses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.netns_helpers import Netns, requires_netns, run_fibscope, temp_netns
from tui.app.lookup_runner import LookupRunner
from tui.fib import Query
from tui.fib.compare import differences
from tui.kernel.live_source import LiveSource

pytestmark = requires_netns


@pytest.fixture(scope="module")
def router6() -> Iterator[Netns]:
    """Two links, routes in main, a rule to table 100 for one source prefix, a reject route;
    forwarding on (the input path forwards)."""
    with temp_netns("fs6") as ns:
        ns.veth("e1", "p1")
        ns.veth("e2", "p2")
        ns.ip("addr", "add", "2001:db8:1::1/64", "dev", "e1")
        ns.ip("addr", "add", "2001:db8:2::1/64", "dev", "e2")
        for cmd in (
            "-6 route add default via 2001:db8:1::ff",
            "-6 route add 2001:db8:600::/48 via 2001:db8:2::fe metric 5",
            "-6 route add 2001:db8:600::/48 via 2001:db8:1::fe metric 50",
            "-6 route add unreachable 2001:db8:dead::/48",
            "-6 route add default via 2001:db8:2::ee table 100",
            "-6 rule add from 2001:db8:2::/64 lookup 100 pref 100",
        ):
            ns.ip(*cmd.split())
        ns.exec("sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1")
        yield ns


QUERIES: list[dict[str, Any]] = [
    {"dst": "2001:db8:600::1"},
    {"dst": "2001:db8:600::1", "from": "2001:db8:1::1"},
    {"dst": "2001:db8:99::1"},
    {"dst": "2001:db8:99::1", "from": "2001:db8:2::1"},
    {"dst": "2001:db8:2::42"},
    {"dst": "2001:db8:1::1"},
    {"dst": "2001:db8:dead::1"},
    {"dst": "2001:db8:600::7", "oif": "e1"},
    {"dst": "2001:db8:600::1", "iif": "p1", "from": "2001:db8:1::9"},
    {"dst": "2001:db8:99::1", "iif": "p2", "from": "2001:db8:2::9"},
    {"dst": "2001:db8:1::1", "iif": "p2", "from": "2001:db8:2::9"},
    {"dst": "2001:db8:600::1", "iif": "p1", "from": "2001:db8:1::9", "ipproto": "tcp"},
]


def test_cli_verify_agrees_on_ipv6(router6: Netns, tmp_path: Path) -> None:
    batch = tmp_path / "q6.jsonl"
    batch.write_text("".join(json.dumps(q) + "\n" for q in QUERIES))
    proc = run_fibscope("lookup", "--batch", str(batch), "--netns", router6.name, "--verify")
    assert proc.returncode == 1, proc.stderr  # one verdict is an error (unreachable)
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(lines) == len(QUERIES)
    for line in lines:
        assert line["agree"] is True, line
        assert line["kernel"]["error"] in (None, "EHOSTUNREACH"), line
    routes = [line for line in lines if line["kernel"]["error"] is None]
    assert len(routes) == len(QUERIES) - 1  # the kernel answered with a route, not EINVAL
    inputs = [line for line in routes if "iif" in line["query"]]
    assert len(inputs) == 4 and all(line["result"]["action"] for line in inputs)
    assert any(line["kernel"]["table"] == 100 for line in routes)


@pytest.mark.parametrize(
    "args",
    [
        ["2001:db8:600::1"],
        ["2001:db8:600::1", "--iif", "p1", "--from", "2001:db8:1::9"],
    ],
    ids=["output", "input"],
)
def test_cli_human_verify_says_agree(router6: Netns, args: list[str]) -> None:
    proc = run_fibscope("lookup", *args, "--netns", router6.name, "--verify")
    assert proc.returncode == 0, proc.stderr
    assert "Agree: yes" in proc.stdout
    assert "Kernel: 2001:db8:600::1 via 2001:db8:2::fe dev e2" in proc.stdout


def test_the_apps_lookup_runner_agrees_on_ipv6(router6: Netns) -> None:
    source = LiveSource()
    info = next(i for i in source.namespaces() if i.known_as(router6.name))
    state = source.read(info).state
    assert state is not None
    runner = LookupRunner(source, source.table_names())
    for data in QUERIES:
        query = Query.from_mapping(data)
        result = runner.run(query, info, state, 0, state.routes)
        assert result.trace is not None and result.kernel_error is None, data
        assert result.kernel is not None, data
        assert differences(result.trace.verdict.to_json(), result.kernel, query) == [], data
        if data["dst"] != "2001:db8:dead::1":
            assert result.kernel["error"] is None and result.kernel["dev"], data
