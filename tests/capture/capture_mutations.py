"""A generated corpus of malformed captures: mutations of a valid one.

Every mutation here makes the document wrong whatever field it hits: a float, NaN, an object
with an unknown key, a number of thousands of digits, 2**64, nesting a hundred thousand deep,
a key removed that is required, truncation of the text; plus range faults aimed at fields
(a prefix length past the family's, tos 256, table 0, family 99, an ifindex of no link, a
badly written address).  Each is (what was done, the bytes of the file).
"""

from __future__ import annotations

import copy
import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from tests.capture.test_capture import sample_host
from tui import capture
from tui.model import (
    AF_INET,
    AF_INET6,
    AF_MPLS,
    NUD_REACHABLE,
    HostState,
    Neighbour,
    Nexthop,
    NexthopGroupMember,
    NexthopObject,
    Route,
    RouteExtras,
)

HUGE = '"@@HUGE@@"'
DEEP = '"@@DEEP@@"'
Path = tuple[str | int, ...]


def valid_host() -> HostState:
    """The sample host with every optional collection filled (neighbours, a proxy entry on
    no device, the multipath sysctls)."""
    host = sample_host()
    ns = host.namespaces[0]
    assert ns.state is not None
    neighbours = (
        Neighbour(AF_INET, 2, "10.0.0.254", NUD_REACHABLE, 0, "02:00:00:00:00:01"),
        Neighbour(AF_INET6, 0, "fd00::1", 0, 8, None, True),
    )
    sysctls = replace(ns.state.sysctls, fib_multipath_use_neigh=1, fib_multipath_hash_seed=7)
    # Attributes kept raw or decoded beyond the basics: realms, encap, unknown ones, a hop
    # with its own, a congestion control name, rule selectors newer than iproute2 6.1.
    hop = Nexthop("10.0.0.3", 2, 1, 0, 0x10002, (1, "0a0b"), ((42, "ff"),))
    extras = RouteExtras(0x20003, (5, "00112233"), ((42, "0a0b0c0d"), (8 << 16 | 20, "09")))
    rich = Route(
        AF_INET, 254, 1, "10.77.0.0", 16, multipath=(hop, Nexthop(None, 2)), extras=extras,
        metrics=((16, "cubic"), (2, 1400)),
    )  # fmt: skip
    rule = replace(ns.state.rules[0], dscp=10, dscp_mask=63, unknown=((99, "01"),), tun_id=5)
    state = replace(
        ns.state,
        neighbours=neighbours,
        sysctls=sysctls,
        routes=(
            *ns.state.routes,
            rich,
            Route(AF_MPLS, 254, 1, "100", 20, gateway="10.0.0.9", oif=2),
        ),
        links=(*ns.state.links[:2], replace(ns.state.links[2], kind="vrf", vrf_table=10)),
        rules=(rule,),
        nexthops=(
            NexthopObject(1, AF_INET, gateway="10.0.0.9", oif=2),
            NexthopObject(2, group=(NexthopGroupMember(1, 3),), bucket_nhids=(1, 1)),
        ),
        nsids=((0, 4026531999),),
    )
    host = replace(host, proto_names={250: "frr"})
    return replace(host, namespaces=(replace(ns, state=state), *host.namespaces[1:]))


def valid_doc(version: int = capture.VERSION) -> dict[str, Any]:
    """The document of a capture with every kind of record (version 1: routes as rows)."""
    if version != capture.VERSION:
        doc: dict[str, Any] = json.loads(json.dumps(capture.to_json(valid_host(), version)))
        return doc
    buf = io.StringIO()
    capture.write(valid_host(), buf)
    doc = json.loads(buf.getvalue())
    # Every column form: the destinations as values, gateways and metrics as a palette, the
    # rest as runs (runs that cross from one family to another included).
    for ns in doc["namespaces"]:
        if ns["state"] is None:
            continue
        columns = ns["state"]["routes"]["columns"]
        for name, column in columns.items():
            full = _expanded(column)
            if name == "dst":
                columns[name] = {"values": full}
            elif name in ("gateway", "metrics"):
                palette = list({json.dumps(v): v for v in full}.values())
                index = [palette.index(v) for v in full]
                columns[name] = {"palette": palette, "index": index}
            else:
                runs = [[v, len(list(g))] for v, g in itertools.groupby(full)]
                columns[name] = {"runs": runs}
    return doc


