"""The link reader keeps a VRF's table (IFLA_INFO_DATA / IFLA_VRF_TABLE) and a slave's master.

This kernel has no vrf module, so the RTM_NEWLINK messages are encoded by pyroute2's own
codec (the bytes the kernel would send) and decoded back, as a dump reads them.
"""

from __future__ import annotations

from typing import Any

from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg

from tui.kernel.netlink.dump import link_from_msg


def _decoded(attrs: list[tuple[str, Any]], index: int) -> Any:
    msg = ifinfmsg()
    msg["index"], msg["family"], msg["flags"] = index, 0, 0x10043
    msg["attrs"] = attrs
    msg.encode()
    out = ifinfmsg(msg.data)
    out.decode()
    return out


def test_vrf_table_and_master_are_read() -> None:
    vrf = _decoded(
        [
            ("IFLA_IFNAME", "blue"),
            (
                "IFLA_LINKINFO",
                {
                    "attrs": [
                        ("IFLA_INFO_KIND", "vrf"),
                        ("IFLA_INFO_DATA", {"attrs": [("IFLA_VRF_TABLE", 10)]}),
                    ]
                },
            ),
        ],
        5,
    )
    link = link_from_msg(vrf, with_conf=False)
    assert (link.name, link.kind, link.vrf_table, link.master) == ("blue", "vrf", 10, None)
    slave = link_from_msg(_decoded([("IFLA_IFNAME", "e1"), ("IFLA_MASTER", 5)], 6), False)
    assert (slave.kind, slave.vrf_table, slave.master) == (None, None, 5)


def test_other_kinds_carry_no_vrf_table() -> None:
    bridge = _decoded(
        [
            ("IFLA_IFNAME", "br0"),
            ("IFLA_LINKINFO", {"attrs": [("IFLA_INFO_KIND", "bridge")]}),
        ],
        7,
    )
    link = link_from_msg(bridge, with_conf=False)
    assert (link.kind, link.vrf_table) == ("bridge", None)
