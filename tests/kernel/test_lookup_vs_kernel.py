"""The engine against the kernel: generated namespaces, thousands of ``ip route get`` queries.

Each scenario builds a namespace (veth links, one without carrier, addresses, several tables,
policy rules with every selector and action, reject routes, tos and metric ties, local ranges,
per-device forwarding and rp_filter, IPv6), reads it back with ``read_netns`` and asks both the
kernel (``ip -n NS -d -j -force -batch``) and the engine the same questions.  dev, gateway,
prefsrc, type, table and error must agree; a case the engine marks ``predicted: false`` is
counted apart (its guess is still reported).  No traffic is sent.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from dataclasses import replace

import pytest

from tests.kernel.lookup_scenarios import (
    DEVS,
    Scenario,
    build_scenario,
    gen_queries,
    ip_words,
    kernel_answers,
    normalise_engine,
    normalise_kernel,
    setup_namespace,
)
from tests.netns_helpers import Netns, ip, requires_netns, temp_netns
from tui.fib import Engine
from tui.fib.table import SORTED_MIN, SortedBucket
from tui.kernel.netlink.dump import read_netns
from tui.model import AF_INET, AF_INET6

pytestmark = requires_netns

CREATED: list[str] = []  # every namespace this module made, checked gone at the end
SEEDS = [int(s) for s in os.environ.get("FSL_SEEDS", "1,2,3,4,5,6").split(",")]
QUERIES = int(os.environ.get("FSL_QUERIES", "1000"))


@pytest.fixture
def namespaces() -> Iterator[tuple[Netns, Netns]]:
    """The namespace under test and a peer holding the far ends of its veths."""
    with temp_netns("fsl") as ns, temp_netns("fsl") as peer:
        CREATED.extend((ns.name, peer.name))
        yield ns, peer


def run_scenario(ns: Netns, peer: Netns, sc: Scenario, count: int) -> tuple[int, int, list[str]]:
    """Build, ask both, compare; returns (compared, unpredicted, mismatch reports)."""
    setup_namespace(ns, peer, sc)
    engine = Engine(read_netns(ns.path))
    rng = random.Random(sc.seed * 7919)
    queries = list(gen_queries(sc, count, rng))
    answers = kernel_answers(ns, queries)
    compared, unpredicted, bad = 0, 0, []
    for q, answer in zip(queries, answers, strict=True):
        trace = engine.lookup(q)
        kernel = normalise_kernel(answer, q)
        mine = normalise_engine(trace, q)
        if not trace.predicted:
            unpredicted += 1
            continue
        compared += 1
        if kernel != mine:
            steps = "\n      ".join(s.text for s in trace.steps)
            bad.append(f"ip {ip_words(q)}\n   kernel {kernel}\n   engine {mine}\n      {steps}")
    return compared, unpredicted, bad


@pytest.mark.parametrize("seed", SEEDS)
def test_engine_agrees_with_kernel(namespaces: tuple[Netns, Netns], seed: int) -> None:
    ns, peer = namespaces
    compared, _unpredicted, bad = run_scenario(ns, peer, build_scenario(seed), QUERIES)
    assert compared > QUERIES * 0.8
    assert not bad, f"{len(bad)} of {compared} disagree (seed {seed}):\n" + "\n".join(bad[:8])


@pytest.mark.parametrize("seed", [101, 102])
def test_fast_path_without_custom_rules(namespaces: tuple[Netns, Netns], seed: int) -> None:
    """No rule ever added: the kernel merges local and main and skips the rules."""
    ns, peer = namespaces
    compared, _unpredicted, bad = run_scenario(ns, peer, build_scenario(seed, False), QUERIES)
    assert compared > QUERIES * 0.8
    assert not bad, f"{len(bad)} of {compared} disagree (seed {seed}):\n" + "\n".join(bad[:8])


def _bulk_lines(rng: random.Random, sc: Scenario, numbers: range, extra: bool) -> list[str]:
    """/24s under 20.0.0.0/8 and /48s under 2001:db8::/32 for the given numbers; with
    ``extra`` some numbers also get a second route (another metric, a tos, or an append)."""
    lines = []
    for n in numbers:
        dev = rng.choice(DEVS[:3])
        v4, v6 = f"20.{n >> 8}.{n & 255}.0/24", f"2001:db8:{n:x}::/48"
        lines.append(f"route add {v4} via 10.{dev[1]}.0.{2 + n % 200} dev {dev}")
        lines.append(f"route add {v6} via fd0{dev[1]}::{2 + n % 200:x} dev {dev}")
        if extra and rng.random() < 0.05:
            other = rng.choice(DEVS[:3])
            how = rng.choice(("metric 50", "tos 0x10", "append"))
            gw = f"10.{other[1]}.0.9 dev {other}"
            if how == "append":
                lines.append(f"route append {v4} via {gw}")
            else:
                lines.append(f"route add {v4} via {gw} {how}")
            lines.append(f"route add {v6} via fd0{other[1]}::9 dev {other} metric 50")
        if rng.random() < 0.03:
            sc.v4_prefixes.append(v4)
            sc.v6_prefixes.append(v6)
    return lines


@pytest.mark.parametrize("custom_rules", [True, False])
def test_big_tables_learnt_out_of_order(
    namespaces: tuple[Netns, Netns], custom_rules: bool
) -> None:
    """Prefix lengths with thousands of networks are indexed as sorted arrays, filled from a
    dump in the kernel's order; routes learnt later (as the live store appends them) come out
    of order.  Both must answer as the kernel does."""
    ns, peer = namespaces
    sc = build_scenario(201 if custom_rules else 202, custom_rules)
    setup_namespace(ns, peer, sc)
    rng = random.Random(sc.seed)
    count = 2 * SORTED_MIN + 500
    ns.batch(_bulk_lines(rng, sc, range(0, count, 2), extra=False))
    before = read_netns(ns.path)
    ns.batch(_bulk_lines(rng, sc, range(1, count, 2), extra=True))
    after = read_netns(ns.path)
    known = set(before.routes)
    live_order = before.routes + tuple(r for r in after.routes if r not in known)
    engine = Engine(replace(after, routes=live_order))
    for family, plen in ((AF_INET, 24), (AF_INET6, 48)):
        bucket = engine.ctx.tables[(family, 254)].by_len[plen]
        assert isinstance(bucket, SortedBucket) and bucket.extra, "the sorted path is not tested"
    queries = list(gen_queries(sc, QUERIES, random.Random(sc.seed * 31)))
    answers = kernel_answers(ns, queries)
    compared, bad = 0, []
    for q, answer in zip(queries, answers, strict=True):
        trace = engine.lookup(q)
        if not trace.predicted:
            continue
        compared += 1
        if normalise_kernel(answer, q) != normalise_engine(trace, q):
            bad.append(f"ip {ip_words(q)}: kernel {normalise_kernel(answer, q)}")
    assert compared > QUERIES * 0.8
    assert not bad, f"{len(bad)} of {compared} disagree:\n" + "\n".join(bad[:8])


def test_namespaces_are_cleaned_up() -> None:
    """Every namespace the tests above created is gone (deleted in a finally)."""
    alive = set(ip("netns", "list").split())
    assert CREATED, "the kernel tests above did not run"
    assert not alive & set(CREATED)
