"""IPv6 on made-up states: source subtrees, peers, anycast devices, siblings under an oif.

The kernel tests (tests/kernel/test_ipv6_items.py, test_ipv6_vs_kernel.py) prove these
against ``ip -6 route get``; these pin the engine's reasoning on small states.
"""

from __future__ import annotations

from dataclasses import replace

from tests.engine.states import Host, said
from tui.fib import Engine, Query
from tui.formats.route_n import route6_n_routes
from tui.model import (
    AF_INET6,
    RTN_ANYCAST,
    RTN_UNICAST,
    RTNH_F_DEAD,
    Address,
    Ipv6ProcRoute,
    Nexthop,
    Route,
)


def v6_host() -> Host:
    """e1 2001:db8:1::1/64, e2 2001:db8:2::1/64, e3 2001:db8:3::1/64."""
    host = Host().link("e1").link("e2").link("e3")
    for n in (1, 2, 3):
        host.addr(f"e{n}", f"2001:db8:{n}::1/64")
    return host


def from_route(host: Host, dst: str, src: str, dev: str, **fields: object) -> Host:
    """``ip -6 route add DST from SRC dev DEV``."""
    net, plen = dst.split("/")
    snet, slen = src.split("/")
    route = Route(
        AF_INET6, 254, RTN_UNICAST, net, int(plen), priority=1024, oif=host.index(dev),
        src=snet, src_len=int(slen), protocol=3,
    )  # fmt: skip
    host.routes.append(replace(route, **fields))  # type: ignore[arg-type]
    return host


def sourced() -> Host:
    """2001:db8:600::/48 from the /64 and /48 of e1's prefix, and without from; a /32."""
    host = v6_host().route("2001:db8:600::/48", dev="e2").route("2001:db8::/32", dev="e3")
    from_route(host, "2001:db8:600::/48", "2001:db8:1::/64", "e1")
    from_route(host, "2001:db8:600::/48", "2001:db8:1::/48", "e3")
    return host


def test_the_longest_source_holding_the_source_wins() -> None:
    host = sourced()
    assert host.get("2001:db8:600::1", src="2001:db8:1::9").verdict.dev == "e1"
    assert host.get("2001:db8:600::1", src="2001:db8:1:7::9").verdict.dev == "e3"


def test_a_prefix_whose_sources_all_miss_is_passed_over_with_its_plain_routes() -> None:
    for src in (None, "2001:db8:2::1", "::"):
        trace = sourced().get("2001:db8:600::1", src=src)
        assert trace.verdict.prefix == "2001:db8::/32" and trace.verdict.dev == "e3"
        assert said(trace, "passes over this prefix")


def test_backtracking_tries_shorter_sources_then_the_routes_without_from() -> None:
    host = sourced()
    dead = next(r for r in host.routes if r.src_len == 64)
    host.routes[host.routes.index(dead)] = replace(dead, flags=RTNH_F_DEAD)
    trace = host.get("2001:db8:600::1", src="2001:db8:1::9")
    assert trace.verdict.dev == "e3" and trace.verdict.prefix == "2001:db8:600::/48"
    assert said(trace, "falling back to 2001:db8:600::/48 from 2001:db8:1::/48")
    shorter = next(r for r in host.routes if r.src_len == 48)
    host.routes[host.routes.index(shorter)] = replace(shorter, flags=RTNH_F_DEAD)
    assert host.get("2001:db8:600::1", src="2001:db8:1::9").verdict.dev == "e2"


def test_the_root_keeps_its_own_routes_when_its_sources_miss() -> None:
    host = v6_host().route("::/0", dev="e2")
    from_route(host, "::/0", "2001:db8:1::/64", "e1")
    assert host.get("2001:db8:9::1", src="2001:db8:1::5").verdict.dev == "e1"
    assert host.get("2001:db8:9::1").verdict.dev == "e2"


def test_a_peer_address_is_never_the_source() -> None:
    host = v6_host().route("2001:db8:77::/64", dev="e2")
    peer = Address(AF_INET6, host.index("e2"), "2001:db8:22::99", 128, local="2001:db8:22::1")
    host.addresses.insert(0, peer)
    host.addresses[:] = [a for a in host.addresses if a.address != "2001:db8:2::1"]
    assert host.get("2001:db8:77::1").verdict.prefsrc == "2001:db8:22::1"


