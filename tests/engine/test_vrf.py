"""VRF (l3mdev) lookups on made-up states: this kernel has no vrf module, so the expected
answers come from the kernel source (net/l3mdev/l3mdev.c ``l3mdev_update_flow`` and
``l3mdev_fib_rule_match``, net/ipv4/route.c ``ip_route_output_key_hash_rcu`` and
``ip_route_input_slow``, net/ipv4/devinet.c ``inet_select_addr``), one behaviour per test.
Modelled, not verified on a live kernel.

The state is what the kernel builds for ``ip link add blue type vrf table 10; ip link set e1
master blue``: the slave's local, broadcast and connected routes move to table 10, and the VRF
adds the rule ``1000: from all lookup [l3mdev-table]``.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tests.engine.states import Host, said
from tui import capture
from tui.fib import Engine, Query, Trace
from tui.formats.iprule import ip_rule_show
from tui.model import (
    AF_INET,
    AF_INET6,
    FR_ACT_TO_TBL,
    RT_SCOPE_LINK,
    RTN_UNREACHABLE,
    HostState,
    Namespace,
    NamespaceInfo,
    NetnsState,
    Rule,
)

BLUE, RED = 10, 20
VRF_DEFAULT_METRIC = 4278198272  # the unreachable default the VRF documentation recommends


def vrf_state(blue_table: int | None = BLUE) -> NetnsState:
    """lo, e2 (default VRF) first, then VRF blue with e1 and e3 (no IPv4 address), VRF red
    with e4 (no unreachable default), and e5 (default VRF, no address)."""
    host = Host()
    for name in ("e2", "blue", "e1", "e3", "red", "e4", "e5"):
        host.link(name)
    host.addr("e2", "10.2.0.1/24").addr("e1", "10.1.0.1/24").addr("e4", "10.4.0.1/24")
    host.addr("e2", "2001:db8:2::1/64").addr("e1", "2001:db8:1::1/64")
    host.route("default", via="10.2.0.254")
    host.route("10.80.0.0/16", dev="e5", scope=RT_SCOPE_LINK)
    host.route("::/0", via="2001:db8:2::fe")
    host.route("10.50.0.0/16", via="10.1.0.254", dev="e1", table=BLUE)
    host.route("10.70.0.0/16", dev="e3", table=BLUE, scope=RT_SCOPE_LINK)
    host.route("default", type=RTN_UNREACHABLE, table=BLUE, metric=VRF_DEFAULT_METRIC)
    host.route("10.40.0.0/16", via="10.4.0.254", dev="e4", table=RED)
    state = host.state()
    index = {link.name: link.index for link in state.links}
    vrf_of = {index["e1"]: index["blue"], index["e3"]: index["blue"], index["e4"]: index["red"]}
    table_of = {index["blue"]: BLUE, index["red"]: RED}
    links = []
    for link in state.links:
        if link.index in table_of:
            table = table_of[link.index]
            link = replace(link, kind="vrf", vrf_table=table if link.name != "blue" else blue_table)
        links.append(replace(link, master=vrf_of.get(link.index)))
    routes = []
    for route in state.routes:
        vrf = vrf_of.get(route.oif or 0)
        # The kernel puts a slave's local, broadcast and connected routes in its VRF's table.
        if vrf is not None and route.table in (254, 255) and route.protocol == 2:
            route = replace(route, table=table_of[vrf])
        routes.append(route)
    rules = [
        Rule(family, priority, FR_ACT_TO_TBL, table, l3mdev=int(priority == 1000))
        for family in (AF_INET, AF_INET6)
        for priority, table in ((0, 255), (1000, 0), (32766, 254), (32767, 253))
        if not (family == AF_INET6 and priority == 32767)
    ]
    return replace(state, links=tuple(links), routes=tuple(routes), rules=tuple(rules))


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(vrf_state())


def ask(engine: Engine, dst: str, **query: object) -> Trace:
    return engine.lookup(Query.parse(dst, **query))


def answer(trace: Trace) -> tuple[object, ...]:
    v = trace.verdict
    return (v.type, v.error_name, v.table, v.rule, v.gateway, v.dev, v.prefsrc)


def test_oif_the_vrf_device_looks_up_the_vrf_table(engine: Engine) -> None:
    """``ip route get 10.50.1.1 vrf blue``: the l3mdev rule sends the lookup to table 10."""
    trace = ask(engine, "10.50.1.1", oif="blue")
    assert trace.predicted, trace.reason
    assert answer(trace) == ("unicast", None, BLUE, 1000, "10.1.0.254", "e1", "10.1.0.1")
    assert said(trace, "is a VRF device: it selects the VRF's table and is cleared")
    assert said(trace, "the flow is in VRF blue, whose table is 10")


def test_a_flow_outside_every_vrf_skips_the_l3mdev_rule(engine: Engine) -> None:
    trace = ask(engine, "10.50.1.1")
    assert trace.predicted, trace.reason
    assert answer(trace) == ("unicast", None, 254, 32766, "10.2.0.254", "e2", "10.2.0.1")
    assert said(trace, "the flow is not in a VRF (l3mdev)")


def test_a_vrf_address_is_not_local_outside_the_vrf(engine: Engine) -> None:
    """Its local route lives in table 10: from the default VRF it is a remote destination."""
    trace = ask(engine, "10.1.0.1")
    assert trace.predicted
    assert answer(trace) == ("unicast", None, 254, 32766, "10.2.0.254", "e2", "10.2.0.1")


def test_local_destination_in_a_vrf_is_delivered_through_the_vrf_device(engine: Engine) -> None:
    """``dev_out = l3mdev_master_dev_rcu(FIB_RES_DEV(res)) ?: loopback``."""
    trace = ask(engine, "10.1.0.1", oif="blue")
    assert answer(trace) == ("local", None, BLUE, 1000, None, "blue", "10.1.0.1")


def test_the_unreachable_default_closes_the_vrf(engine: Engine) -> None:
    for oif in ("blue", "e1"):
        trace = ask(engine, "8.8.8.8", oif=oif)
        assert trace.predicted
        assert answer(trace)[:4] == ("unreachable", "EHOSTUNREACH", BLUE, 1000)


def test_without_it_a_vrf_lookup_falls_through_to_main(engine: Engine) -> None:
    """oif the VRF device is cleared, so the main table's default answers (the leak the
    unreachable default exists to stop); the source comes from the device it leaves by."""
    trace = ask(engine, "10.99.0.1", oif="red")
    assert trace.predicted
    assert answer(trace) == ("unicast", None, 254, 32766, "10.2.0.254", "e2", "10.2.0.1")


def test_an_enslaved_oif_binds_the_next_hop_and_is_never_on_link(engine: Engine) -> None:
    """oif e4 stays in the flow: main's default via e2 is not usable, and with a VRF the
    kernel does not assume the destination is on-link (``!fl4->flowi4_l3mdev``)."""
    trace = ask(engine, "10.99.0.1", oif="e4")
    assert trace.predicted
    assert answer(trace)[1] == "ENETUNREACH"
    assert said(trace, "the kernel does not assume the destination is on-link")
    outside = ask(engine, "10.99.0.1", oif="e5")  # a device in no VRF: on-link there
    assert answer(outside)[1:] == (None, 0, None, None, "e5", "10.2.0.1")


def test_enslaved_oif_with_a_route_in_the_vrf(engine: Engine) -> None:
    trace = ask(engine, "10.40.1.1", oif="e4")
    assert answer(trace) == ("unicast", None, RED, 1000, "10.4.0.254", "e4", "10.4.0.1")


def test_source_address_comes_from_the_vrf_only(engine: Engine) -> None:
    """e3 has no address: inet_select_addr tries the VRF device, then the devices of the VRF
    (e1), never e2, which comes first in the device list but is in the default VRF."""
    trace = ask(engine, "10.70.0.1", oif="blue")
    assert answer(trace) == ("unicast", None, BLUE, 1000, None, "e3", "10.1.0.1")
    assert said(trace, "(VRF blue)")


def test_default_vrf_source_never_borrows_a_vrf_address(engine: Engine) -> None:
    """e5 has no address: the device scan of the default VRF answers with e2's address."""
    trace = ask(engine, "10.80.0.1")
    assert answer(trace) == ("unicast", None, 254, 32766, None, "e5", "10.2.0.1")


