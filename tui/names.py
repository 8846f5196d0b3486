"""Number <-> name tables exactly as iproute2 6.1 prints and parses them (pure, no I/O).

The tables are iproute2's built-in ones merged with the files Debian ships in /etc/iproute2
(``rt_protos``, ``rt_scopes``, ``rt_dsfield``, ``rt_realms``, ``group``) and the first name
per number of netbase's /etc/protocols (what ``getprotobynumber`` returns).  Table names come
from a mapping passed in (read from ``rt_tables`` elsewhere) over the built-in ones.
"""

from __future__ import annotations

from collections.abc import Mapping

from tui.model import (
    AF_INET,
    AF_INET6,
    AF_MPLS,
    FR_ACT_BLACKHOLE,
    FR_ACT_GOTO,
    FR_ACT_NOP,
    FR_ACT_PROHIBIT,
    FR_ACT_TO_TBL,
    FR_ACT_UNREACHABLE,
    RT_TABLE_DEFAULT,
    RT_TABLE_LOCAL,
    RT_TABLE_MAIN,
)

RT_TABLE_MAX = 0xFFFFFFFF
#: ``table all`` in ``ip route show``: iproute2's filter value for "every table".
TABLE_ALL = 0

# Route types (rtnl_rtntype_n2a); 11 is RTN_XRESOLVE.
RTN_NAMES: tuple[str, ...] = (
    "none", "unicast", "local", "broadcast", "anycast", "multicast",
    "blackhole", "unreachable", "prohibit", "throw", "nat", "xresolve",
)  # fmt: skip
# The engine's and the kernel answer's word for a route type: "unspec" for 0, none for
# RTN_XRESOLVE (the kernel never answers with it), else rtnl_rtntype_n2a's.
TYPE_NAMES: dict[int, str] = {0: "unspec", **dict(enumerate(RTN_NAMES[1:11], start=1))}
# Address families, as ip -j and the capture file name them.
FAMILY_NAMES: dict[int, str] = {AF_INET: "inet", AF_INET6: "inet6", AF_MPLS: "mpls"}
# LWTUNNEL_ENCAP_* numbers: the word after ``encap`` (lwtunnel_encap_str()).
LWTUNNEL_ENCAP_NAMES: dict[int, str] = {
    1: "mpls", 2: "ip", 3: "ila", 4: "ip6", 5: "seg6", 6: "bpf", 7: "seg6local", 8: "rpl",
    9: "ioam6", 10: "xfrm",
}  # fmt: skip

# Routing protocols: iproute2 6.1's built-in table (lib/rt_names.c rtnl_rtprot_tab) ...
PROTO_BUILTIN: dict[int, str] = {
    0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static", 8: "gated", 9: "ra",
    10: "mrt", 11: "zebra", 12: "bird", 13: "dnrouted", 14: "xorp", 15: "ntk", 16: "dhcp",
    18: "keepalived", 42: "babel", 186: "bgp", 187: "isis", 188: "ospf", 189: "rip",
    192: "eigrp",
}  # fmt: skip
# ... and what the name files hold until the host's are read: Debian's /etc/iproute2/rt_protos.
PROTO_NAMES: dict[int, str] = {**PROTO_BUILTIN, 99: "openr"}
RTPROT_KERNEL = 2
RTPROT_BOOT = 3

SCOPE_NAMES: dict[int, str] = {0: "global", 200: "site", 253: "link", 254: "host", 255: "nowhere"}

BUILTIN_TABLE_NAMES: dict[int, str] = {
    0: "unspec",
    RT_TABLE_DEFAULT: "default",
    RT_TABLE_MAIN: "main",
    RT_TABLE_LOCAL: "local",
}

# /etc/iproute2/rt_dsfield: DSCP class names for the tos byte.
DSFIELD_NAMES: dict[int, str] = {
    0x00: "default", 0x20: "CS1", 0x28: "AF11", 0x30: "AF12", 0x38: "AF13", 0x40: "CS2",
    0x48: "AF21", 0x50: "AF22", 0x58: "AF23", 0x60: "CS3", 0x68: "AF31", 0x70: "AF32",
    0x78: "AF33", 0x80: "CS4", 0x88: "AF41", 0x90: "AF42", 0x98: "AF43", 0xA0: "CS5",
    0xB8: "EF", 0xC0: "CS6", 0xE0: "CS7",
}  # fmt: skip

