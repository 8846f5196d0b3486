"""The batch's fast path against the engine on namespaces the kernel built: every answer line
the same bytes, with and without the fast path.

The namespaces are lookup_scenarios' generated scenarios (veths, one without carrier
and one whose next hops are dead, several tables, policy rules with every selector and
action, reject and throw routes, tos and metric ties, local ranges, multipath, IPv6) plus a
few hundred /24s sharing next hops, reject types and tos values in several tables, so that
most ordinary lines are answered from shared templates; the lines come with every selector,
special destinations, IPv6 and bad lines (tests/cli/fast_batch_helpers.py).  That the engine
agrees with the kernel is test_lookup_vs_kernel's business; this test proves the fast path
adds nothing of its own.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.cli.fast_batch_helpers import both_ways, lines_for
from tests.kernel.lookup_scenarios import DEVS, build_scenario, setup_namespace
from tests.netns_helpers import requires_netns, temp_netns
from tui.kernel.netlink.dump import read_netns
from tui.names import BUILTIN_TABLE_NAMES

pytestmark = requires_netns


def shared_routes(seed: int) -> list[str]:
    """/24s under 30.0.0.0/8 in main and tables 100-300 through a few next hops, some of
    them reject or throw routes, some with a tos or another metric."""
    rng = random.Random(seed)
    lines = []
    for n in range(600):
        prefix = f"30.{n >> 8}.{n & 255}.0/24"
        table = rng.choice(("main", "main", "100", "200", "300"))
        kind = rng.random()
        tail = f" table {table}" + (" tos 0x10" if rng.random() < 0.05 else "")
        if kind < 0.05:
            lines.append(f"route append {rng.choice(('blackhole', 'unreachable'))} {prefix}{tail}")
        elif kind < 0.08 and table != "main":
            lines.append(f"route append throw {prefix}{tail}")
        elif kind < 0.1:
            lines.append(f"route append {prefix} dev {rng.choice(DEVS)}{tail}")
        else:
            dev = rng.choice(DEVS)
            gateway = f"10.{dev[1]}.0.{rng.choice((254, 253))}"
            lines.append(f"route append {prefix} via {gateway} dev {dev}{tail} metric 7")
    return lines


@pytest.mark.parametrize(("seed", "rules"), [(1, True), (2, True), (3, True), (101, False)])
def test_fast_path_answers_as_the_engine(tmp_path: Path, seed: int, rules: bool) -> None:
    with temp_netns("fsb") as ns, temp_netns("fsb") as peer:
        scenario = build_scenario(seed, rules)
        # Before the rules: with them, the kernel checks a gateway through the rule walk.
        first_rule = next(
            (i for i, c in enumerate(scenario.commands) if "rule add" in c),
            len(scenario.commands),
        )
        scenario.commands[first_rule:first_rule] = shared_routes(seed)
        setup_namespace(ns, peer, scenario)
        state = read_netns(ns.path)
        assert len(state.routes) > 500
        lines = lines_for(state, 8000, seed)
        quick, count = both_ways(state, dict(BUILTIN_TABLE_NAMES), lines, tmp_path)
    assert count > 7000
    # Not vacuous: many lines were answered from templates, each learned from the engine.
    assert quick.filled > 1000 and quick.learned < quick.filled