def test_default_vrf_source_skips_vrf_devices_in_device_order() -> None:
    """Without e2's address only VRF devices (e1, e4) hold one fit for e5: the default VRF's
    scan skips them and finds none."""
    state = vrf_state()
    addrs = tuple(a for a in state.addresses if a.address != "10.2.0.1")
    trace = Engine(replace(state, addresses=addrs)).lookup(Query.parse("10.80.0.1"))
    assert trace.verdict.prefsrc in (None, "0.0.0.0")
    assert said(trace, "no address of scope")


def test_input_on_an_enslaved_device_uses_the_vrf_table(engine: Engine) -> None:
    """iif e1 makes the flow blue's (``l3mdev_update_flow`` from the iif)."""
    local = ask(engine, "10.1.0.1", iif="e1", src="10.1.0.9")
    assert local.predicted, local.reason
    assert answer(local)[:3] == ("local", None, BLUE) and local.verdict.dev == "blue"
    assert local.verdict.action == "deliver"
    outside = ask(engine, "10.1.0.1", iif="e2", src="10.2.0.9")  # not local in the default VRF
    assert outside.verdict.action != "deliver"


def test_forwarding_inside_a_vrf_checks_the_source_in_the_vrf() -> None:
    """The reverse lookup of fib_validate_source runs in the input device's VRF: strict
    rp_filter accepts 10.1.0.9 on e1 because table 10 routes it back through e1."""
    state = vrf_state()
    links = tuple(
        replace(link, inet=replace(link.inet, forwarding=1, rp_filter=1))
        if link.inet is not None
        else link
        for link in state.links
    )
    engine = Engine(replace(state, links=links))
    trace = engine.lookup(Query.parse("10.50.1.1", iif="e1", src="10.1.0.9"))
    assert trace.predicted, trace.reason
    assert answer(trace)[:6] == ("unicast", None, BLUE, 1000, "10.1.0.254", "e1")
    assert trace.verdict.action == "forward"
    # From a source only the default VRF routes back through e2: refused on e4 (red).
    spoof = engine.lookup(Query.parse("10.40.1.1", iif="e4", src="10.2.0.9"))
    assert spoof.verdict.error_name == "EINVAL"


