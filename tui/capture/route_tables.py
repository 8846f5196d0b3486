"""What a capture's routes may hold: the route's fields (version 2 stores them as positional
rows or columns, named in the header), its next hops, metrics and rarer parts, and the raw
attributes also kept by rules and nexthop objects (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tui.capture.addr_fields import Addr, PrefixLen
from tui.capture.fields import Hex, Int, IntOrName, OneOf, u8, u32
from tui.capture.records import Nested, Rows, as_tuple
from tui.capture.schema import S32, U16, U32, Ctx
from tui.model import Nexthop, Route, RouteExtras
from tui.names import FAMILY_NAMES

ROUTE_FAMILY = OneOf(choices=FAMILY_NAMES)
RTN_MAX = 11  # route and rule types: RTN_UNSPEC..RTN_XRESOLVE


#: An attribute kept raw: [type, hex bytes] (encap payloads, attributes not understood; a
#: nested one is numbered PARENT << 16 | TYPE).
RAW = Rows(as_tuple, {"type": Int(hi=U32), "data": Hex()}, ("type", "data"))
ENCAP = Nested(record=RAW, many=False, optional=True)
UNKNOWN = Nested(record=RAW, max_items=1024)

NEXTHOP = Rows(
    Nexthop,
    {
        "gateway": Addr(optional=True, any_family=True),
        "oif": Int(lo=1, hi=2**31 - 1, ref="links", optional=True),
        "weight": Int(lo=1, hi=256),
        "flags": u8(),
        "realms": u32(optional=True),
        "encap": ENCAP,
        "unknown": UNKNOWN,
    },
    names=("gateway", "oif", "weight", "flags", "realms", "encap", "unknown"),
    shortest=4,  # a hop without realms, encap or unknown attributes has four
)

#: RTAX type and value; RTAX_CC_ALGO's value is the congestion control's name.
METRIC = Rows(as_tuple, {"type": Int(lo=1, hi=U16), "value": IntOrName()}, ("type", "value"))

EXTRAS = Rows(
    RouteExtras,
    {"realms": u32(optional=True), "encap": ENCAP, "unknown": UNKNOWN},
    ("realms", "encap", "unknown"),
)

ROUTE: dict[str, Any] = {
    "family": ROUTE_FAMILY,
    "table": Int(lo=1, hi=U32),
    "type": Int(hi=RTN_MAX),
    "dst": Addr(),
    "dst_len": PrefixLen(),
    "tos": u8(),
    "protocol": u8(),
    "scope": u8(),
    "flags": u32(),
    "priority": u32(optional=True),
    "prefsrc": Addr(optional=True),
    "gateway": Addr(optional=True, any_family=True),
    "oif": Int(lo=1, hi=2**31 - 1, ref="links", optional=True),
    "src": Addr(optional=True),
    "src_len": PrefixLen(),
    "multipath": Nested(record=NEXTHOP, max_items=4096),
    "nhid": Int(lo=1, hi=U32, optional=True),
    "metrics": Nested(record=METRIC, max_items=64),
    "pref": u8(optional=True),
    "expires": Int(lo=S32[0], hi=U32, optional=True),
    "extras": Nested(record=EXTRAS, many=False, optional=True),
}
ROUTE_REQUIRED = ("family", "table", "type", "dst", "dst_len")


def route_src_len(cols: Mapping[str, Sequence[Any]], ctx: Ctx) -> tuple[int, str, str] | None:
    """A source prefix length without a source address is a fault (and vice versa)."""
    src, src_len = cols.get("src"), cols.get("src_len")
    if src is None or src_len is None or not any(src_len):
        return None
    for i, (s, n) in enumerate(zip(src, src_len, strict=True)):
        if n and s is None:
            return i, "src_len", f"{n} without a source address"
    return None


def route_rows(names: Sequence[str]) -> Rows:
    """The route rows' record for a header's field order (fields it lacks keep defaults)."""
    return Rows(Route, {n: ROUTE[n] for n in names}, tuple(names), cross=(route_src_len,))
