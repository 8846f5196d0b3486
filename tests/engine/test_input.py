"""The input path: a packet arriving on ``iif`` (``ip route get DST from SRC iif DEV``)."""

from __future__ import annotations

from tests.engine.states import Host, said, two_links
from tui.model import DevConf


def forwarding_host(rp_filter: int = 0) -> Host:
    """e1 and e2 forwarding (ip_forward=1), a default route out of e2."""
    host = Host().link("e1", forwarding=1, rp_filter=rp_filter)
    host.link("e2", forwarding=1, rp_filter=rp_filter)
    host.addr("e1", "10.1.0.1/24").addr("e2", "10.2.0.1/24")
    return host.route("default", via="10.2.0.254")


def test_martian_sources_and_destinations() -> None:
    host = forwarding_host()
    assert said(host.get("8.8.8.8", src="224.0.0.9", iif="e1"), "martian source")
    assert said(host.get("8.8.8.8", src="0.1.2.3", iif="e1"), "martian source")
    trace = host.get("127.0.0.1", src="10.1.0.7", iif="e1")
    assert trace.verdict.error_name == "EINVAL" and said(trace, "without route_localnet")
    assert trace.verdict.action == "drop"


def test_local_destination_is_delivered() -> None:
    verdict = two_links().get("10.2.0.1", src="10.1.0.7", iif="e1").verdict
    assert (verdict.action, verdict.type, verdict.dev) == ("deliver", "local", "lo")


def test_broadcast_is_delivered() -> None:
    verdict = two_links().get("255.255.255.255", src="10.1.0.7", iif="e1").verdict
    assert (verdict.action, verdict.type) == ("deliver", "broadcast")


def test_forwarding_off_on_the_input_device_is_ehostunreach() -> None:
    host = two_links().route("default", via="10.2.0.254")
    trace = host.get("8.8.8.8", src="10.1.0.7", iif="e1")
    assert trace.verdict.error_name == "EHOSTUNREACH" and said(trace, "forwarding is off on e1")
    assert trace.verdict.action == "drop"
    # no route at all: EHOSTUNREACH too while e1 does not forward
    assert two_links().get("8.8.8.8", src="10.1.0.7", iif="e1").verdict.error_name == (
        "EHOSTUNREACH"
    )


def test_forwarded_out_of_the_routes_device() -> None:
    verdict = forwarding_host().get("8.8.8.8", src="10.1.0.7", iif="e1").verdict
    assert (verdict.action, verdict.dev, verdict.gateway) == ("forward", "e2", "10.2.0.254")


def test_rp_filter_strict_refuses_a_source_routed_elsewhere() -> None:
    host = forwarding_host(rp_filter=1)
    trace = host.get("10.1.0.9", src="8.8.4.4", iif="e1")
    assert trace.verdict.error_name == "EINVAL"
    assert said(trace, "rp_filter strict: the route back to 8.8.4.4 leaves through e2, not e1")


def test_rp_filter_loose_only_needs_a_route_back() -> None:
    host = forwarding_host(rp_filter=2)
    assert host.get("10.1.0.9", src="8.8.4.4", iif="e1").verdict.action == "forward"


def test_rp_filter_is_the_larger_of_all_and_the_device() -> None:
    host = forwarding_host()
    host.conf_all = DevConf(rp_filter=1)
    assert host.get("10.1.0.9", src="8.8.4.4", iif="e1").verdict.error_name == "EINVAL"


def test_a_local_source_needs_accept_local() -> None:
    host = two_links()
    trace = host.get("10.2.0.1", src="10.1.0.1", iif="e1")
    assert trace.verdict.error_name == "EINVAL" and said(trace, "one of this host's addresses")
    host = Host().link("e1", accept_local=1).link("e2")
    host.addr("e1", "10.1.0.1/24").addr("e2", "10.2.0.1/24")
    assert host.get("10.2.0.1", src="10.1.0.1", iif="e1").verdict.action == "deliver"


def test_ipv6_forwarding_off_still_finds_the_route_but_drops() -> None:
    def host(forwarding: int) -> Host:
        built = Host().link("e1", inet6_forwarding=forwarding).link("e2")
        built.addr("e1", "fd01::1/64").addr("e2", "fd02::1/64")
        return built.route("::/0", via="fd02::fe", dev="e2")

    trace = host(0).get("2001:db8::1", src="fd01::7", iif="e1")
    assert (trace.verdict.error, trace.verdict.dev, trace.verdict.action) == (0, "e2", "drop")
    assert said(trace, "IPv6 forwarding is off on e1")
    assert host(1).get("2001:db8::1", src="fd01::7", iif="e1").verdict.action == "forward"