# Realms: the built-in table says "unknown" for 0 until rt_realms is read ("cosmos").
REALM_BUILTIN: dict[int, str] = {0: "unknown"}
REALM_FILE: dict[int, str] = {0: "cosmos"}

GROUP_NAMES: dict[int, str] = {0: "default"}

# First name per number in netbase's /etc/protocols (getprotobynumber).
IPPROTO_NAMES: dict[int, str] = {
    0: "ip", 1: "icmp", 2: "igmp", 3: "ggp", 4: "ipencap", 5: "st", 6: "tcp", 8: "egp",
    9: "igp", 12: "pup", 17: "udp", 20: "hmp", 22: "xns-idp", 27: "rdp", 29: "iso-tp4",
    33: "dccp", 36: "xtp", 37: "ddp", 38: "idpr-cmtp", 41: "ipv6", 43: "ipv6-route",
    44: "ipv6-frag", 45: "idrp", 46: "rsvp", 47: "gre", 50: "esp", 51: "ah", 57: "skip",
    58: "ipv6-icmp", 59: "ipv6-nonxt", 60: "ipv6-opts", 73: "rspf", 81: "vmtp", 88: "eigrp",
    89: "ospf", 93: "ax.25", 94: "ipip", 97: "etherip", 98: "encap", 103: "pim",
    108: "ipcomp", 112: "vrrp", 115: "l2tp", 124: "isis", 132: "sctp", 133: "fc",
    135: "mobility-header", 136: "udplite", 137: "mpls-in-ip", 138: "manet", 139: "hip",
    140: "shim6", 141: "wesp", 142: "rohc", 143: "ethernet",
}  # fmt: skip

# Route metrics (RTAX_*), the names ip route prints (mx_names in ip/iproute.c).
RTAX_LOCK = 1
RTAX_MTU = 2
RTAX_WINDOW = 3
RTAX_RTT = 4
RTAX_RTTVAR = 5
RTAX_SSTHRESH = 6
RTAX_CWND = 7
RTAX_ADVMSS = 8
RTAX_REORDERING = 9
RTAX_HOPLIMIT = 10
RTAX_INITCWND = 11
RTAX_FEATURES = 12
RTAX_RTO_MIN = 13
RTAX_INITRWND = 14
RTAX_QUICKACK = 15
RTAX_CC_ALGO = 16
RTAX_FASTOPEN_NO_COOKIE = 17
RTAX_MAX = 17
RTAX_FEATURE_ECN = 0x1
METRIC_NAMES: dict[int, str] = {
    RTAX_MTU: "mtu", RTAX_WINDOW: "window", RTAX_RTT: "rtt", RTAX_RTTVAR: "rttvar",
    RTAX_SSTHRESH: "ssthresh", RTAX_CWND: "cwnd", RTAX_ADVMSS: "advmss",
    RTAX_REORDERING: "reordering", RTAX_HOPLIMIT: "hoplimit", RTAX_INITCWND: "initcwnd",
    RTAX_FEATURES: "features", RTAX_RTO_MIN: "rto_min", RTAX_INITRWND: "initrwnd",
    RTAX_QUICKACK: "quickack", RTAX_CC_ALGO: "congctl",
    RTAX_FASTOPEN_NO_COOKIE: "fastopen_no_cookie",
}  # fmt: skip

# Rule actions: the word ip rule prints (FR_ACT_TO_TBL prints "lookup TABLE").
RULE_ACTION_NAMES: dict[int, str] = {
    FR_ACT_TO_TBL: "lookup",
    FR_ACT_GOTO: "goto",
    FR_ACT_NOP: "nop",
    FR_ACT_BLACKHOLE: "blackhole",
    FR_ACT_UNREACHABLE: "unreachable",
    FR_ACT_PROHIBIT: "prohibit",
}

# Route / next hop flags in the order print_rt_flags() prints them.
RT_FLAG_WORDS: tuple[tuple[int, str], ...] = (
    (0x1, "dead"), (0x4, "onlink"), (0x2, "pervasive"), (0x8, "offload"), (0x40, "trap"),
    (0x100, "notify"), (0x10, "linkdown"), (0x20, "unresolved"), (0x4000, "rt_offload"),
    (0x8000, "rt_trap"), (0x20000000, "rt_offload_failed"),
)  # fmt: skip


