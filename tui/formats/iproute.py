"""``ip route show`` / ``ip -6 route show`` text, byte for byte as iproute2 6.1 prints it.

Every word of a route except its destination depends on a handful of fields that most routes
share (type, gateway, device, table, ...).  So a route's line is a cached per-shape
``%``-template applied to ``(dst, dst_len)``: the whole loop runs in C (``map``,
``attrgetter``, ``str.__mod__``) and a million routes format in well under a second.

Rules taken from ip/iproute.c (print_route, print_rt_flags, print_rta_metrics,
print_rta_multipath, filter_nlmsg) and checked against the real ``ip`` in namespaces.
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence

from tui.formats.safe_text import safe_names, safe_text
from tui.lwtunnel import encap_text
from tui.model import (
    AF_INET,
    AF_INET6,
    AF_MPLS,
    RT_TABLE_MAIN,
    RTM_F_CLONED,
    RTN_LOCAL,
    RTN_UNICAST,
    Nexthop,
    Route,
    RouteExtras,
)
from tui.names import (
    RTAX_CC_ALGO,
    RTAX_FEATURE_ECN,
    RTAX_FEATURES,
    RTAX_HOPLIMIT,
    RTAX_LOCK,
    RTAX_MAX,
    RTAX_RTO_MIN,
    RTAX_RTT,
    RTAX_RTTVAR,
    RTPROT_BOOT,
    TABLE_ALL,
    RealmNamer,
    dsfield_name,
    metric_name,
    proto_name,
    rt_flags_text,
    rtntype_name,
    scope_name,
    table_name,
    unknown_attr_words,
)

__all__ = [
    "TABLE_ALL",
    "RouteFormatter",
    "ip_route_show",
    "metrics_text",
    "select_routes",
]

# Everything a route's text depends on except its destination address.
_KEY_FIELDS = (
    "family", "type", "dst_len", "src", "src_len", "nhid", "tos", "gateway", "oif", "table",
    "protocol", "scope", "prefsrc", "priority", "flags", "expires", "metrics", "pref",
    "multipath", "extras",
)  # fmt: skip
_key_of = operator.attrgetter(*_KEY_FIELDS)
_dst_of = operator.attrgetter("dst", "dst_len")
_HOST_LEN = {AF_INET: 32, AF_INET6: 128, AF_MPLS: 20}  # af_bit_len
_PREF_NAMES = {0: "medium", 1: "high", 3: "low"}
_TEMPLATE_CACHE_LIMIT = 1 << 16

_RouteKey = tuple[
    int, int, int, "str | None", int, "int | None", int, "str | None", "int | None", int,
    int, int, "str | None", "int | None", int, "int | None",
    "tuple[tuple[int, int | str], ...]", "int | None", "tuple[Nexthop, ...]",
    "RouteExtras | None",
]  # fmt: skip


def realms_text(realms: int) -> str:
    """RTA_FLOW as print_route prints it: ``realm TO `` or ``realms FROM/TO ``."""
    frm, to = realms >> 16, realms & 0xFFFF
    namer = RealmNamer()
    if frm:
        return f"realms {namer.name(frm)}/{namer.name(to)} "
    return f"realm {namer.name(to)} "


def metrics_text(metrics: Iterable[tuple[int, int | str]]) -> str:
    """RTA_METRICS as print_rta_metrics() prints them (each word followed by a space)."""
    values: dict[int, int | str] = dict(metrics)
    lock = values.pop(RTAX_LOCK, 0)
    lock = lock if isinstance(lock, int) else 0
    out: list[str] = []
    for i in range(2, RTAX_MAX + 1):
        locked = bool(lock & (1 << i))
        if i not in values and not locked:
            continue
        raw = values.get(i, 0)
        val = raw if isinstance(raw, int) and i != RTAX_CC_ALGO else 0
        if i == RTAX_HOPLIMIT and val & 0xFFFFFFFF == 0xFFFFFFFF:
            continue
        out.append(metric_name(i) + " ")
        if locked:
            out.append("lock ")
        if i == RTAX_FEATURES:
            if val & RTAX_FEATURE_ECN:
                out.append("ecn ")
            if val & ~RTAX_FEATURE_ECN:
                out.append(f"{val:#x} ")
        elif i in (RTAX_RTT, RTAX_RTTVAR, RTAX_RTO_MIN):
            if i == RTAX_RTT:
                val //= 8
            elif i == RTAX_RTTVAR:
                val //= 4
            out.append(f"{val / 1e3:g}s " if val >= 1000 else f"{val}ms ")
        elif i == RTAX_CC_ALGO:
            out.append(f"{raw} ")
        else:
            out.append(f"{val & 0xFFFFFFFF} ")
    return "".join(out)


class _TemplateCache(dict[_RouteKey, str]):
    """Route key -> ``%`` template; a miss builds the template (``__missing__`` keeps the
    lookup loop in C).  Cleared when it grows past a bound (keys of unique routes).  The
    formatter's build method is held weakly: the formatter holds this cache, and a cycle
    between them would be freed by the garbage collector only (the app makes a formatter
    at every redraw of its rows)."""

    def __init__(self, build: Callable[[_RouteKey], str]) -> None:
        super().__init__()
        self._build = weakref.WeakMethod(build)

    def __missing__(self, key: _RouteKey) -> str:
        if len(self) >= _TEMPLATE_CACHE_LIMIT:
            self.clear()
        build = self._build()
        assert build is not None  # only the formatter holding this cache looks up
        value = self[key] = build(key)
        return value


class RouteFormatter:
    """Formats routes as ``ip route show`` does, for fixed link and table names.

    ``show_table`` is iproute2's ``!filter.tb``: the ``table`` word is printed (for tables
    other than main) only when listing ``table all``.  Lines are returned without their final
    newline; a multipath route's line holds its ``\\n\\tnexthop ...`` continuation lines.
    """

    def __init__(
        self,
        links: Mapping[int, str],
        table_names: Mapping[int, str] | None = None,
        *,
        show_table: bool = False,
    ) -> None:
        self.links = safe_names(links)  # names from the kernel or a file: escaped once here
        self.table_names = safe_names(table_names or {})
        self.show_table = show_table
        self._templates = _TemplateCache(self._build)

    def dev(self, ifindex: int | None) -> str:
        """ll_index_to_name: the link's name, ``*`` for 0, ``ifN`` when unknown."""
        if not ifindex:
            return "*"
        return self.links.get(ifindex) or f"if{ifindex}"

    def line(self, route: Route) -> str:
        """One route's text (no trailing newline)."""
        return str(self._templates[_key_of(route)] % _dst_of(route))

    def lines(self, routes: Sequence[Route]) -> list[str]:
        """Many routes' texts, in order (the fast path: the loop runs in C)."""
        templates = map(self._templates.__getitem__, map(_key_of, routes))
        return list(map(operator.mod, templates, map(_dst_of, routes)))

    def text(self, routes: Sequence[Route]) -> str:
        """The whole output: every line followed by a newline."""
        out = self.lines(routes)
        if not out:
            return ""
        out.append("")
        return "\n".join(out)

    def _via(self, family: int, gateway: str) -> str:
        gw_family = AF_INET6 if ":" in gateway else AF_INET
        if gw_family == family:
            return f"via {gateway} "
        return f"via {'inet6' if gw_family == AF_INET6 else 'inet'} {gateway} "

    def _encap(self, encap: tuple[int, str], raw: list[str]) -> str:
        """lwt_print_encap's words; what it could not decode goes to ``raw``."""
        text, rest = encap_text(encap, self.table_names, self.links)
        if rest:
            raw.append(rest)
        return text

    def _build(self, key: _RouteKey) -> str:
        """The template of one route shape: ``%s``-slots for (dst, dst_len)."""
        (family, rtype, dst_len, src, src_len, nhid, tos, gateway, oif, table, protocol, scope,
         prefsrc, priority, flags, expires, metrics, pref, multipath, extras) = key  # fmt: skip
        realms, encap = (extras.realms, extras.encap) if extras is not None else (None, None)
        unknown = extras.unknown if extras is not None else ()
        raw: list[str] = []  # what ip does not print or fibscope could not decode
        host_len = _HOST_LEN.get(family, 32)
        if dst_len == 0:
            dst = "default%.0s%.0s "  # consumes (dst, dst_len), prints neither
        elif dst_len == host_len:
            dst = "%s%.0s "
        else:
            dst = "%s/%d "
        out: list[str] = []
        if src is not None:
            out.append(f"from {src} " if src_len == host_len else f"from {src}/{src_len} ")
        elif src_len:
            out.append(f"from 0/{src_len} ")
        if nhid is not None:
            out.append(f"nhid {nhid} ")
        if encap is not None:
            out.append(self._encap(encap, raw))
        if tos:
            out.append(f"tos {dsfield_name(tos)} ")
        if gateway:
            out.append(self._via(family, gateway))
        if oif:
            out.append(f"dev {self.dev(oif)} ")
        if table and table != RT_TABLE_MAIN and self.show_table:
            out.append(f"table {table_name(table, self.table_names)} ")
        if not flags & RTM_F_CLONED:
            if protocol != RTPROT_BOOT:
                out.append(f"proto {safe_text(proto_name(protocol))} ")  # names from files
            if scope:
                out.append(f"scope {scope_name(scope)} ")
        if prefsrc:
            out.append(f"src {prefsrc} ")
        if priority is not None and (priority or family != AF_INET):
            out.append(f"metric {priority & 0xFFFFFFFF} ")
        out.append(rt_flags_text(flags))
        if realms is not None:
            out.append(realms_text(realms))
        if expires:
            out.append(f"expires {expires}sec ")
        if metrics:
            out.append(metrics_text(metrics))
        if pref is not None:
            out.append(f"pref {_PREF_NAMES[pref]}" if pref in _PREF_NAMES else f"{pref}")
        raw += [unknown_attr_words(kind, data) + " " for kind, data in unknown]
        if raw:
            out.append((" " if pref is not None else "") + "".join(raw))
        for nh in multipath:
            out.append("\n\tnexthop ")
            nh_raw: list[str] = []
            if nh.encap is not None:
                out.append(self._encap(nh.encap, nh_raw))
            if nh.gateway:
                out.append(self._via(family, nh.gateway))
            if nh.realms is not None:
                out.append(realms_text(nh.realms))
            out.append(f"dev {self.dev(nh.oif)} weight {nh.weight} ")
            out.append(rt_flags_text(nh.flags))
            out += nh_raw + [unknown_attr_words(k, d) + " " for k, d in nh.unknown]
        head = rtntype_name(rtype).replace("%", "%%") + " " if rtype != RTN_UNICAST else ""
        return head + dst + "".join(out).replace("%", "%%")


