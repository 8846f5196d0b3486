"""Decoding RTM_NEWRULE messages from their bytes into ``Rule``, every attribute accounted for.

pyroute2's rule map stops at FRA_DPORT_RANGE and turns newer attributes into payload-less
``UNKNOWN`` entries, so a dscp or flow label rule would read as a rule matching every flow.
This decoder reads the ``fib_rule_hdr`` and every FRA_* attribute of <linux/fib_rules.h>
(kernel 6.16: up to FRA_DSCP_MASK); an attribute it does not know, or one whose payload has
an unexpected size, is kept raw in ``Rule.unknown`` so views show it and lookups it could
affect are marked unpredicted.
"""

from __future__ import annotations

import socket
import struct
from typing import Any

from tui.model import AF_INET, AF_INET6, Rule

FIB_RULE_HDR = struct.Struct(
    "=BBBBBBBBI"
)  # family dst_len src_len tos table res1 res2 action flags
_NLMSGHDR_LEN = 16
_NLA = struct.Struct("=HH")
_U32 = struct.Struct("=I")
_U16 = struct.Struct("=H")
_BE32 = struct.Struct("!I")
_BE64 = struct.Struct("!Q")
_PAIR32 = struct.Struct("=II")
_PAIR16 = struct.Struct("=HH")
NLA_TYPE_MASK = 0x3FFF

FRA_DST = 1
FRA_SRC = 2
FRA_IIFNAME = 3
FRA_GOTO = 4
FRA_PRIORITY = 6
FRA_FWMARK = 10
FRA_FLOW = 11
FRA_TUN_ID = 12
FRA_SUPPRESS_IFGROUP = 13
FRA_SUPPRESS_PREFIXLEN = 14
FRA_TABLE = 15
FRA_FWMASK = 16
FRA_OIFNAME = 17
FRA_PAD = 18
FRA_L3MDEV = 19
FRA_UID_RANGE = 20
FRA_PROTOCOL = 21
FRA_IP_PROTO = 22
FRA_SPORT_RANGE = 23
FRA_DPORT_RANGE = 24
FRA_DSCP = 25
FRA_FLOWLABEL = 26
FRA_FLOWLABEL_MASK = 27
FRA_SPORT_MASK = 28
FRA_DPORT_MASK = 29
FRA_DSCP_MASK = 30

_U32_ATTRS = {
    FRA_PRIORITY: "priority",
    FRA_GOTO: "goto",
    FRA_FWMARK: "fwmark",
    FRA_FWMASK: "fwmask",
    FRA_FLOW: "realms",
    FRA_SUPPRESS_IFGROUP: "suppress_ifgroup",
    FRA_SUPPRESS_PREFIXLEN: "suppress_prefixlen",
    FRA_TABLE: "table",
}
_U8_ATTRS = {
    FRA_L3MDEV: "l3mdev",
    FRA_PROTOCOL: "protocol",
    FRA_IP_PROTO: "ip_proto",
    FRA_DSCP: "dscp",
    FRA_DSCP_MASK: "dscp_mask",
}
_U16_ATTRS = {FRA_SPORT_MASK: "sport_mask", FRA_DPORT_MASK: "dport_mask"}
_BE32_ATTRS = {FRA_FLOWLABEL: "flowlabel", FRA_FLOWLABEL_MASK: "flowlabel_mask"}
_ADDR_LEN = {AF_INET: 4, AF_INET6: 16}
_UNSET = 0xFFFFFFFF  # suppress_prefixlength / suppress_ifgroup not set


def _name(raw: bytes) -> str:
    """A NUL-terminated interface name: bytes that are not UTF-8 kept as surrogate escapes
    (as link names are, so a rule's iif still names its link; escaped when shown)."""
    return raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


def decode_rule(buf: bytes | bytearray | memoryview, offset: int, length: int) -> Rule:
    """The rule message of ``length`` bytes whose nlmsghdr starts at ``offset``.

    Raises ValueError for a message too short to hold its header; attributes with bad
    lengths end the walk (what the kernel never sends is not guessed at).
    """
    if length < _NLMSGHDR_LEN + FIB_RULE_HDR.size or offset + length > len(buf):
        raise ValueError(f"rule message of {length} bytes at offset {offset} is truncated")
    start = offset + _NLMSGHDR_LEN
    family, dst_len, src_len, tos, table, _r1, _r2, action, flags = FIB_RULE_HDR.unpack_from(
        buf, start
    )
    fields: dict[str, Any] = {}
    unknown: list[tuple[int, str]] = []
    addr_len = _ADDR_LEN.get(family)
    pos, end = start + FIB_RULE_HDR.size, offset + length
    while end - pos >= 4:
        nla_len, nla_type = _NLA.unpack_from(buf, pos)
        if nla_len < 4 or pos + nla_len > end:
            break
        kind = nla_type & NLA_TYPE_MASK
        payload = bytes(buf[pos + 4 : pos + nla_len])
        size = len(payload)
        if kind in _U32_ATTRS and size == 4:
            fields[_U32_ATTRS[kind]] = _U32.unpack(payload)[0]
        elif kind in _U8_ATTRS and size == 1:
            fields[_U8_ATTRS[kind]] = payload[0]
        elif kind in _U16_ATTRS and size == 2:
            fields[_U16_ATTRS[kind]] = _U16.unpack(payload)[0]
        elif kind in _BE32_ATTRS and size == 4:
            fields[_BE32_ATTRS[kind]] = _BE32.unpack(payload)[0]
        elif kind in (FRA_SRC, FRA_DST) and addr_len is not None and size == addr_len:
            text = socket.inet_ntop(socket.AF_INET if addr_len == 4 else socket.AF_INET6, payload)
            fields["src" if kind == FRA_SRC else "dst"] = text
        elif kind in (FRA_IIFNAME, FRA_OIFNAME) and size:
            fields["iifname" if kind == FRA_IIFNAME else "oifname"] = _name(payload)
        elif kind == FRA_UID_RANGE and size == 8:
            fields["uid_range"] = _PAIR32.unpack(payload)
        elif kind in (FRA_SPORT_RANGE, FRA_DPORT_RANGE) and size == 4:
            fields["sport_range" if kind == FRA_SPORT_RANGE else "dport_range"] = _PAIR16.unpack(
                payload
            )
        elif kind == FRA_TUN_ID and size == 8:
            fields["tun_id"] = _BE64.unpack(payload)[0]
        elif kind != FRA_PAD:
            unknown.append((kind, payload.hex()))
        pos += (nla_len + 3) & ~3
    if fields.get("suppress_prefixlen") == _UNSET:
        del fields["suppress_prefixlen"]
    if fields.get("suppress_ifgroup") == _UNSET:
        del fields["suppress_ifgroup"]
    return Rule(
        family=family,
        priority=int(fields.pop("priority", 0)),
        action=action,
        table=int(fields.pop("table", table) or table),
        src_len=src_len,
        dst_len=dst_len,
        tos=tos,
        flags=flags,
        l3mdev=int(fields.pop("l3mdev", 0)),
        protocol=int(fields.pop("protocol", 0)),
        unknown=tuple(unknown),
        **fields,
    )


def rule_from_raw(data: bytes, offset: int = 0, length: int | None = None) -> Rule:
    """A Rule from a whole netlink message (``length`` defaults to its nlmsg_len)."""
    if length is None:
        length = _U32.unpack_from(data, offset)[0]
    return decode_rule(data, offset, length)
