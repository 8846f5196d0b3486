"""HostState ⇄ versioned JSON capture files.

Routes are stored as positional rows (their field order is written in the header) because a
full-table host has a million of them; everything else as objects holding non-default fields.
A capture must be complete for every view and for the lookup engine: nothing is read from the
local kernel when one is opened.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import IO, Any, TypeVar

from tui.model import (
    Address,
    DevConf,
    HostState,
    Ipv6ProcRoute,
    Link,
    Namespace,
    NamespaceInfo,
    Neighbour,
    NetnsState,
    Nexthop,
    NexthopGroupMember,
    NexthopObject,
    Process,
    ResilientGroup,
    Route,
    RouteExtras,
    Rule,
    Sysctls,
)

FORMAT = "fibscope-capture"
VERSION = 1
ROUTE_FIELDS = [f.name for f in dataclasses.fields(Route)]
_MULTIPATH = ROUTE_FIELDS.index("multipath")
_METRICS = ROUTE_FIELDS.index("metrics")
_EXTRAS = ROUTE_FIELDS.index("extras")
# The route fields of captures written before extras (realms/encap/unknown): still loadable.
_OLDEST_ROUTE_FIELDS = ROUTE_FIELDS[:_EXTRAS]

T = TypeVar("T")


class CaptureError(Exception):
    """A capture file that cannot be used; the message is one line for the user."""


def _obj(value: Any) -> dict[str, Any]:
    """A dataclass as a dict of its non-default fields (nested dataclasses included)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(value):
        item = getattr(value, f.name)
        default = f.default if f.default is not dataclasses.MISSING else None
        if f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        if item == default and f.default is not dataclasses.MISSING:
            continue
        if dataclasses.is_dataclass(item):
            item = _obj(item)
        elif isinstance(item, tuple):
            item = [_obj(x) if dataclasses.is_dataclass(x) else x for x in item]
        out[f.name] = item
    return out


def _route_row(route: Route) -> list[Any]:
    row: list[Any] = [getattr(route, name) for name in ROUTE_FIELDS]
    row[_MULTIPATH] = [_hop_row(n) for n in route.multipath]
    row[_METRICS] = [list(m) for m in route.metrics]
    extras = route.extras
    if extras is not None:
        encap = list(extras.encap) if extras.encap is not None else None
        row[_EXTRAS] = [extras.realms, encap, [list(u) for u in extras.unknown]]
    return row


def _hop_row(hop: Nexthop) -> list[Any]:
    """gateway, oif, weight, flags; then realms, encap, unknown only when a hop has them."""
    row: list[Any] = [hop.gateway, hop.oif, hop.weight, hop.flags]
    if hop.realms is not None or hop.encap is not None or hop.unknown:
        row += [
            hop.realms,
            list(hop.encap) if hop.encap is not None else None,
            [list(u) for u in hop.unknown],
        ]
    return row


def _pairs(value: Any) -> tuple[tuple[int, str], ...]:
    """Attributes kept raw: [[type, hex], ...] as a tuple of (int, str)."""
    return tuple((int(kind), str(data)) for kind, data in value)


def _encap(value: Any) -> tuple[int, str] | None:
    return None if value is None else (int(value[0]), str(value[1]))


def _hop(row: Any) -> Nexthop:
    if len(row) == 7:
        return Nexthop(row[0], row[1], row[2], row[3], row[4], _encap(row[5]), _pairs(row[6]))
    return Nexthop(*row)


def _netns_json(state: NetnsState) -> dict[str, Any]:
    return {
        "links": [_obj(x) for x in state.links],
        "addresses": [_obj(x) for x in state.addresses],
        "rules": [_obj(x) for x in state.rules],
        "routes": [_route_row(r) for r in state.routes],
        "sysctls": _obj(state.sysctls),
        "ipv6_proc_routes": [_obj(x) for x in state.ipv6_proc_routes],
        "neighbours": (None if state.neighbours is None else [_obj(x) for x in state.neighbours]),
        "nsids": None if state.nsids is None else [list(pair) for pair in state.nsids],
        # Absent: not read.  Optional, so captures made before it load as they are.
        **({} if state.nexthops is None else {"nexthops": [_obj(x) for x in state.nexthops]}),
    }


