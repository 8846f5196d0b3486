"""The batch's fast path answers exactly as the engine does, byte for byte, on the fixture
captures and on a made-up table (namespaces the kernel built: tests/kernel/
test_batch_fast_vs_engine.py); the plain shape is what JSON reads; hostile lines stay refused.
"""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pytest

from tests.cli.fast_batch_helpers import both_ways, lines_for
from tui.cli.answers import Lookups
from tui.cli.batch import MAX_LINE, parse_line, run_batch
from tui.cli.batch_fast import DST, FastBatch
from tui.fib.engine import Engine
from tui.model import (
    AF_INET,
    FR_ACT_GOTO,
    FR_ACT_NOP,
    FR_ACT_TO_TBL,
    FR_ACT_UNREACHABLE,
    RTN_BLACKHOLE,
    RTN_THROW,
    RTN_UNICAST,
    RTN_UNREACHABLE,
    NetnsState,
    Nexthop,
    Route,
    Rule,
)
from tui.source import CaptureSource

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture_states() -> list[tuple[str, int]]:
    """(fixture file, namespace number) of every namespace holding a state."""
    out = []
    for name in ("edge-router.json", "nexthop-router.json"):
        source = CaptureSource.open(str(FIXTURES / name))
        for number, info in enumerate(source.namespaces()):
            if source.read(info).state is not None:
                out.append((name, number))
    return out


@pytest.mark.parametrize(("fixture", "number"), fixture_states())
def test_fixture_captures_answer_the_same(tmp_path: Path, fixture: str, number: int) -> None:
    source = CaptureSource.open(str(FIXTURES / fixture))
    state = source.read(source.namespaces()[number]).state
    assert state is not None
    quick, count = both_ways(state, source.table_names(), lines_for(state, 6000, number), tmp_path)
    assert count > 5000
    assert quick.filled > 300  # the comparison is not vacuous: templates were used


def bulk_state(base: NetnsState, count: int) -> NetnsState:
    """The fixture host plus ``count`` /24s in main and table 100 sharing a few next hops,
    reject and throw routes among them, a tos route, and rules with every action."""
    links = [link for link in base.links if link.up and link.index != 1]
    routes = list(base.routes)
    for n in range(count):
        link = links[n % len(links)]
        prefix = f"20.{n >> 8 & 255}.{n & 255}.0"
        table = 254 if n % 3 else 100
        kind = n % 41
        if kind == 0:
            routes.append(Route(AF_INET, table, RTN_UNREACHABLE, prefix, 24, priority=5))
        elif kind == 1:
            routes.append(Route(AF_INET, table, RTN_BLACKHOLE, prefix, 24))
        elif kind == 2 and table == 100:
            routes.append(Route(AF_INET, table, RTN_THROW, prefix, 24))
        elif kind == 3:
            hops = (Nexthop("192.0.2.1", link.index), Nexthop("192.0.2.2", link.index))
            routes.append(Route(AF_INET, table, RTN_UNICAST, prefix, 24, multipath=hops))
        elif kind == 4:
            routes.append(Route(AF_INET, table, RTN_UNICAST, prefix, 24, oif=link.index, scope=253))
        else:
            gateway = f"192.0.2.{1 + n % 3}"
            routes.append(
                Route(AF_INET, table, RTN_UNICAST, prefix, 24, protocol=186, priority=20,
                      gateway=gateway, oif=link.index, tos=0x10 if kind == 5 else 0)
            )  # fmt: skip
    rules = [r for r in base.rules if r.family != AF_INET]
    rules += [
        Rule(AF_INET, 0, FR_ACT_TO_TBL, 255),
        Rule(AF_INET, 100, FR_ACT_TO_TBL, 100, fwmark=7, fwmask=0xFF),
        Rule(AF_INET, 110, FR_ACT_GOTO, goto=130, uid_range=(1000, 1000)),
        Rule(AF_INET, 120, FR_ACT_UNREACHABLE, tos=0x28),
        Rule(AF_INET, 130, FR_ACT_NOP),
        Rule(AF_INET, 140, FR_ACT_TO_TBL, 100, dst="20.1.0.0", dst_len=16),
        Rule(AF_INET, 150, FR_ACT_TO_TBL, 100, suppress_prefixlen=23),
        Rule(AF_INET, 160, FR_ACT_TO_TBL, 100, ip_proto=6, dport_range=(443, 443)),
        Rule(AF_INET, 32766, FR_ACT_TO_TBL, 254),
        Rule(AF_INET, 32767, FR_ACT_TO_TBL, 253),
    ]
    return dataclasses.replace(base, routes=tuple(routes), rules=tuple(rules))


