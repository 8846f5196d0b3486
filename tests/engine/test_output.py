"""The output path: what a packet this host sends gets (``ip route get DST``)."""

from __future__ import annotations

import pytest

from tests.engine.states import said, two_links
from tui.fib import QueryError


def test_source_is_the_routes_prefsrc() -> None:
    host = two_links().route("8.8.0.0/16", via="10.1.0.254", src="10.2.0.1")
    trace = host.get("8.8.8.8")
    assert trace.verdict.prefsrc == "10.2.0.1" and said(trace, "prefsrc of 8.8.0.0/16")


def test_source_prefers_the_gateways_subnet_and_skips_secondaries() -> None:
    host = two_links().addr("e1", "192.168.1.1/24").addr("e1", "10.1.0.9/24", secondary=True)
    host.route("8.8.0.0/16", via="192.168.1.254", dev="e1")
    trace = host.get("8.8.8.8")
    assert trace.verdict.prefsrc == "192.168.1.1"
    assert said(trace, "in the same subnet as 192.168.1.254")


def test_source_from_another_device_when_the_output_device_has_none() -> None:
    host = two_links().link("e3").route("8.8.0.0/16", dev="e3")
    trace = host.get("8.8.8.8")
    assert trace.verdict.prefsrc == "10.1.0.1" and said(trace, "e3 has no fitting address")


def test_local_destination_goes_through_lo() -> None:
    verdict = two_links().get("10.2.0.1").verdict
    assert (verdict.type, verdict.dev, verdict.prefsrc) == ("local", "lo", "10.2.0.1")


def test_from_a_non_local_address_is_enetunreach() -> None:
    trace = two_links().route("default", via="10.1.0.254").get("8.8.8.8", src="192.0.2.1")
    assert trace.verdict.error_name == "ENETUNREACH" and said(trace, "not a local address")


def test_from_a_loopback_range_address_is_local() -> None:
    trace = two_links().get("127.0.0.1", src="127.0.0.5")
    assert trace.verdict.type == "local"


def test_oif_unknown_is_bad_input_and_down_is_enetunreach() -> None:
    host = two_links().link("e3", up=False)
    with pytest.raises(QueryError, match="no device named 'nope'"):
        host.get("8.8.8.8", oif="nope")
    assert host.get("8.8.8.8", oif="e3").verdict.error_name == "ENETUNREACH"


def test_oif_without_a_route_assumes_on_link() -> None:
    trace = two_links().get("192.0.2.7", oif="e2")
    verdict = trace.verdict
    assert (verdict.dev, verdict.gateway, verdict.prefsrc, verdict.table) == (
        "e2",
        None,
        "10.2.0.1",
        0,
    )
    assert said(trace, "assumes the destination is on-link")


def test_multipath_choice_is_not_predicted() -> None:
    host = two_links().route("8.8.0.0/16", nexthops=(("10.1.0.254", "e1"), ("10.2.0.254", "e2")))
    trace = host.get("8.8.8.8")
    assert not trace.predicted and "flow hash" in (trace.reason or "")
    assert host.get("8.8.8.8", oif="e2").predicted  # an oif picks the next hop


def test_equal_metric_defaults_are_not_predicted() -> None:
    host = two_links().route("default", via="10.1.0.254").route("default", via="10.2.0.254")
    trace = host.get("8.8.8.8")
    assert not trace.predicted and "neighbour state" in (trace.reason or "")
    host = (
        two_links().route("default", via="10.1.0.254").route("default", via="10.2.0.254", metric=10)
    )
    assert host.get("8.8.8.8").predicted


def test_a_gateway_that_is_a_local_address_is_no_gateway() -> None:
    trace = two_links().route("8.8.0.0/16", via="10.1.0.1").get("8.8.8.8")
    assert trace.verdict.gateway is None and said(trace, "is a local address")


def test_limited_broadcast_and_multicast_types() -> None:
    host = two_links().route("default", via="10.1.0.254")
    assert host.get("255.255.255.255").verdict.type == "broadcast"
    verdict = host.get("239.1.2.3").verdict
    assert (verdict.type, verdict.gateway) == ("multicast", None)
    assert host.get("10.1.0.255").verdict.type == "broadcast"