def test_ipv6_in_a_vrf_is_not_predicted(engine: Engine) -> None:
    trace = ask(engine, "2001:db8:9::1", oif="blue")
    assert not trace.predicted
    assert "IPv6 inside VRF blue" in (trace.reason or "")
    assert not ask(engine, "2001:db8:9::1", iif="e1", src="2001:db8:1::9").predicted
    outside = ask(engine, "2001:db8:9::1")
    assert outside.predicted, outside.reason
    assert (outside.verdict.gateway, outside.verdict.dev) == ("2001:db8:2::fe", "e2")


def test_a_vrf_without_its_table_is_not_predicted() -> None:
    """An old capture holds the VRF device but not IFLA_VRF_TABLE."""
    trace = Engine(vrf_state(blue_table=None)).lookup(Query.parse("10.50.1.1", oif="blue"))
    assert not trace.predicted
    assert "IFLA_VRF_TABLE" in (trace.reason or "")


def test_capture_keeps_the_vrf_table_and_masters() -> None:
    state = vrf_state()
    host = HostState((Namespace(NamespaceInfo(0, 0, names=("v",)), state),))
    loaded = capture.from_json(json.loads(json.dumps(capture.to_json(host))))
    assert loaded.namespaces[0].state == state
    doc = capture.to_json(host)
    doc["namespaces"][0]["state"]["links"][1]["vrf_table"] = "10"
    with pytest.raises(capture.CaptureError):
        capture.from_json(json.loads(json.dumps(doc)))


def test_the_l3mdev_rule_is_shown_like_ip_rule(engine: Engine) -> None:
    lines = ip_rule_show(vrf_state().rules, family=AF_INET).splitlines()
    assert "1000:\tfrom all lookup [l3mdev-table]" in lines


def test_the_local_rule_before_l3mdev_answers_default_vrf_addresses(engine: Engine) -> None:
    """Rule 0 (table local) comes before the l3mdev rule: an address of the default VRF is
    local for a flow in blue too, delivered through lo (its device e2 is in no VRF); with an
    enslaved oif the local route's device does not match and blue's table answers."""
    trace = ask(engine, "10.2.0.1", oif="blue")
    assert answer(trace) == ("local", None, 255, 0, None, "lo", "10.2.0.1")
    bound = ask(engine, "10.2.0.1", oif="e1")
    assert answer(bound)[:4] == ("unreachable", "EHOSTUNREACH", BLUE, 1000)
