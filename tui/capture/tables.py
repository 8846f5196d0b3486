"""What a capture may hold: one table per record type, and the decoder that checks a whole
document against them before any of it is used (pure, no I/O).

Adding an optional field to the model and the capture is one line in its table here (with
the default in the dataclass, old captures still load).  Ranges are the kernel's: u8 for
tos/protocol/scope, u32 for tables, marks and priorities, prefix lengths per family,
ifindexes that name a link of the same namespace.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from tui.capture.addr_fields import Addr, PrefixLen
from tui.capture.fields import Bool, Hex, Int, IntOrName, ListOf, OneOf, Pair, Str
from tui.capture.records import Nested, Record, Rows
from tui.capture.schema import S32, U8, U16, U32, U64, Ctx
from tui.model import (
    AF_INET,
    AF_INET6,
    Address,
    DevConf,
    FdbEntry,
    Ipv6ProcRoute,
    Link,
    NamespaceInfo,
    Neighbour,
    Nexthop,
    NexthopGroupMember,
    NexthopObject,
    Process,
    ResilientGroup,
    Route,
    RouteExtras,
    Rule,
    Sysctls,
    Vxlan,
)
from tui.names import FAMILY_NAMES

FAMILY = OneOf(choices={AF_INET: "inet", AF_INET6: "inet6"})
ROUTE_FAMILY = OneOf(choices=FAMILY_NAMES)
IFINDEX = Int(lo=1, hi=2**31 - 1, ref="links")
IFNAME = Str(max_len=15, empty=False)  # IFNAMSIZ - 1
SYSCTL = Int(lo=S32[0], hi=S32[1])
SYSCTL_OPT = Int(lo=S32[0], hi=S32[1], optional=True)
RTN_MAX = 11  # route and rule types: RTN_UNSPEC..RTN_XRESOLVE


def _u32(optional: bool = False) -> Int:
    return Int(hi=U32, optional=optional)


def _u8(optional: bool = False) -> Int:
    return Int(hi=U8, optional=optional)


DEVCONF = Record(DevConf, {f.name: SYSCTL for f in dataclasses.fields(DevConf)})


def _pair(*values: Any) -> tuple[Any, ...]:
    return values


#: An attribute kept raw: [type, hex bytes] (encap payloads, attributes not understood; a
#: nested one is numbered PARENT << 16 | TYPE).
RAW = Rows(_pair, {"type": Int(hi=U32), "data": Hex()}, ("type", "data"))
ENCAP = Nested(record=RAW, many=False, optional=True)
UNKNOWN = Nested(record=RAW, max_items=1024)

NEXTHOP = Rows(
    Nexthop,
    {
        "gateway": Addr(optional=True, any_family=True),
        "oif": Int(lo=1, hi=2**31 - 1, ref="links", optional=True),
        "weight": Int(lo=1, hi=256),
        "flags": _u8(),
        "realms": _u32(optional=True),
        "encap": ENCAP,
        "unknown": UNKNOWN,
    },
    names=("gateway", "oif", "weight", "flags", "realms", "encap", "unknown"),
    shortest=4,  # a hop without realms, encap or unknown attributes has four
)

#: RTAX type and value; RTAX_CC_ALGO's value is the congestion control's name.
METRIC = Rows(_pair, {"type": Int(lo=1, hi=U16), "value": IntOrName()}, ("type", "value"))

EXTRAS = Rows(
    RouteExtras,
    {"realms": _u32(optional=True), "encap": ENCAP, "unknown": UNKNOWN},
    ("realms", "encap", "unknown"),
)

ROUTE: dict[str, Any] = {
    "family": ROUTE_FAMILY,
    "table": Int(lo=1, hi=U32),
    "type": Int(hi=RTN_MAX),
    "dst": Addr(),
    "dst_len": PrefixLen(),
    "tos": _u8(),
    "protocol": _u8(),
    "scope": _u8(),
    "flags": _u32(),
    "priority": _u32(optional=True),
    "prefsrc": Addr(optional=True),
    "gateway": Addr(optional=True, any_family=True),
    "oif": Int(lo=1, hi=2**31 - 1, ref="links", optional=True),
    "src": Addr(optional=True),
    "src_len": PrefixLen(),
    "multipath": Nested(record=NEXTHOP, max_items=4096),
    "nhid": Int(lo=1, hi=U32, optional=True),
    "metrics": Nested(record=METRIC, max_items=64),
    "pref": _u8(optional=True),
    "expires": Int(lo=S32[0], hi=U32, optional=True),
    "extras": Nested(record=EXTRAS, many=False, optional=True),
}
ROUTE_REQUIRED = ("family", "table", "type", "dst", "dst_len")


def _route_src_len(cols: Mapping[str, Sequence[Any]], ctx: Ctx) -> tuple[int, str, str] | None:
    """A source prefix length without a source address is a fault (and vice versa)."""
    src, src_len = cols.get("src"), cols.get("src_len")
    if src is None or src_len is None or not any(src_len):
        return None
    for i, (s, n) in enumerate(zip(src, src_len, strict=True)):
        if n and s is None:
            return i, "src_len", f"{n} without a source address"
    return None


VXLAN = Record(
    Vxlan,
    {
        "vni": Int(hi=0xFFFFFF),
        "port": Int(hi=U16),
        "local": Addr(optional=True, any_family=True),
        "group": Addr(optional=True, any_family=True),
        "link": Int(lo=1, hi=2**31 - 1, optional=True),  # in the link-netns: maybe elsewhere
        "external": Bool(),
        "learning": Bool(),
    },
    required=("vni",),
)

LINK = Record(
    Link,
    {
        "index": Int(lo=1, hi=2**31 - 1),
        "name": IFNAME,
        "flags": _u32(),
        "operstate": Str(max_len=32),
        "kind": Str(max_len=64, optional=True),
        "master": Int(lo=1, hi=2**31 - 1, ref="links", optional=True),
        "mtu": _u32(),
        "group": _u32(),
        "address": Str(max_len=256, optional=True),
        "inet": Nested(record=DEVCONF, many=False, optional=True),
        "inet6_forwarding": Int(lo=S32[0], hi=S32[1], optional=True),
        "link": Int(hi=2**31 - 1, optional=True),  # the peer's ifindex: maybe elsewhere
        "vrf_table": Int(lo=1, hi=U32, optional=True),  # a VRF device's table
        "link_netnsid": Int(lo=S32[0], hi=S32[1], optional=True),
        "inet6_proxy_ndp": SYSCTL_OPT,
        "vxlan": Nested(record=VXLAN, many=False, optional=True),  # a vxlan's settings
    },
    required=("index", "name", "flags"),
)

ADDRESS = Record(
    Address,
    {
        "family": FAMILY,
        "index": IFINDEX,
        "address": Addr(),
        "prefixlen": PrefixLen(),
        "scope": _u8(),
        "flags": _u32(),
        "local": Addr(optional=True),
        "broadcast": Addr(optional=True),
        "label": Str(max_len=15, optional=True),
    },
    required=("family", "index", "address", "prefixlen"),
)

RULE = Record(
    Rule,
    {
        "family": FAMILY,
        "priority": _u32(),
        "action": _u8(),
        "table": _u32(),
        "src": Addr(optional=True),
        "src_len": PrefixLen(),
        "dst": Addr(optional=True),
        "dst_len": PrefixLen(),
        "tos": _u8(),
        "flags": _u32(),
        "iifname": Str(max_len=15, optional=True),
        "oifname": Str(max_len=15, optional=True),
        "fwmark": _u32(optional=True),
        "fwmask": _u32(optional=True),
        "goto": _u32(optional=True),
        "suppress_prefixlen": _u32(optional=True),
        "suppress_ifgroup": _u32(optional=True),
        "uid_range": Pair(optional=True, convert=tuple),
        "ip_proto": _u8(optional=True),
        "sport_range": Pair(top=U16, optional=True, convert=tuple),
        "dport_range": Pair(top=U16, optional=True, convert=tuple),
        "l3mdev": _u8(),
        "protocol": _u8(),
        "realms": _u32(optional=True),
        "tun_id": Int(hi=U64, optional=True),
        "dscp": Int(hi=63, optional=True),
        "dscp_mask": Int(hi=63, optional=True),
        "flowlabel": Int(hi=0xFFFFF, optional=True),
        "flowlabel_mask": Int(hi=0xFFFFF, optional=True),
        "sport_mask": Int(hi=U16, optional=True),
        "dport_mask": Int(hi=U16, optional=True),
        "unknown": UNKNOWN,
    },
    required=("family", "priority", "action"),
)

SYSCTLS = Record(
    Sysctls,
    {
        "ip_forward": SYSCTL,
        "conf_all": Nested(record=DEVCONF, many=False),
        "conf_default": Nested(record=DEVCONF, many=False),
        "ipv6_forwarding_all": SYSCTL,
        "ipv6_forwarding_default": SYSCTL,
        "fib_multipath_hash_policy": SYSCTL,
        "fib_multipath_use_neigh": _u32(optional=True),
        "fib_multipath_hash_fields": _u32(optional=True),
        "fib_multipath_hash_seed": _u32(optional=True),
        "ipv6_multipath_hash_policy": _u32(optional=True),
        "ipv6_multipath_hash_fields": _u32(optional=True),
        "ipv6_proxy_ndp_all": SYSCTL,
    },
)

NEIGHBOUR = Record(
    Neighbour,
    {
        "family": FAMILY,
        "ifindex": Int(lo=0, hi=2**31 - 1, ref="links", unref=frozenset({0})),  # 0: a proxy
        "dst": Addr(),
        "state": Int(hi=U16),
        "flags": _u8(),
        "lladdr": Str(max_len=256, optional=True),
        "proxy": Bool(),
    },
    required=("family", "ifindex", "dst"),
)

#: A vxlan forwarding entry (``bridge fdb ... dst R``) of a vxlan device of the namespace.
FDB_ENTRY = Record(
    FdbEntry,
    {
        "ifindex": IFINDEX,
        "lladdr": Str(max_len=17, empty=False),
        "dst": Addr(any_family=True),
        "vni": Int(hi=0xFFFFFF, optional=True),
        "port": Int(hi=U16, optional=True),
        "via": Int(lo=1, hi=2**31 - 1, optional=True),  # the underlay's ifindex
    },
    required=("ifindex", "lladdr", "dst"),
)

IPV6_PROC_ROUTE = Record(
    Ipv6ProcRoute,
    {
        "dst": Addr(family=AF_INET6),
        "dst_len": PrefixLen(family=AF_INET6),
        "src": Addr(family=AF_INET6),
        "src_len": PrefixLen(family=AF_INET6),
        "nexthop": Addr(family=AF_INET6),
        "metric": _u32(),
        "refcnt": Int(lo=S32[0], hi=U32),
        "use": Int(lo=S32[0], hi=U32),
        "flags": _u32(),
        "dev": Str(max_len=15),
    },
    required=tuple(f.name for f in dataclasses.fields(Ipv6ProcRoute)),
)

PROCESS = Record(
    Process,
    {"pid": Int(lo=1, hi=2**22), "name": Str(max_len=4096), "cmdline": Str(max_len=2**21)},
    required=("pid", "name"),
)

NAMESPACE_INFO = Record(
    NamespaceInfo,
    {
        "dev": Int(hi=U64),
        "inode": Int(hi=U64),
        "names": ListOf(max_len=255, convert=tuple),
        "paths": ListOf(convert=tuple),
        "processes": Nested(record=PROCESS, max_items=2**22),
        "is_host": Bool(),
        "hostname": Str(max_len=255, optional=True),
        "container": Str(max_len=255, optional=True),
        "pod_uid": Str(max_len=255, optional=True),
    },
    required=("dev", "inode"),
)

NEXTHOP_OBJECT = Record(
    NexthopObject,
    {
        "id": Int(lo=1, hi=U32),
        "family": _u8(),
        "scope": _u8(),
        "protocol": _u8(),
        "flags": _u32(),
        "gateway": Addr(optional=True, any_family=True),
        "oif": Int(lo=1, hi=2**31 - 1, ref="links", optional=True),
        "blackhole": Bool(),
        "fdb": Bool(),
        "group": Nested(
            record=Record(
                NexthopGroupMember, {"id": Int(lo=1, hi=U32), "weight": Int(lo=1, hi=U16 + 1)}
            ),
            max_items=2**16,
        ),
        "group_type": Int(hi=U16),
        "resilient": Nested(
            record=Record(
                ResilientGroup,
                {
                    "buckets": Int(hi=U32),
                    "idle_timer": _u32(),
                    "unbalanced_timer": _u32(),
                    "unbalanced_time": Int(hi=U64),
                },
                required=("buckets",),
            ),
            many=False,
            optional=True,
        ),
        "bucket_nhids": ListOf(item=int, max_items=2**16, convert=tuple),
        "master": Int(lo=1, hi=2**31 - 1, ref="links", optional=True),
        "encap_type": Int(hi=U16, optional=True),
        "encap": Hex(optional=True),
        "unknown": UNKNOWN,
    },
    required=("id",),
)

#: A namespace's ids of other namespaces: [nsid, inode of that namespace].
NSID = Rows(_pair, {"nsid": Int(lo=S32[0], hi=S32[1]), "inode": Int(hi=U64)}, ("nsid", "inode"))

#: A namespace's state: each collection and its record, in checking order (links first:
#: others refer to them).  Routes are positional rows (their field names in the header).
STATE: dict[str, Record | Rows | None] = {
    "links": LINK,
    "addresses": ADDRESS,
    "rules": RULE,
    "routes": None,
    "sysctls": SYSCTLS,
    "ipv6_proc_routes": IPV6_PROC_ROUTE,
    "neighbours": NEIGHBOUR,
    "nsids": NSID,
    "nexthops": NEXTHOP_OBJECT,
    "fdb": FDB_ENTRY,
}
STATE_REQUIRED = ("links", "addresses", "rules", "routes")
#: Collections that may be null: not read (an older capture), unlike an empty one.
STATE_NULLABLE = {"neighbours", "nsids", "nexthops", "fdb"}

NAMESPACE = {"info", "state", "error"}
TOP = {
    "format",
    "version",
    "hostname",
    "kernel",
    "captured_at",
    "table_names",
    "proto_names",
    "route_fields",
    "namespaces",
}


def route_rows(names: Sequence[str]) -> Rows:
    """The route rows' record for a header's field order (fields it lacks keep defaults)."""
    return Rows(Route, {n: ROUTE[n] for n in names}, tuple(names), cross=(_route_src_len,))
