"""IPv6: tables local then main, longest prefix then metric, errors, source selection."""

from __future__ import annotations

from tests.engine.states import Host, said
from tui.model import RTN_BLACKHOLE, RTN_PROHIBIT, RTN_UNREACHABLE


def v6_host() -> Host:
    """e1 fd01::1/64 and e2 fd02::1/64 (plus link-local-free for brevity)."""
    return Host().link("e1").link("e2").addr("e1", "fd01::1/64").addr("e2", "fd02::1/64")


def test_longest_prefix_then_lowest_metric() -> None:
    host = (
        v6_host()
        .route("fd99::/16", via="fd01::fe")
        .route("fd99:1::/32", via="fd02::fe", metric=2000)
    )
    host.route("fd99:1::/32", via="fd01::fd", metric=100)
    verdict = host.get("fd99:1::5").verdict
    assert (verdict.prefix, verdict.gateway, verdict.dev) == ("fd99:1::/32", "fd01::fd", "e1")


def test_router_preference_breaks_a_metric_tie() -> None:
    host = v6_host().route("fd99::/16", via="fd01::fe").route("fd99::/16", via="fd02::fe", pref=1)
    assert host.get("fd99::5").verdict.gateway == "fd02::fe"


def test_reject_routes_and_no_route() -> None:
    for rtype, name in (
        (RTN_BLACKHOLE, "EINVAL"),
        (RTN_UNREACHABLE, "EHOSTUNREACH"),
        (RTN_PROHIBIT, "EACCES"),
    ):
        assert v6_host().route("fd99::/16", type=rtype).get("fd99::1").verdict.error_name == name
    assert v6_host().get("2001:db8::1").verdict.error_name == "ENETUNREACH"


def test_local_address_is_delivered_through_lo_from_table_local() -> None:
    verdict = v6_host().get("fd02::1").verdict
    assert (verdict.type, verdict.dev, verdict.table) == ("local", "lo", 255)


def test_source_selection_prefers_the_outgoing_interface_and_longest_match() -> None:
    host = v6_host().route("fd99::/16", via="fd02::fe")
    trace = host.get("fd99::5")
    assert trace.verdict.prefsrc == "fd02::1" and said(trace, "RFC 6724")


def test_oif_without_source_restricts_routes_to_that_device() -> None:
    host = v6_host().route("fd99::/16", via="fd01::fe").route("::/0", via="fd02::fe")
    assert host.get("fd99::5", oif="e2").verdict.gateway == "fd02::fe"
