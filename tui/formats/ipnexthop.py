"""``ip nexthop show`` and ``ip -j nexthop show``, byte for byte as iproute2 6.1 prints them.

Rules from ip/ipnexthop.c (``__print_nexthop_entry``, ``print_nh_group``,
``print_nh_res_group``) checked against the real ``ip`` on kernel-built namespaces.  iproute2
6.1 knows only the low byte of a group member's weight (16-bit weights came with kernel 6.12),
so that is what the text shows; the model keeps the kernel's whole weight.  Attributes ip does
not print (unknown ones, NHA_MASTER) are left out of the text and kept in fibscope's JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from tui.formats.safe_text import safe_names
from tui.model import (
    NEXTHOP_GRP_TYPE_MPATH,
    NEXTHOP_GRP_TYPE_RES,
    NexthopObject,
)
from tui.names import LWTUNNEL_ENCAP_NAMES, RT_FLAG_WORDS, proto_name, rt_flags_text, scope_name


def select_nexthops(nexthops: Iterable[NexthopObject], family: int = 0) -> list[NexthopObject]:
    """What ``ip [-4|-6] nexthop show`` lists: the kernel filters on the object's family, so
    groups (family unspec) appear only without ``-4``/``-6``."""
    return [nh for nh in nexthops if not family or nh.family == family]


def group_type_name(group_type: int) -> str:
    """``resilient`` (mpath is never printed), ``<unknown type>`` as ip says."""
    return {NEXTHOP_GRP_TYPE_MPATH: "mpath", NEXTHOP_GRP_TYPE_RES: "resilient"}.get(
        group_type, "<unknown type>"
    )


def _ip_weight(weight: int) -> int:
    """The u8 wire weight iproute2 6.1 reads (the member's weight minus one, low byte)."""
    return (weight - 1) & 0xFF


def clock_seconds(ticks: int) -> float:
    """iproute2's ``__jiffies_to_tv`` then ``print_tv``: clock_t (1/100 s) as seconds."""
    usec = 10000 * ticks
    sec = usec // 1000000
    return sec + (usec - 1000000 * sec) / 1000000


def _timers(nh: NexthopObject) -> list[tuple[str, float]]:
    res = nh.resilient
    if res is None:
        return []
    return [
        ("idle_timer", clock_seconds(res.idle_timer)),
        ("unbalanced_timer", clock_seconds(res.unbalanced_timer)),
        ("unbalanced_time", clock_seconds(res.unbalanced_time)),
    ]


def _dev(links: Mapping[int, str], ifindex: int) -> str:
    return links.get(ifindex) or f"if{ifindex}"


def nexthop_line(nh: NexthopObject, links: Mapping[int, str], *, deleted: bool = False) -> str:
    """One object's line as ``ip nexthop show`` (or ``ip monitor nexthop``) prints it,
    without the newline (ip leaves a trailing space, except after ``fdb``)."""
    out: list[str] = ["Deleted "] if deleted else []
    out.append(f"id {nh.id} ")
    if nh.group:
        parts = []
        for member in nh.group:
            low = _ip_weight(member.weight)
            parts.append(f"{member.id},{low + 1}" if low else str(member.id))
        out.append("group " + "/".join(parts) + " ")
    if nh.group_type != NEXTHOP_GRP_TYPE_MPATH:
        out.append(f"type {group_type_name(nh.group_type)} ")
    if nh.resilient is not None:
        out.append(f"buckets {nh.resilient.buckets} ")
        out += [f"{name} {value:g} " for name, value in _timers(nh)]
    if nh.encap_type is not None and nh.encap is not None:
        # lwt_print_encap is not reproduced: the encapsulation is shown raw.
        name = LWTUNNEL_ENCAP_NAMES.get(nh.encap_type, "unknown")
        out.append(f" encap {name} raw {nh.encap} ")
    if nh.gateway:
        out.append(f"via {nh.gateway} ")
    if nh.oif:
        out.append(f"dev {_dev(links, nh.oif)} ")
    if nh.scope:
        out.append(f"scope {scope_name(nh.scope)} ")
    if nh.blackhole:
        out.append("blackhole ")
    if nh.protocol:
        out.append(f"proto {proto_name(nh.protocol)} ")
    out.append(rt_flags_text(nh.flags))
    if nh.fdb:
        out.append("fdb")
    return "".join(out)


def ip_nexthop_show(
    nexthops: Iterable[NexthopObject], links: Mapping[int, str], *, family: int = 0
) -> str:
    """The complete stdout of ``ip [-4|-6] nexthop show`` (link names escaped)."""
    links = safe_names(links)
    return "".join(nexthop_line(nh, links) + "\n" for nh in select_nexthops(nexthops, family))


def _json_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return json.dumps(value, ensure_ascii=False)


def _json_object(items: list[tuple[str, Any]]) -> str:
    return "{" + ",".join(f"{json.dumps(k)}:{_raw(v)}" for k, v in items) + "}"


def _raw(value: Any) -> str:
    if isinstance(value, list) and value and isinstance(value[0], list):
        return "[" + ",".join(_json_object(v) for v in value) + "]"
    if isinstance(value, _Obj):
        return _json_object(value.items)
    if isinstance(value, list):
        return "[" + ",".join(_json_value(v) for v in value) + "]"
    return _json_value(value)


class _Obj:
    """An ordered JSON object inside another (``resilient_args``)."""

    def __init__(self, items: list[tuple[str, Any]]) -> None:
        self.items = items


def nexthop_json_items(nh: NexthopObject, links: Mapping[int, str]) -> list[tuple[str, Any]]:
    """One object's fields in the order ``ip -j nexthop show`` writes them."""
    items: list[tuple[str, Any]] = [("id", nh.id)]
    if nh.group:
        members = []
        for member in nh.group:
            entry: list[tuple[str, Any]] = [("id", member.id)]
            low = _ip_weight(member.weight)
            if low:
                entry.append(("weight", low + 1))
            members.append(entry)
        items.append(("group", members))
    if nh.group_type != NEXTHOP_GRP_TYPE_MPATH:
        items.append(("type", group_type_name(nh.group_type)))
    if nh.resilient is not None:
        args: list[tuple[str, Any]] = [("buckets", nh.resilient.buckets), *_timers(nh)]
        items.append(("resilient_args", _Obj(args)))
    if nh.gateway:
        items.append(("gateway", nh.gateway))
    if nh.oif:
        items.append(("dev", _dev(links, nh.oif)))
    if nh.scope:
        items.append(("scope", scope_name(nh.scope)))
    if nh.blackhole:
        items.append(("blackhole", None))
    if nh.protocol:
        items.append(("protocol", proto_name(nh.protocol)))
    items.append(("flags", [word for bit, word in RT_FLAG_WORDS if nh.flags & bit]))
    if nh.fdb:
        items.append(("fdb", None))
    return items


def ip_nexthop_json(
    nexthops: Iterable[NexthopObject], links: Mapping[int, str], *, family: int = 0
) -> str:
    """The complete stdout of ``ip -j [-4|-6] nexthop show`` (one line)."""
    objects = [
        _json_object(nexthop_json_items(nh, links)) for nh in select_nexthops(nexthops, family)
    ]
    return "[" + ",".join(objects) + "]\n"


def nexthop_summary(nh: NexthopObject, links: Mapping[int, str]) -> str:
    """A short description for explanations: ``10.0.0.2 dev veth0``, ``blackhole``, ..."""
    if nh.blackhole:
        return "blackhole"
    if nh.group:
        kind = "resilient group" if nh.group_type == NEXTHOP_GRP_TYPE_RES else "group"
        members = "/".join(f"{m.id}" + (f",{m.weight}" if m.weight != 1 else "") for m in nh.group)
        return f"{kind} {members}"
    words = []
    if nh.gateway:
        words.append(nh.gateway)
    if nh.oif:
        words.append(f"dev {_dev(links, nh.oif)}")
    return " ".join(words) or "no device"


__all__ = [
    "clock_seconds",
    "ip_nexthop_json",
    "ip_nexthop_show",
    "nexthop_json_items",
    "nexthop_line",
    "nexthop_summary",
    "select_nexthops",
]