def select_routes(
    routes: Iterable[Route], *, family: int = 0, table: int = RT_TABLE_MAIN
) -> list[Route]:
    """The routes ``ip [-4|-6] route show [table T]`` lists, in dump order.

    ``family`` 0 is ip's default: IPv4 only, except ``table all`` (``TABLE_ALL``) which lists
    every family.  Cloned routes (exceptions) are hidden.  With ``table main`` an IPv6 route
    of type local is hidden too: iproute2 assumes a single IPv6 table unless it saw a route
    of another table, and the kernel only returns the asked table (filter_nlmsg).
    """
    if family == 0 and table != TABLE_ALL:
        family = AF_INET
    out = [
        r
        for r in routes
        if (not family or r.family == family)
        and (not table or r.table == table)
        and not r.flags & RTM_F_CLONED
    ]
    if table == RT_TABLE_MAIN and family != AF_INET:
        out = [r for r in out if r.family != AF_INET6 or r.type != RTN_LOCAL]
    return out


def ip_route_show(
    routes: Iterable[Route],
    links: Mapping[int, str],
    *,
    family: int = 0,
    table: int = RT_TABLE_MAIN,
    table_names: Mapping[int, str] | None = None,
) -> str:
    """The complete stdout of ``ip [-4|-6] route show [table T]`` (TABLE_ALL for ``all``)."""
    shown = select_routes(routes, family=family, table=table)
    return RouteFormatter(links, table_names, show_table=table == TABLE_ALL).text(shown)