def rtntype_name(rtype: int) -> str:
    """``unicast``, ``blackhole``, ... (the number when unknown)."""
    return RTN_NAMES[rtype] if 0 <= rtype < len(RTN_NAMES) else str(rtype)


class ProtoNames:
    """rtnl_rtprot_n2a with iproute2's lazy loading: a built-in number prints its built-in
    name until a number without one made ip read the name files (rt_protos, then
    rt_protos.d/*.conf), whose names win after that.  One per process, like ip's."""

    __slots__ = ("files", "loaded")

    def __init__(self, files: Mapping[int, str] | None = None) -> None:
        self.files: dict[int, str] = dict(PROTO_NAMES if files is None else files)
        self.loaded = False

    def name(self, proto: int) -> str:
        """The protocol's name (or number), updating the loaded state like ip does."""
        if not 0 <= proto < 256:
            return str(proto)
        if not self.loaded:
            builtin = PROTO_BUILTIN.get(proto)
            if builtin is not None:
                return builtin
            self.loaded = True
        return self.files.get(proto) or PROTO_BUILTIN.get(proto) or str(proto)

    def table(self) -> dict[int, str]:
        """Every name after loading (what rtnl_rtprot_a2n searches)."""
        return {**PROTO_BUILTIN, **self.files}


PROTOCOLS = ProtoNames()


def set_proto_files(names: Mapping[int, str]) -> None:
    """Use the names read from a host's rt_protos files (or recorded in a capture)."""
    PROTOCOLS.files = {k: v for k, v in names.items() if 0 <= k < 256}
    PROTOCOLS.loaded = False


def proto_name(proto: int) -> str:
    """``kernel``, ``static``, ``bgp``, ``frr`` ... (the number when unnamed)."""
    return PROTOCOLS.name(proto)


def scope_name(scope: int) -> str:
    """``global``, ``link``, ``host``, ... (the number when unnamed)."""
    return SCOPE_NAMES.get(scope, str(scope))


def table_name(table: int, names: Mapping[int, str] | None = None) -> str:
    """``main``, ``local``, a name from ``names`` (rt_tables), or the number."""
    if names:
        name = names.get(table)
        if name is not None:
            return name
    return BUILTIN_TABLE_NAMES.get(table, str(table))


def dsfield_name(tos: int) -> str:
    """The tos byte as ip prints it: a DSCP class name (``AF11``) or ``0x10`` form."""
    if not 0 <= tos < 256:
        return str(tos)
    return DSFIELD_NAMES.get(tos) or f"0x{tos:02x}"


def dscp_name(dscp: int) -> str:
    """A 6-bit DSCP as a current iproute2 prints it (rtnl_dscp_n2a): the rt_dsfield name of
    ``dscp << 2`` (``AF41``) or the decimal number."""
    if 0 <= dscp < 64 and (name := DSFIELD_NAMES.get(dscp << 2)) is not None:
        return name
    return str(dscp)


def unknown_attr_words(kind: int, data_hex: str) -> str:
    """An attribute fibscope does not understand, kept raw: ``unknown-attr 42 0x0a0b``; one
    nested in another (a metric) is numbered ``PARENT.TYPE``: ``unknown-attr 8.18 0x01000000``."""
    number = f"{kind >> 16}.{kind & 0xFFFF}" if kind >= 1 << 16 else str(kind)
    return f"unknown-attr {number} 0x{data_hex}" if data_hex else f"unknown-attr {number}"


def ipproto_name(proto: int) -> str:
    """An IP protocol number as ``ip rule`` prints it: ``tcp``, ``ipv6-icmp``, ``ipproto-253``."""
    return IPPROTO_NAMES.get(proto) or f"ipproto-{proto}"


def group_name(group: int) -> str:
    """A device group (``suppress_ifgroup``): ``default`` or the signed number."""
    group = _s32(group)
    return GROUP_NAMES.get(group, str(group))