def to_json(host: HostState) -> dict[str, Any]:
    """The capture document for ``host``."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "hostname": host.hostname,
        "kernel": host.kernel,
        "captured_at": host.captured_at,
        "table_names": {str(k): v for k, v in sorted(host.table_names.items())},
        "proto_names": {str(k): v for k, v in sorted(host.proto_names.items())},
        "route_fields": ROUTE_FIELDS,
        "namespaces": [
            {
                "info": _obj(ns.info),
                "state": _netns_json(ns.state) if ns.state is not None else None,
                "error": ns.error,
            }
            for ns in host.namespaces
        ],
    }


def write(host: HostState, fh: IO[str]) -> None:
    """Write ``host`` as a capture to an open text file."""
    json.dump(to_json(host), fh, separators=(",", ":"))
    fh.write("\n")


def _make(cls: Callable[..., T], data: Any, nested: dict[str, Callable[[Any], Any]]) -> T:
    if not isinstance(data, dict):
        raise TypeError(f"expected an object for {getattr(cls, '__name__', cls)}")
    kwargs = {k: (nested[k](v) if k in nested and v is not None else v) for k, v in data.items()}
    for key, value in kwargs.items():
        if isinstance(value, list):
            kwargs[key] = tuple(value)
    return cls(**kwargs)


_PATH_CONF = ("proxy_arp", "proxy_arp_pvlan", "medium_id", "arp_ignore")
_PATH_LINK = ("link", "link_netnsid", "inet6_proxy_ndp")


def _path_conf(data: Any) -> DevConf:
    conf = _make(DevConf, data, {})
    if not all(type(getattr(conf, name)) is int for name in _PATH_CONF):
        raise TypeError("a device's proxy ARP settings must be integers")
    return conf


def _link(data: Any) -> Link:
    link = _make(Link, data, {"inet": _path_conf})
    if not all(type(getattr(link, name)) in (int, type(None)) for name in _PATH_LINK):
        raise TypeError(f"link {link.name!r}: its peer and namespace id must be integers")
    table = link.vrf_table
    if table is not None and (type(table) is not int or not 0 <= table <= 0xFFFFFFFF):
        raise TypeError("a link's vrf_table must be a 32-bit table number")
    if link.master is not None and type(link.master) is not int:
        raise TypeError("a link's master must be an interface index")
    return link


def _route(row: Any, width: int) -> Route:
    if not isinstance(row, list) or len(row) != width:
        raise TypeError("a route row has the wrong shape")
    row = list(row)
    row[_MULTIPATH] = tuple(_hop(n) for n in row[_MULTIPATH])
    row[_METRICS] = tuple((int(a), b if isinstance(b, str) else int(b)) for a, b in row[_METRICS])
    if width > _EXTRAS and row[_EXTRAS] is not None:
        realms, encap, unknown = row[_EXTRAS]
        row[_EXTRAS] = RouteExtras(realms, _encap(encap), _pairs(unknown))
    return Route(*row)


def _sysctls(data: Any) -> Sysctls:
    conf: dict[str, Callable[[Any], Any]] = {
        "conf_all": _path_conf,
        "conf_default": _path_conf,
    }
    return _make(Sysctls, data, conf)


def _nexthop(data: Any) -> NexthopObject:
    nested = {
        "group": lambda ms: tuple(_make(NexthopGroupMember, m, {}) for m in ms),
        "resilient": lambda d: _make(ResilientGroup, d, {}),
        "unknown": lambda us: tuple((int(t), str(h)) for t, h in us),
    }
    return _make(NexthopObject, data, nested)


def _netns(data: Any, width: int = len(ROUTE_FIELDS)) -> NetnsState:
    return NetnsState(
        links=tuple(_link(x) for x in data["links"]),
        addresses=tuple(_make(Address, x, {}) for x in data["addresses"]),
        rules=tuple(_make(Rule, x, {"unknown": _pairs}) for x in data["rules"]),
        routes=tuple(_route(r, width) for r in data["routes"]),
        sysctls=_sysctls(data["sysctls"]),
        ipv6_proc_routes=tuple(_make(Ipv6ProcRoute, x, {}) for x in data["ipv6_proc_routes"]),
        neighbours=_neighbours(data.get("neighbours")),
        nsids=_nsids(data.get("nsids")),
        nexthops=(
            tuple(_nexthop(x) for x in data["nexthops"])
            if data.get("nexthops") is not None
            else None
        ),
    )


def _neighbours(data: Any) -> tuple[Neighbour, ...] | None:
    """The neighbour table; None when the capture predates it (or did not read it)."""
    if data is None:
        return None
    if not isinstance(data, list):
        raise TypeError("neighbours must be a list")
    out = tuple(_make(Neighbour, x, {}) for x in data)
    for entry in out:
        ints = (entry.family, entry.ifindex, entry.state, entry.flags)
        if not all(type(v) is int for v in ints) or not isinstance(entry.dst, str):
            raise TypeError("a neighbour entry has a field of the wrong type")
        if not isinstance(entry.lladdr, str | None) or not isinstance(entry.proxy, bool):
            raise TypeError("a neighbour entry has a field of the wrong type")
    return out


def _nsids(data: Any) -> tuple[tuple[int, int], ...] | None:
    """The namespace-id map; absent in captures older than ``fibscope path``."""
    if data is None:
        return None
    out: list[tuple[int, int]] = []
    for pair in data:
        nsid, inode = pair
        if type(nsid) is not int or type(inode) is not int:
            raise TypeError("a namespace id pair must hold two integers")
        out.append((nsid, inode))
    return tuple(out)


def _info(data: Any) -> NamespaceInfo:
    procs = {"processes": lambda ps: tuple(_make(Process, p, {}) for p in ps)}
    return _make(NamespaceInfo, data, procs)


def from_json(doc: Any) -> HostState:
    """A HostState from a capture document; raises CaptureError naming what is wrong."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise CaptureError("not a fibscope capture file")
    if doc.get("version") != VERSION:
        raise CaptureError(
            f"capture version {doc.get('version')!r} is not supported (want {VERSION})"
        )
    fields = doc.get("route_fields")
    if fields not in (ROUTE_FIELDS, _OLDEST_ROUTE_FIELDS):
        raise CaptureError("capture route fields do not match this fibscope version")
    width = len(fields)
    try:
        namespaces = tuple(
            Namespace(
                info=_info(ns["info"]),
                state=_netns(ns["state"], width) if ns.get("state") is not None else None,
                error=ns.get("error"),
            )
            for ns in doc["namespaces"]
        )
        names = {int(k): str(v) for k, v in doc.get("table_names", {}).items()}
        protos = {int(k): str(v) for k, v in doc.get("proto_names", {}).items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CaptureError(f"corrupt capture: {exc}") from None
    return HostState(
        namespaces=namespaces,
        table_names=names,
        hostname=str(doc.get("hostname", "")),
        kernel=str(doc.get("kernel", "")),
        captured_at=str(doc.get("captured_at", "")),
        proto_names=protos,
    )


def load(path: str) -> HostState:
    """Read a capture file; every failure is a CaptureError with a one-line message."""
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except FileNotFoundError:
        raise CaptureError(f"{path}: no such file") from None
    except PermissionError:
        raise CaptureError(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise CaptureError(f"{path}: is a directory") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CaptureError(f"{path}: not valid JSON ({exc})") from None
    except OSError as exc:
        raise CaptureError(f"{path}: {exc.strerror}") from None
    return from_json(doc)
