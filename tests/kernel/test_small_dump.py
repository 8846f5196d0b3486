"""Links, addresses and rules read from raw dumps (``tui.kernel.netlink.small_dump``) are
exactly what the pyroute2 reading made of the same namespace (``dump.read_small``): every
link kind this kernel can make, vxlan settings of every form, a veth whose peer lives in
another namespace, bridge ports, groups, MTUs, a link down, per-device IPv6 sysctls,
addresses with labels, peers, broadcasts and flags of both families, rules of both."""

from __future__ import annotations

from pyroute2 import IPRoute

from tests.netns_helpers import Netns, requires_netns, temp_netns
from tui.kernel.netlink.dump import read_small, read_small_here
from tui.kernel.netns import entered
from tui.model import AF_INET6

pytestmark = requires_netns


def build(ns: Netns, other: Netns) -> None:
    ns.veth("va", "vb")
    ns.veth("vc", "vd", peer_ns=other)  # the peer in another namespace: link_netnsid
    ns.ip("link", "add", "br0", "type", "bridge")
    ns.ip("link", "set", "vb", "master", "br0")
    ns.ip("link", "set", "br0", "up", "group", "7", "mtu", "1400")
    ns.ip("link", "add", "mv0", "link", "va", "type", "macvlan", "mode", "bridge")
    ns.ip("link", "add", "ifb7", "type", "ifb")  # left down
    ns.ip("addr", "add", "10.70.0.1/24", "dev", "va", "label", "va:one")
    ns.ip("addr", "add", "10.70.1.1/24", "brd", "10.70.1.200", "dev", "va")
    ns.ip("addr", "add", "10.70.2.1", "peer", "10.70.2.2/32", "dev", "vc")
    ns.ip("addr", "add", "fd70::1/64", "dev", "va", "nodad", "noprefixroute")
    ns.ip("addr", "add", "fd71::1/64", "dev", "br0", "nodad", "home")
    ns.ip("addr", "add", "10.70.3.1/24", "dev", "br0")
    for name, args in (
        ("vx4", ["id", "70", "local", "10.70.0.1", "remote", "10.70.0.9", "dstport", "4789"]),
        ("vx6", ["id", "71", "local", "fd70::1", "remote", "fd70::9", "dstport", "8472"]),
        ("vxg", ["id", "72", "group", "239.1.1.1", "dev", "va", "dstport", "4790"]),
        ("vxm", ["external", "dstport", "4791"]),
        ("vxn", ["id", "73", "nolearning", "dstport", "0"]),
    ):
        ns.ip("link", "add", name, "type", "vxlan", *args)
    ns.ip("link", "set", "vx4", "up")
    ns.exec("sysctl", "-q", "-w", "net.ipv6.conf.va.forwarding=1")
    ns.exec("sysctl", "-q", "-w", "net.ipv6.conf.br0.proxy_ndp=1")
    ns.exec("sysctl", "-q", "-w", "net.ipv4.conf.va.rp_filter=2")
    ns.ip("rule", "add", "from", "10.70.0.0/24", "lookup", "70", "pref", "70")
    ns.ip("rule", "add", "fwmark", "0x7/0xff", "iif", "va", "lookup", "71", "pref", "71")
    ns.ip("-6", "rule", "add", "to", "fd70::/64", "lookup", "72", "pref", "72")


def test_raw_small_dumps_equal_the_pyroute2_reading() -> None:
    with temp_netns("fsd") as ns, temp_netns("fsd") as other:
        build(ns, other)
        with entered(ns.path):
            with IPRoute() as ipr:
                expected = read_small(ipr)
            got = read_small_here()
        links, addresses, rules = got
        assert got == expected
        # the reading saw what was built (equal, and not because both saw little)
        by_name = {link.name: link for link in links}
        assert {"lo", "va", "vb", "vc", "br0", "mv0", "ifb7", "vx4", "vx6", "vxg", "vxm"} <= set(
            by_name
        )
        assert by_name["vb"].master == by_name["br0"].index and by_name["br0"].group == 7
        assert by_name["br0"].mtu == 1400 and by_name["vc"].link_netnsid is not None
        assert by_name["ifb7"].operstate == "DOWN" and by_name["mv0"].kind == "macvlan"
        assert by_name["va"].inet6_forwarding == 1 and by_name["br0"].inet6_proxy_ndp == 1
        va_conf = by_name["va"].inet
        assert va_conf is not None and va_conf.rp_filter == 2
        vx6, vxg, vxm = by_name["vx6"].vxlan, by_name["vxg"].vxlan, by_name["vxm"].vxlan
        assert vx6 is not None and vx6.local == "fd70::1" and vx6.port == 8472
        assert vxg is not None and vxg.group == "239.1.1.1" and vxg.link == by_name["va"].index
        assert vxm is not None and vxm.external
        labels = {a.label for a in addresses}
        assert "va:one" in labels
        assert any(a.broadcast == "10.70.1.200" for a in addresses)
        assert any(a.local == "10.70.2.1" and a.address == "10.70.2.2" for a in addresses)
        assert any(a.family == AF_INET6 and a.address == "fd71::1" for a in addresses)
        assert {70, 71, 72} <= {rule.priority for rule in rules}
