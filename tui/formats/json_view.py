"""JSON views of routes and rules: the model's fields, with device and table names added."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tui.lwtunnel import encap_summary
from tui.model import AF_MPLS, Route, Rule
from tui.names import FAMILY_NAMES, table_name


def route_json(route: Route, devs: Mapping[int, str], names: Mapping[int, str]) -> dict[str, Any]:
    """One route as a JSON object (only fields that are set)."""
    out: dict[str, Any] = {
        "family": FAMILY_NAMES.get(route.family, str(route.family)),
        "table": route.table,
        "table_name": table_name(route.table, names),
        "type": route.type,
        # An MPLS route's destination is one label (20 bits), no prefix.
        "dst": route.dst if route.family == AF_MPLS else f"{route.dst}/{route.dst_len}",
    }
    optional = {
        "tos": route.tos or None,
        "protocol": route.protocol,
        "scope": route.scope,
        "flags": route.flags or None,
        "metric": route.priority,
        "prefsrc": route.prefsrc,
        "gateway": route.gateway,
        "dev": devs.get(route.oif, str(route.oif)) if route.oif is not None else None,
        "src": f"{route.src}/{route.src_len}" if route.src else None,
        "nhid": route.nhid,
        "pref": route.pref,
        "expires": route.expires,
    }
    out.update({k: v for k, v in optional.items() if v is not None})
    if route.metrics:
        out["metrics"] = {str(k): v for k, v in route.metrics}
    out.update(_extras(route.realms, route.encap, route.unknown))
    if route.multipath:
        out["multipath"] = [
            {
                "gateway": nh.gateway,
                "dev": devs.get(nh.oif, str(nh.oif)) if nh.oif is not None else None,
                "weight": nh.weight,
                "flags": nh.flags,
                **_extras(nh.realms, nh.encap, nh.unknown),
            }
            for nh in route.multipath
        ]
    return out


def _extras(
    realms: int | None, encap: tuple[int, str] | None, unknown: tuple[tuple[int, str], ...]
) -> dict[str, Any]:
    """realms, encap (decoded words and raw bytes) and attributes kept raw, when set."""
    out: dict[str, Any] = {}
    if realms is not None:
        out["realms"] = {"from": realms >> 16, "to": realms & 0xFFFF}
    if encap is not None:
        out["encap"] = {"type": encap[0], "text": encap_summary(encap), "raw": encap[1]}
    if unknown:
        out["unknown_attrs"] = [{"type": kind, "raw": data} for kind, data in unknown]
    return out


def routes_json(
    routes: Iterable[Route], devs: Mapping[int, str], names: Mapping[int, str]
) -> list[dict[str, Any]]:
    """Routes as a JSON list."""
    return [route_json(r, devs, names) for r in routes]


def rule_json(rule: Rule, names: Mapping[int, str]) -> dict[str, Any]:
    """One rule as a JSON object (fields that are set, plus the table's name)."""
    out: dict[str, Any] = {"priority": rule.priority, "action": rule.action, "not": rule.inverted}
    for field in Rule.__dataclass_fields__:
        value = getattr(rule, field)
        if field in ("priority", "action", "family") or value in (None, 0, ()):
            continue
        out[field] = list(value) if isinstance(value, tuple) else value
    if rule.table:
        out["table_name"] = table_name(rule.table, names)
    return out