@pytest.mark.parametrize("with_rules", [True, False])
def test_a_made_up_table_with_shared_next_hops(tmp_path: Path, with_rules: bool) -> None:
    source = CaptureSource.open(str(FIXTURES / "edge-router.json"))
    base = source.read(source.namespaces()[0]).state
    assert base is not None
    state = bulk_state(base, 3000)
    if not with_rules:
        state = dataclasses.replace(state, rules=())
    quick, count = both_ways(state, source.table_names(), lines_for(state, 8000, 3), tmp_path)
    assert count > 7000
    assert quick.filled > 2000 and quick.learned < quick.filled / 2


def test_a_shape_is_kept_only_where_the_line_s_dst_comes_from() -> None:
    source = CaptureSource.open(str(FIXTURES / "edge-router.json"))
    state = source.read(source.namespaces()[0]).state
    assert state is not None
    lookups = Lookups(Engine(state), None, state.link_names(), {})
    quick = FastBatch(lookups)
    kept = [
        b'{"dst": "10.64.1.1"}\n',
        b' {"dst":"10.64.1.2" } \r\n',
        b'{"mark": 7, "dst": "10.64.1.3", "uid": 5}\n',
        b'{"from": "198.51.100.10", "dst": "10.64.1.4"}\n',
    ]
    refused = [
        b'{"dst": "10.64.1.5", "dst": "10.64.1.5"}\n',  # the last key counts: not this one
        b'{"dst": "10.64.1.6", "mark": 7, "dst": "10.64.1.6"}\n',
        b'{"dst": "10.64.1.7", "from": "198.51.100.10", "dst": "10.64.1.7"}\n',
    ]
    for raw in kept + refused:
        query = parse_line(raw)
        assert query is not None
        quick.parsed(query, raw)
    for raw, expected in [(raw, True) for raw in kept] + [(raw, False) for raw in refused]:
        match = DST.search(raw)
        assert match is not None
        start, end = match.span(1)
        assert bool(quick.shapes[(start, raw[:start] + raw[end:])]) is expected, raw
    # A line of a kept shape is answered without parsing; the others are left to the parser.
    assert quick.line(b'{"mark": 7, "dst": "10.64.9.9", "uid": 5}\n') is not None
    assert quick.line(b'{"dst": "10.64.9.9", "dst": "10.64.9.9"}\n') is None
    assert quick.line(b'{"dst": "010.64.9.9"}\n') is None  # not canonical: never a shape


def test_an_overlong_plain_line_is_still_refused(tmp_path: Path) -> None:
    source = CaptureSource.open(str(FIXTURES / "edge-router.json"))
    state = source.read(source.namespaces()[0]).state
    assert state is not None
    lookups = Lookups(Engine(state), None, state.link_names(), {})
    path = tmp_path / "q.jsonl"
    path.write_bytes(b'{"dst": "10.64.1.1"}' + b" " * MAX_LINE + b'\n{"dst": "10.64.1.1"}\n')
    out = io.StringIO()
    quick = FastBatch(lookups)
    assert run_batch(str(path), lookups, False, out, fast=quick) == 2
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first == {"line": 1, "input_error": f"line longer than {MAX_LINE} bytes"}
    assert second["query"] == {"dst": "10.64.1.1"}
