"""The route fibscope names as the one that decided, against the kernel's own
``ip -d -j route get ... fibmatch`` (RTM_F_FIB_MATCH: the table entry that matched).

Generated namespaces (the scenarios of ``lookup_scenarios``: several tables, rules with
every selector and action, reject and throw routes, metric and tos ties, multipath, local
ranges, IPv6, the input path).  The kernel is asked first; then the namespace is captured,
deleted, and fibscope answers from the capture alone (``lookup --batch --state``): the
``route`` of each predicted answer must be the entry the kernel names (prefix, type, next
hops, metric, table), and where fibscope names none the kernel must refuse too.
"""

from __future__ import annotations

import ipaddress
import json
import os
import random
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.kernel.lookup_scenarios import (
    TABLES,
    build_scenario,
    gen_queries,
    ip_words,
    setup_namespace,
)
from tests.netns_helpers import Netns, delete_netns, requires_netns, run_fibscope, temp_netns
from tui.fib import Query
from tui.fib.lookup import TYPE_NAMES

pytestmark = requires_netns

SEEDS = [int(s) for s in os.environ.get("FSM_SEEDS", "11,12,13").split(",")]
QUERIES = int(os.environ.get("FSM_QUERIES", "400"))


@pytest.fixture
def namespaces() -> Iterator[tuple[Netns, Netns]]:
    with temp_netns("fsm") as ns, temp_netns("fsm") as peer:
        yield ns, peer


def fibmatch_answers(ns: Netns, queries: list[Query]) -> list[dict[str, Any] | None]:
    """``ip -d -j route get ... fibmatch`` for every query in one ``-batch`` run: the
    matched route object, or None where the kernel refused."""
    with tempfile.NamedTemporaryFile("w", prefix="fsm-get-", suffix=".txt") as fh:
        fh.write("".join(f"{ip_words(q)} fibmatch\n" for q in queries))
        fh.flush()
        proc = subprocess.run(
            ["ip", "-n", ns.name, "-d", "-j", "-force", "-batch", fh.name],
            capture_output=True,
            text=True,
            check=False,
        )
    failed = {
        int(line.rsplit(":", 1)[1])
        for line in proc.stderr.splitlines()
        if line.startswith("Command failed")
    }
    outputs = iter(line for line in proc.stdout.splitlines() if line.strip())
    return [
        None if number in failed else json.loads(next(outputs))[0]
        for number in range(1, len(queries) + 1)
    ]


def _prefix(text: str, family: int) -> str:
    if text == "default":
        return "0.0.0.0/0" if family == 4 else "::/0"
    return str(ipaddress.ip_network(text, strict=False))


def _table(value: Any) -> int:
    return TABLES[value] if value in TABLES else int(value or 0)


def kernel_route(answer: dict[str, Any], family: int) -> dict[str, Any]:
    """The compared fields of the kernel's fibmatch answer."""
    hops = answer.get("nexthops") or [answer]
    return {
        "prefix": _prefix(answer["dst"], family),
        "type": answer.get("type", "unicast"),
        "hops": sorted((h.get("gateway"), h.get("dev")) for h in hops),
        "metric": answer.get("metric", 0),
        "table": _table(answer.get("table")),
    }


def our_route(result: dict[str, Any], family: int) -> dict[str, Any]:
    """The same fields of fibscope's ``result.route``, with the verdict's table and type:
    the kernel reports the table the lookup used (main for table local's entries on the
    fast path) and, for IPv4, the type of the route made from the entry (``fri.type =
    rt->rt_type``: multicast for 224.0.0.5 through a unicast default)."""
    route = result["route"]
    hops = route.get("multipath") or [route]
    own = TYPE_NAMES.get(route["type"], str(route["type"]))
    return {
        "prefix": _prefix(route["dst"], family),
        "type": result["type"] if family == 4 else own,
        "hops": sorted((h.get("gateway"), h.get("dev")) for h in hops),
        "metric": route.get("metric", 0),
        "table": result["table"],
    }


def run(ns: Netns, peer: Netns, seed: int, tmp: Path) -> tuple[int, int, int, list[str]]:
    sc = build_scenario(seed)
    setup_namespace(ns, peer, sc)
    queries = list(gen_queries(sc, QUERIES, random.Random(seed * 104729)))
    kernel = fibmatch_answers(ns, queries)
    capture = tmp / "cap.json"
    proc = run_fibscope("capture", "--netns", ns.name, "-o", str(capture))
    assert proc.returncode == 0, proc.stderr
    name = ns.name
    delete_netns(ns.name)
    delete_netns(peer.name)
    batch = tmp / "q.jsonl"
    batch.write_text("".join(json.dumps(q.to_json()) + "\n" for q in queries))
    proc = run_fibscope("lookup", "--batch", str(batch), "--state", str(capture), "--netns", name)
    answers = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(answers) == len(queries), proc.stderr[-2000:]
    named = refused = unpredicted = 0
    bad: list[str] = []
    for q, ours, theirs in zip(queries, answers, kernel, strict=True):
        assert "result" in ours, ours
        if not ours["predicted"]:
            unpredicted += 1
            continue
        family = 4 if q.family == 2 else 6
        result = ours["result"]
        if result["error"] is None and result["route"] is not None:
            named += 1
            mine = our_route(result, family)
            if theirs is None or kernel_route(theirs, family) != mine:
                got = None if theirs is None else kernel_route(theirs, family)
                bad.append(f"ip {ip_words(q)} fibmatch\n   kernel {got}\n   ours   {mine}")
        else:
            refused += 1
            if theirs is not None:
                bad.append(f"ip {ip_words(q)} fibmatch\n   kernel {theirs}\n   ours   {result}")
    return named, refused, unpredicted, bad


@pytest.mark.parametrize("seed", SEEDS)
def test_the_route_named_is_the_kernels_fibmatch(
    namespaces: tuple[Netns, Netns], seed: int, tmp_path: Path
) -> None:
    ns, peer = namespaces
    named, refused, unpredicted, bad = run(ns, peer, seed, tmp_path)
    assert named > QUERIES * 0.2, (named, refused, unpredicted)
    assert refused > 0
    assert not bad, f"{len(bad)} of {named + refused} differ (seed {seed}):\n" + "\n".join(bad[:8])