def _expanded(column: dict[str, Any]) -> list[Any]:
    """One value per route of a version-2 column, whatever its form."""
    if "values" in column:
        return list(column["values"])
    if "palette" in column:
        return [copy.deepcopy(column["palette"][i]) for i in column["index"]]
    return [copy.deepcopy(v) for v, n in column["runs"] for _ in range(n)]


def _paths(value: Any, path: Path = ()) -> Iterator[Path]:
    """Every place in the document below the top (each key of each object, each item)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if path == () and key in ("format", "version"):
                continue
            yield (*path, key)
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield (*path, i)
            yield from _paths(item, (*path, i))


def _set(doc: Any, path: Path, value: Any) -> Any:
    out = copy.deepcopy(doc)
    target = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return out


def _text(doc: Any) -> bytes:
    text = json.dumps(doc)
    text = text.replace(HUGE, "9" * 5000).replace(DEEP, "[" * 100_000 + "]" * 100_000)
    return text.encode()


def _route(doc: Any, index: int, field: str, value: Any, *inner: int) -> Any:
    """``doc`` with one route's field (or a part of it) set: a row of version 1, a column of
    version 2 (turned into one value per route first)."""
    routes = ("namespaces", 0, "state", "routes")
    if doc["version"] == 1:
        pos = capture.ROUTE_FIELDS.index(field)
        return _set(doc, (*routes, index, pos, *inner), value)
    out = copy.deepcopy(doc)
    columns = _at(out, routes)["columns"]
    column = columns.get(field, {"runs": [[None, _at(out, routes)["count"]]]})
    columns[field] = {"values": _expanded(column)}
    return _set(out, (*routes, "columns", field, "values", index, *inner), value)


def mutations() -> Iterator[tuple[str, bytes]]:
    """(what was done, the file's text) for every malformed capture of the corpus: of this
    version's and of version 1's (still loaded)."""
    for name, data in _mutations(valid_doc(1)):
        yield f"v1 {name}", data
    yield from _mutations(valid_doc())
    yield from _columns(valid_doc())


def _columns(doc: Any) -> Iterator[tuple[str, bytes]]:
    """Faults of version 2's route columns themselves."""
    routes = ("namespaces", 0, "state", "routes")
    count = _at(doc, routes)["count"]
    dst = _at(doc, (*routes, "columns", "dst"))
    family = _at(doc, (*routes, "columns", "family"))
    assert "values" in dst and "runs" in family
    for name, path, value in [
        ("a column one short", (*routes, "columns", "dst", "values"), dst["values"][:-1]),
        ("a column one long", (*routes, "columns", "dst", "values"), [*dst["values"], "1.2.3.4"]),
        ("runs one short", (*routes, "columns", "family", "runs", 0, 1), family["runs"][0][1] - 1),
        ("a run of 0", (*routes, "columns", "family", "runs", 0, 1), 0),
        ("a run of -1", (*routes, "columns", "family", "runs", 0, 1), -1),
        ("a run of three", (*routes, "columns", "family", "runs", 0), [2, 1, 1]),
        ("both forms", (*routes, "columns", "dst"), {**dst, "runs": []}),
        ("neither form", (*routes, "columns", "dst"), {}),
        ("unknown column", (*routes, "columns", "colour"), {"runs": [[1, count]]}),
        ("count one more", (*routes, "count"), count + 1),
        ("count negative", (*routes, "count"), -1),
        ("routes a list", routes, []),
        ("columns a list", (*routes, "columns"), []),
        ("IPv4 run into IPv6", (*routes, "columns", "dst_len"), {"runs": [[33, count]]}),
        ("an index past the palette", (*routes, "columns", "gateway", "index", 1), 9),
        ("a negative index", (*routes, "columns", "gateway", "index", 1), -1),
        ("an index not a number", (*routes, "columns", "gateway", "index", 1), "0"),
        ("an index short", (*routes, "columns", "gateway", "index"), [0]),
        (
            "an unused palette value",
            (*routes, "columns", "gateway", "palette"),
            [*_at(doc, (*routes, "columns", "gateway", "palette")), "10.9.9.9"],
        ),
        ("a palette without index", (*routes, "columns", "gateway"), {"palette": [None]}),
        (
            "a palette gateway not canonical",
            (*routes, "columns", "gateway", "palette", 0),
            "fd00::1:2:3:4:5:6:7",
        ),
        ("a bad palette metric", (*routes, "columns", "metrics", "palette", 0), [[0, 1]]),
    ]:
        yield f"columns: {name}", _text(_set(doc, path, value))
    out = copy.deepcopy(doc)
    del _at(out, (*routes, "columns"))["dst"]
    yield "columns: dst removed", _text(out)


def _mutations(doc: Any) -> Iterator[tuple[str, bytes]]:
    paths = list(_paths(doc))
    for path in sorted(paths, key=lambda p: p[0] == "table_names"):
        where = ".".join(map(str, path))
        current = _at(doc, path)
        if path[0] == "table_names" and len(path) == 2:  # any string is a name: bad keys
            for key in ("-1", "4294967296", "01", " 5", "main"):
                yield f"table_names: key {key!r}", _text(_set(doc, path[:1], {key: "x"}))
            yield "table_names: empty name", _text(_set(doc, path, ""))
            break
        yield f"{where}: float", _text(_set(doc, path, 0.5))
        yield f"{where}: NaN", _text(_set(doc, path, float("nan")))
        yield f"{where}: unknown key", _text(_set(doc, path, {"bogus": 1}))
        if not isinstance(current, (dict, list)):
            yield f"{where}: 2**64", _text(_set(doc, path, 2**64))
        if not isinstance(current, bool) and not isinstance(current, str):
            yield f"{where}: true", _text(_set(doc, path, True))
    for path in paths[::7]:  # the costly ones on a sample of places
        where = ".".join(map(str, path))
        yield f"{where}: 5000 digits", _text(_set(doc, path, "@@HUGE@@"))
        yield f"{where}: deep", _text(_set(doc, path, "@@DEEP@@"))
    yield from _removed(doc)
    yield from _ranges(doc)
    text = _text(doc)
    for cut in range(1, len(text) - 1, max(1, len(text) // 40)):
        yield f"truncated at {cut}", text[:cut]


def _at(doc: Any, path: Path) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def _removed(doc: Any) -> Iterator[tuple[str, bytes]]:
    state = ("namespaces", 0, "state")
    required = [
        (("namespaces", 0), "info"),
        (("namespaces", 0, "info"), "inode"),
        (state, "links"),
        (state, "routes"),
        ((*state, "links", 0), "index"),
        ((*state, "links", 1), "name"),
        ((*state, "addresses", 0), "prefixlen"),
        ((*state, "rules", 0), "priority"),
        ((*state, "ipv6_proc_routes", 0), "dev"),
        (("namespaces", 0, "info", "processes", 0), "pid"),
        ((), "namespaces"),
    ]
    for path, key in required:
        out = copy.deepcopy(doc)
        del _at(out, path)[key]
        yield f"{'.'.join(map(str, path))}.{key} removed", _text(out)
    if doc["version"] == 1:
        out = copy.deepcopy(doc)
        out["namespaces"][0]["state"]["routes"][0].pop()
        yield "a route row one short", _text(out)


def _ranges(doc: Any) -> Iterator[tuple[str, bytes]]:
    state = ("namespaces", 0, "state")
    v4, v6 = 0, 2  # the sample's routes: 0 IPv4 default, 1 IPv4 multipath, 2 IPv6
    for name, value in [
        ("dst_len", 33),
        ("dst_len", -1),
        ("dst_len", 10**9),
        ("tos", 256),
        ("table", 0),
        ("table", -1),
        ("table", 2**32),
        ("family", 99),
        ("type", 12),
        ("oif", 999),
        ("oif", 0),
        ("dst", "1.2.3"),
        ("dst", "010.0.0.0"),
        ("dst", "2001:db8::"),
        ("gateway", "10.0.0.256"),
        ("priority", -5),
        ("src_len", 3),
        ("multipath", [[None, 2]]),
        ("multipath", [["10.0.0.1", 2, 0, 0]]),
        ("multipath", [["10.0.0.1", 77, 1, 0]]),
        ("metrics", [[0, 5]]),
        ("metrics", [[2]]),
    ]:
        yield f"route {name} = {value!r}", _text(_route(doc, v4, name, value))
    yield "IPv6 dst_len 129", _text(_route(doc, v6, "dst_len", 129))
    yield "IPv6 dst in IPv4 text", _text(_route(doc, v6, "dst", "10.0.0.0"))
    yield "IPv6 dst uppercase", _text(_route(doc, v6, "dst", "2001:DB8::"))
    for path, value in [
        ((*state, "rules", 0, "tos"), 300),
        ((*state, "rules", 0, "src_len"), 40),
        ((*state, "rules", 0, "uid_range"), [5, 1]),
        ((*state, "rules", 0, "sport_range"), [1, 70000]),
        ((*state, "rules", 0, "family"), 7),
        ((*state, "addresses", 0, "index"), 42),
        ((*state, "addresses", 0, "prefixlen"), 33),
        ((*state, "links", 1, "master"), 3),
        ((*state, "links", 1, "index"), 1),
        ((*state, "links", 1, "name"), "x" * 16),
        ((*state, "links", 1, "name"), ""),
        ((*state, "ipv6_proc_routes", 0, "dst_len"), 200),
        (("namespaces", 0, "info", "processes", 0, "pid"), 0),
        ((*state, "neighbours", 0, "ifindex"), 9),
        ((*state, "neighbours", 0, "dst"), "fd00::2"),
        ((*state, "neighbours", 1, "state"), 70000),
        ((*state, "neighbours"), {"family": 2}),
        ((*state, "sysctls", "fib_multipath_hash_seed"), 2**32),
        ((*state, "rules", 0, "dscp"), 64),
        ((*state, "rules", 0, "unknown"), [[1, "xyz"]]),
        ((*state, "rules", 0, "unknown"), [[1, "abc"]]),
        (("proto_names",), {"256": "big"}),
        ((*state, "nexthops", 0, "oif"), 77),
        ((*state, "nexthops", 1, "group", 0, "weight"), 0),
        ((*state, "nexthops", 1, "bucket_nhids"), [1, -1]),
        ((*state, "nsids", 0), [0]),
        ((*state, "links", 2, "vrf_table"), 0),
        (("namespaces", 1, "info", "inode"), 4026531840),
        (("route_fields",), ["family"]),
        (("route_fields", 0), "colour"),
        (("hostname",), "h" * 5000),
    ]:
        yield f"{'.'.join(map(str, path))} = {str(value)[:20]}", _text(_set(doc, path, value))
    for index, field, inner, value in [
        (3, "extras", (), [1, None]),
        (3, "extras", (1,), [5, "0G"]),
        (3, "multipath", (0,), [None, 2, 1, 0, 5]),
        (3, "metrics", (0, 1), "x" * 17),
        (4, "dst", (), "1048576"),
        (4, "dst", (), "0100"),
        (4, "dst_len", (), 21),
    ]:
        where = f"routes[{index}].{field}{''.join(f'[{i}]' for i in inner)}"
        yield f"{where} = {str(value)[:20]}", _text(_route(doc, index, field, value, *inner))
    yield "not an object", b"[]"
    yield "empty file", b""
    yield "not UTF-8", _text(doc).replace(b'"edge-1"', b'"edge-\xff"')