def anycast_state(protocol: int, proc_flags: int | None) -> Engine:
    host = v6_host()
    host.routes.append(
        Route(AF_INET6, 255, RTN_ANYCAST, "2001:db8:1::", 128, protocol=protocol, priority=0,
              oif=host.index("e1"))
    )  # fmt: skip
    state = host.state()
    if proc_flags is not None:
        row = Ipv6ProcRoute("2001:db8:1::", 128, "::", 0, "::", 0, 1, 0, proc_flags, "e1")
        state = replace(state, ipv6_proc_routes=(row,))
    return Engine(state)


def test_anycast_device_follows_rtf_anycast() -> None:
    kernel_made = anycast_state(2, 0x00300001).lookup(Query("2001:db8:1::"))
    assert kernel_made.predicted and kernel_made.verdict.dev == "lo"
    user_made = anycast_state(3, None).lookup(Query("2001:db8:1::"))
    assert user_made.predicted and user_made.verdict.dev == "e1"
    told_by_proc = anycast_state(2, 0x00000001).lookup(Query("2001:db8:1::"))
    assert told_by_proc.predicted and told_by_proc.verdict.dev == "e1"
    unknown = anycast_state(2, None).lookup(Query("2001:db8:1::"))
    assert not unknown.predicted and "RTF_ANYCAST" in str(unknown.reason)


def test_siblings_bound_by_an_oif() -> None:
    host = v6_host().route(
        "2001:db8:900::/48",
        nexthops=(("2001:db8:1::5", "e1"), ("2001:db8:3::5", "e3"), ("2001:db8:3::6", "e3")),
    )
    one = host.get("2001:db8:900::1", oif="e1")
    assert one.predicted and one.verdict.gateway == "2001:db8:1::5"
    assert not host.get("2001:db8:900::1", oif="e3").predicted
    assert not host.get("2001:db8:900::1", oif="e1", src="2001:db8:3::1").predicted
    assert not host.get("2001:db8:900::1").predicted


def test_route_n_inet6_entries_are_siblings_and_null_entries() -> None:
    main = Route(AF_INET6, 254, RTN_UNICAST, "2001:db8::", 32, priority=1024, oif=2,
                 multipath=(Nexthop("fe80::1", 2), Nexthop("fe80::2", 3)))  # fmt: skip
    default = Route(AF_INET6, 254, RTN_UNICAST, "::", 0, priority=1024, oif=2)
    sourced_default = replace(default, table=100, src="2001:db8::", src_len=32)
    rows = route6_n_routes([main, default, sourced_default], lo_index=1)
    assert [(r.table, r.dst, r.gateway, r.oif) for r in rows] == [
        (254, "2001:db8::", "fe80::1", 2),
        (254, "2001:db8::", "fe80::2", 3),
        (254, "::", None, 2),
        (100, "::", None, 2),
        (100, "::", None, 1),  # table 100's root holds only a source route: its null entry
    ]
    assert rows[-1].priority == 0xFFFFFFFF


def test_the_app_highlights_the_source_route_that_won() -> None:
    from tui.app.lookup_view import winning_route

    host = sourced()
    routes = host.state().routes
    for src, dev in (("2001:db8:1::9", "e1"), ("2001:db8:1:7::9", "e3")):
        winner = winning_route(host.get("2001:db8:600::1", src=src), list(routes))
        assert winner is not None and winner.src_len and winner.oif == host.index(dev)
    host.routes[:] = [replace(r, flags=RTNH_F_DEAD) if r.src_len else r for r in host.routes]
    winner = winning_route(host.get("2001:db8:600::1", src="2001:db8:1::9"), list(routes))
    assert winner is not None and not winner.src_len and winner.oif == host.index("e2")


def test_only_source_routes_and_no_source_is_unreachable_with_a_note() -> None:
    host = v6_host()
    from_route(host, "::/0", "2001:db8:1::/64", "e1")
    trace = host.get("2001:db8:9::1")
    assert trace.verdict.error_name == "ENETUNREACH"
    assert said(trace, "would pick a source and look up again")
    assert host.get("2001:db8:9::1", src="2001:db8:1::1").verdict.dev == "e1"
