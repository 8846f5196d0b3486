"""What a capture may hold: one table per record type, and the decoder that checks a whole
document against them before any of it is used (pure, no I/O).

Adding an optional field to the model and the capture is one line in its table here (with
the default in the dataclass, old captures still load).  Ranges are the kernel's: u8 for
tos/protocol/scope, u32 for tables, marks and priorities, prefix lengths per family,
ifindexes that name a link of the same namespace.  The route's tables (its rows, next hops
and raw attributes) are in ``route_tables``.
"""

from __future__ import annotations

import dataclasses

from tui.capture.addr_fields import Addr, PrefixLen
from tui.capture.fields import Bool, Hex, Int, ListOf, OneOf, Pair, Str, u8, u32
from tui.capture.records import Nested, Record, Rows, as_tuple
from tui.capture.route_tables import UNKNOWN
from tui.capture.schema import S32, U16, U32, U64
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
    NexthopGroupMember,
    NexthopObject,
    Process,
    ResilientGroup,
    Rule,
    Sysctls,
    Vxlan,
)

FAMILY = OneOf(choices={AF_INET: "inet", AF_INET6: "inet6"})
IFINDEX = Int(lo=1, hi=2**31 - 1, ref="links")
IFNAME = Str(max_len=15, empty=False)  # IFNAMSIZ - 1
SYSCTL = Int(lo=S32[0], hi=S32[1])
SYSCTL_OPT = Int(lo=S32[0], hi=S32[1], optional=True)


DEVCONF = Record(DevConf, {f.name: SYSCTL for f in dataclasses.fields(DevConf)})


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
        "flags": u32(),
        "operstate": Str(max_len=32),
        "kind": Str(max_len=64, optional=True),
        "master": Int(lo=1, hi=2**31 - 1, ref="links", optional=True),
        "mtu": u32(),
        "group": u32(),
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
        "scope": u8(),
        "flags": u32(),
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
        "priority": u32(),
        "action": u8(),
        "table": u32(),
        "src": Addr(optional=True),
        "src_len": PrefixLen(),
        "dst": Addr(optional=True),
        "dst_len": PrefixLen(),
        "tos": u8(),
        "flags": u32(),
        "iifname": Str(max_len=15, optional=True),
        "oifname": Str(max_len=15, optional=True),
        "fwmark": u32(optional=True),
        "fwmask": u32(optional=True),
        "goto": u32(optional=True),
        "suppress_prefixlen": u32(optional=True),
        "suppress_ifgroup": u32(optional=True),
        "uid_range": Pair(optional=True, convert=tuple),
        "ip_proto": u8(optional=True),
        "sport_range": Pair(top=U16, optional=True, convert=tuple),
        "dport_range": Pair(top=U16, optional=True, convert=tuple),
        "l3mdev": u8(),
        "protocol": u8(),
        "realms": u32(optional=True),
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
        "fib_multipath_use_neigh": u32(optional=True),
        "fib_multipath_hash_fields": u32(optional=True),
        "fib_multipath_hash_seed": u32(optional=True),
        "ipv6_multipath_hash_policy": u32(optional=True),
        "ipv6_multipath_hash_fields": u32(optional=True),
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
        "flags": u8(),
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
        "metric": u32(),
        "refcnt": Int(lo=S32[0], hi=U32),
        "use": Int(lo=S32[0], hi=U32),
        "flags": u32(),
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
        "family": u8(),
        "scope": u8(),
        "protocol": u8(),
        "flags": u32(),
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
                    "idle_timer": u32(),
                    "unbalanced_timer": u32(),
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
NSID = Rows(as_tuple, {"nsid": Int(lo=S32[0], hi=S32[1]), "inode": Int(hi=U64)}, ("nsid", "inode"))

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
