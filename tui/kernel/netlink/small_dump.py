"""Links, addresses and rules read from raw netlink dumps, without pyroute2.

Importing pyroute2 costs a tenth of a second (its package imports every protocol it knows),
on the path to the app's first screen and every command's answer.  These dumps are small;
each message is decoded here field for field as ``dump.link_from_msg`` /
``address_from_msg`` / ``rule_from_msg`` decode pyroute2's parse of it (the same attributes,
the same types, the first of a repeated attribute, names kept byte for byte as surrogate
escapes); ``tests/kernel/test_small_dump.py`` compares both on real namespaces.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable

from tui.kernel.netlink.const import NLM_F_DUMP, NLM_F_REQUEST
from tui.kernel.netlink.route_dump import next_seq
from tui.kernel.netlink.rule_codec import decode_rule
from tui.kernel.netlink.summary import (
    _LINK_REQUEST,
    IFLA_LINKINFO,
    RTM_GETLINK,
    RTM_NEWLINK,
    RTM_NEWRULE,
    _attrs,
    _dump,
    _text,
    _u32,
)
from tui.kernel.netlink.summary import decode_link as listing_link
from tui.model import AF_INET, AF_INET6, Address, DevConf, Link, Rule, Vxlan

RTM_NEWADDR = 20
RTM_GETADDR = 22
RTM_GETRULE = 34
IFLA_AF_SPEC = 26
IFLA_GROUP = 27
IFLA_INFO_DATA = 2
IFLA_INET6_CONF = 2
IFLA_VRF_TABLE = 1
DEVCONF_FORWARDING = 0
DEVCONF_PROXY_NDP = 22
# IFLA_VXLAN_*
VXLAN_ID, VXLAN_GROUP, VXLAN_LINK, VXLAN_LOCAL, VXLAN_LEARNING = 1, 2, 3, 4, 7
VXLAN_PORT, VXLAN_GROUP6, VXLAN_LOCAL6, VXLAN_COLLECT_METADATA = 15, 16, 17, 25
# IFA_*
IFA_ADDRESS, IFA_LOCAL, IFA_LABEL, IFA_BROADCAST, IFA_FLAGS = 1, 2, 3, 4, 8

_ADDR_REQUEST = struct.Struct("=IHHIIBBBBI")  # nlmsghdr + ifaddrmsg
_RULE_REQUEST = struct.Struct("=IHHIIBBBBBBBBI")  # nlmsghdr + fib_rule_hdr
_IFADDR = struct.Struct("=BBBBI")
_BE16 = struct.Struct(">H")
_U32 = struct.Struct("=I")
Span = tuple[int, int]
DevConfReader = Callable[[str], DevConf]


def _ip(buf: bytearray, span: Span | None, family: int) -> str | None:
    """An address attribute as text (pyroute2's ip4addr / ip6addr / ipaddr); None for another
    family's (fibscope keeps IPv4 and IPv6 addresses)."""
    if span is None or family not in (AF_INET, AF_INET6):
        return None
    size = 4 if family == AF_INET else 16
    if span[1] - span[0] < size:
        return None
    return socket.inet_ntop(family, bytes(buf[span[0] : span[0] + size]))


def _u8(buf: bytearray, span: Span | None) -> int | None:
    return buf[span[0]] if span is not None and span[1] > span[0] else None


def _vxlan(buf: bytearray, data: dict[int, Span]) -> Vxlan | None:
    """As ``dump.vxlan_from_data`` on pyroute2's parse of IFLA_INFO_DATA."""
    vni = _u32(buf, data.get(VXLAN_ID))
    if vni is None:
        return None
    port_span = data.get(VXLAN_PORT)
    port = None
    if port_span is not None and port_span[1] - port_span[0] >= 2:
        port = int(_BE16.unpack_from(buf, port_span[0])[0])
    unset = (None, "", "0.0.0.0", "::")
    local = _ip(buf, data.get(VXLAN_LOCAL), AF_INET)
    local = local if local not in unset else _ip(buf, data.get(VXLAN_LOCAL6), AF_INET6)
    group = _ip(buf, data.get(VXLAN_GROUP), AF_INET)
    group = group if group not in unset else _ip(buf, data.get(VXLAN_GROUP6), AF_INET6)
    learning = _u8(buf, data.get(VXLAN_LEARNING))
    return Vxlan(
        vni=vni,
        port=port if port is not None else 4789,
        local=local if local not in unset else None,
        group=group if group not in unset else None,
        link=_u32(buf, data.get(VXLAN_LINK)) or None,
        external=bool(_u8(buf, data.get(VXLAN_COLLECT_METADATA))),
        learning=bool(learning if learning is not None else 1),
    )


def _devconf6(buf: bytearray, spec: Span | None) -> tuple[int | None, int | None]:
    """(forwarding, proxy_ndp) of IFLA_AF_SPEC / AF_INET6 / IFLA_INET6_CONF."""
    if spec is None:
        return None, None
    inet6 = _attrs(buf, *spec).get(AF_INET6)
    conf = _attrs(buf, *inet6).get(IFLA_INET6_CONF) if inet6 is not None else None
    if conf is None or conf[1] - conf[0] < 4:
        return None, None  # pyroute2's empty parse: falsy, read as not there

    def word(index: int) -> int | None:
        at = conf[0] + 4 * index
        return int(_U32.unpack_from(buf, at)[0]) if at + 4 <= conf[1] else None

    return word(DEVCONF_FORWARDING), word(DEVCONF_PROXY_NDP)


def decode_link(buf: bytearray, offset: int, length: int, inet: DevConf | None) -> Link:
    """One RTM_NEWLINK message as ``dump.link_from_msg`` makes it (``inet``: the link's
    IPv4 devconf, read by the caller)."""
    base = listing_link(buf, offset, length)
    start = offset + 16 + 16  # nlmsghdr + ifinfomsg
    attrs = _attrs(buf, start, offset + length)
    kind = base.kind
    vrf_table = vxlan = None
    if kind in ("vrf", "vxlan") and IFLA_LINKINFO in attrs:
        data = _attrs(buf, *attrs[IFLA_LINKINFO]).get(IFLA_INFO_DATA)
        if data is not None:
            fields = _attrs(buf, *data)
            if kind == "vrf":
                vrf_table = _u32(buf, fields.get(IFLA_VRF_TABLE))
            else:
                vxlan = _vxlan(buf, fields)
    forwarding, proxy_ndp = _devconf6(buf, attrs.get(IFLA_AF_SPEC))
    return Link(
        index=base.index,
        name=base.name,
        flags=base.flags,
        operstate=base.operstate,
        kind=kind,
        master=base.master,
        mtu=base.mtu,
        group=_u32(buf, attrs.get(IFLA_GROUP)) or 0,
        address=base.address,
        inet=inet,
        inet6_forwarding=forwarding,
        link=base.link,
        link_netnsid=base.link_netnsid,
        inet6_proxy_ndp=proxy_ndp,
        vrf_table=vrf_table,
        vxlan=vxlan,
    )


def decode_address(buf: bytearray, offset: int, length: int) -> Address:
    """One RTM_NEWADDR message as ``dump.address_from_msg`` makes it."""
    start = offset + 16
    family, prefixlen, flags, scope, index = _IFADDR.unpack_from(buf, start)
    attrs = _attrs(buf, start + _IFADDR.size, offset + length)
    address = _ip(buf, attrs.get(IFA_ADDRESS), family)
    local = _ip(buf, attrs.get(IFA_LOCAL), family)
    label = _text(buf, attrs[IFA_LABEL]) if IFA_LABEL in attrs else None
    return Address(
        family=family,
        index=index,
        address=address or local or "",
        prefixlen=prefixlen,
        scope=scope,
        flags=_u32(buf, attrs.get(IFA_FLAGS)) or flags,
        local=local,
        broadcast=_ip(buf, attrs.get(IFA_BROADCAST), family),
        label=label,
    )


def read_small_raw(
    sock: socket.socket, buf: bytearray, devconf: DevConfReader | None
) -> tuple[tuple[Link, ...], tuple[Address, ...], tuple[Rule, ...]]:
    """Links, addresses and rules (IPv4 then IPv6) of the socket's namespace, as
    ``dump.read_small`` reads them through pyroute2 (``devconf(name)``: a link's IPv4
    devconf, read in the caller's namespace; None: not read)."""
    links: list[Link] = []
    addresses: list[Address] = []
    rules: list[Rule] = []

    def keep(data: bytearray, off: int, length: int, mtype: int) -> None:
        if mtype == RTM_NEWLINK:
            name = listing_link(data, off, length).name
            inet = devconf(name) if devconf is not None else None
            links.append(decode_link(data, off, length, inet))
        elif mtype == RTM_NEWADDR:
            addresses.append(decode_address(data, off, length))
        elif mtype == RTM_NEWRULE:
            rules.append(decode_rule(data, off, length))

    flags = NLM_F_REQUEST | NLM_F_DUMP
    for header, mtype in ((_LINK_REQUEST, RTM_GETLINK), (_ADDR_REQUEST, RTM_GETADDR)):
        seq = next_seq()
        _dump(sock, header.pack(header.size, mtype, flags, seq, *(0,) * 6), seq, buf, keep)
    for family in (AF_INET, AF_INET6):
        seq = next_seq()
        request = _RULE_REQUEST.pack(
            _RULE_REQUEST.size, RTM_GETRULE, flags, seq, 0, family, *(0,) * 8
        )
        _dump(sock, request, seq, buf, keep)
    return tuple(links), tuple(addresses), tuple(rules)