class RealmNamer:
    """rtnl_rtrealm_n2a with its lazy file loading: 0 is ``unknown`` until an id below 256
    that has no built-in name made iproute2 read rt_realms, ``cosmos`` after."""

    __slots__ = ("loaded",)

    def __init__(self) -> None:
        self.loaded = False

    def name(self, realm: int) -> str:
        """The realm's name (or number), updating the loaded state like iproute2 does."""
        if not 0 <= realm < 256:
            return str(realm)
        if not self.loaded and realm not in REALM_BUILTIN:
            self.loaded = True
        table = {**REALM_BUILTIN, **REALM_FILE} if self.loaded else REALM_BUILTIN
        return table.get(realm, str(realm))


def metric_name(rtax: int) -> str:
    """The word for a route metric: ``mtu``, ``advmss``, ... (``metric N`` when unnamed)."""
    return METRIC_NAMES.get(rtax) or f"metric {rtax}"


def rule_action_name(action: int) -> str:
    """The word of a rule's action: ``lookup``, ``goto``, ``nop``, ``blackhole``, ..."""
    return RULE_ACTION_NAMES.get(action) or rtntype_name(action)


def rt_flags_text(flags: int) -> str:
    """Route or next hop flags as ip prints them, each word followed by a space."""
    if not flags:
        return ""
    return "".join(word + " " for bit, word in RT_FLAG_WORDS if flags & bit)


def _s32(value: int) -> int:
    """A u32 read back as a C ``int`` (what ``%d`` prints)."""
    value &= 0xFFFFFFFF
    return value - 0x100000000 if value & 0x80000000 else value


def strtoul(text: str, base: int = 0) -> int:
    """C ``strtoul`` on the whole string (as iproute2's parsers use it); ValueError when any
    character is left over or no digit was read.  Negative input wraps like in C."""
    s = text.lstrip(" \t\n\r\f\v")
    neg = False
    if s[:1] in "+-" and s:
        neg = s[0] == "-"
        s = s[1:]
    if base in (0, 16) and s[:2].lower() == "0x" and len(s) > 2 and _digit(s[2]) < 16:
        s, base = s[2:], 16
    elif base == 0:
        base = 8 if s[:1] == "0" else 10
    if not s or any(_digit(c) >= base for c in s):
        raise ValueError(f"not a number: {text!r}")
    value = int(s, base)
    return (-value) % (1 << 64) if neg else value


def _digit(c: str) -> int:
    if c.isdigit() and c.isascii():
        return ord(c) - 48
    if c.isascii() and c.isalpha():
        return ord(c.lower()) - 87
    return 99


def parse_table(text: str, names: Mapping[int, str] | None = None) -> int:
    """A table name or number to its id, as ``rtnl_rttable_a2n`` (``all`` is not a table:
    the CLI maps it to TABLE_ALL itself).  Raises ValueError."""
    for table, name in (names or {}).items():
        if name == text:
            return table
    for table, name in BUILTIN_TABLE_NAMES.items():
        if name == text:
            return table
    try:
        table = strtoul(text, 0)
    except ValueError:
        raise ValueError(f'invalid table "{text}"') from None
    if table > RT_TABLE_MAX:
        raise ValueError(f'invalid table "{text}"')
    return table


def _parse_8bit(text: str, table: Mapping[int, str], what: str, base: int = 0) -> int:
    for number, name in table.items():
        if name == text:
            return number
    try:
        value = strtoul(text, base)
    except ValueError:
        raise ValueError(f'invalid {what} "{text}"') from None
    if value > 255:
        raise ValueError(f'invalid {what} "{text}"')
    return value


def parse_proto(text: str) -> int:
    """A routing protocol name or number (rtnl_rtprot_a2n)."""
    return _parse_8bit(text, PROTOCOLS.table(), "protocol")


def parse_scope(text: str) -> int:
    """A scope name or number (rtnl_rtscope_a2n)."""
    return _parse_8bit(text, SCOPE_NAMES, "scope")


def parse_dsfield(text: str) -> int:
    """A tos/dsfield name or number; bare numbers are hex, as in rtnl_dsfield_a2n."""
    return _parse_8bit(text, DSFIELD_NAMES, "tos", base=16)


def parse_rtntype(text: str) -> int:
    """A route type name (``brd`` too) or number (rtnl_rtntype_a2n)."""
    if text == "brd":
        return 3
    return _parse_8bit(text, dict(enumerate(RTN_NAMES[1:], start=1)), "type")
