"""The route that decided (what ``ip route get ... fibmatch`` answers) is part of the answer:
``Trace.route`` and the verdict line's `` — PREFIX in table T (rule N)``."""

from __future__ import annotations

from tests.engine.states import two_links
from tui.fib import Trace
from tui.model import RTN_UNREACHABLE

DASH = "\u2014"


def verdict_line(trace: Trace) -> str:
    return next(step.text for step in trace.steps if step.kind == "verdict")


def test_the_longest_prefix_is_named_with_its_table_and_rule() -> None:
    host = two_links().route("default", via="10.1.0.254").route("1.2.3.0/24", via="10.2.0.254")
    host.route("1.2.0.0/16", via="10.2.0.253", table=100).rule(
        100, table=100, fwmark=7, fwmask=0xFFFFFFFF
    )
    trace = host.get("1.2.3.4")
    assert trace.route is not None and (trace.route.dst, trace.route.dst_len) == ("1.2.3.0", 24)
    assert trace.route in host.state().routes
    assert verdict_line(trace) == (
        f"Verdict: 1.2.3.4 via 10.2.0.254 dev e2 src 10.2.0.1 {DASH} 1.2.3.0/24 in table main "
        "(rule 32766)"
    )
    marked = host.get("1.2.3.4", mark=7)
    assert marked.route is not None and marked.route.table == 100
    assert verdict_line(marked).endswith(f"{DASH} 1.2.0.0/16 in table 100 (rule 100)")


def test_of_two_metrics_the_lower_is_the_route() -> None:
    host = two_links().route("8.0.0.0/8", via="10.1.0.9", metric=50)
    host.route("8.0.0.0/8", via="10.2.0.9", metric=5)
    trace = host.get("8.8.8.8")
    assert trace.route is not None and trace.route.priority == 5


def test_a_reject_route_that_decided_is_named() -> None:
    trace = two_links().route("10.67.0.0/16", type=RTN_UNREACHABLE).get("10.67.0.1")
    assert trace.verdict.error_name == "EHOSTUNREACH"
    assert trace.route is not None and trace.route.type == RTN_UNREACHABLE
    assert verdict_line(trace).endswith(f"(EHOSTUNREACH) {DASH} 10.67.0.0/16 in table main")


def test_no_route_decided() -> None:
    on_link = two_links().get("192.0.2.7", oif="e2")  # no route: on-link through the oif
    assert on_link.route is None and DASH not in verdict_line(on_link)
    assert verdict_line(on_link).endswith("table 0")
    nothing = two_links().get("192.0.2.7")  # ENETUNREACH: no entry at all
    assert nothing.route is None and DASH not in verdict_line(nothing)
    zero = two_links().get("0.0.0.0")  # straight to lo, no lookup
    assert zero.route is None and zero.verdict.table is None


def test_ipv6_route_is_named() -> None:
    host = (
        two_links().addr("e1", "2001:db8:1::1/64").route("2001:db8:600::/48", via="2001:db8:1::fe")
    )
    trace = host.get("2001:db8:600::1")
    assert trace.route is not None and trace.route.dst == "2001:db8:600::"
    assert verdict_line(trace).endswith(f"{DASH} 2001:db8:600::/48 in table main")
