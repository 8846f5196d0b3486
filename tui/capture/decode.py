"""A capture document checked whole against ``tui.capture.tables``, then built into the model
(pure, no I/O).  Nothing is built before everything is checked: a fault anywhere is one
``SchemaError`` naming where, and no half-read host reaches a view or the engine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tui.capture import route_columns
from tui.capture.fields import Str
from tui.capture.records import Record, Rows
from tui.capture.route_tables import ROUTE, ROUTE_REQUIRED, route_rows
from tui.capture.schema import U8, U32, Ctx, SchemaError, show
from tui.capture.tables import (
    NAMESPACE,
    NAMESPACE_INFO,
    STATE,
    STATE_NULLABLE,
    STATE_REQUIRED,
    TOP,
)
from tui.model import HostState, Namespace, NetnsState, Route

MAX_NAMESPACES = 2**16
TEXT = Str(max_len=1024)
TABLE_NAME = Str(max_len=255, empty=False)


def _one(record: Record, value: Any, where: str, ctx: Ctx) -> None:
    """Check a single object as a record (its messages without the ``[0]``)."""
    try:
        record.check([value], "", ctx)
    except SchemaError as exc:
        raise SchemaError(where + exc.where[3:], exc.what) from None


def _keys(
    value: Any, where: str, known: set[str] | dict[str, Any], required: Sequence[str]
) -> None:
    if type(value) is not dict:
        raise SchemaError(where, f"{show(value)} is not an object")
    for key in value:
        if key not in known:
            raise SchemaError(where, f"unknown field {show(key)}")
    for key in required:
        if key not in value:
            raise SchemaError(where, f"the field {key!r} is missing")


def _list(value: Any, where: str, limit: int = 2**26) -> list[Any]:
    if type(value) is not list:
        raise SchemaError(where, f"{show(value)} is not a list")
    if len(value) > limit:
        raise SchemaError(where, f"{len(value)} items (at most {limit})")
    return value


def _route_fields(value: Any) -> list[str]:
    names = _list(value, "route_fields", 256)
    for i, name in enumerate(names):
        if type(name) is not str or name not in ROUTE:
            raise SchemaError(f"route_fields[{i}]", f"{show(name)} is not a route field")
    if len(set(names)) != len(names):
        raise SchemaError("route_fields", "a field is named twice")
    for name in ROUTE_REQUIRED:
        if name not in names:
            raise SchemaError("route_fields", f"the field {name!r} is missing")
    return names


def _table_names(value: Any, field: str, top: int = U32) -> dict[int, str]:
    """A number -> name table (``table_names``, ``proto_names``): decimal keys in 0..top."""
    if type(value) is not dict:
        raise SchemaError(field, f"{show(value)} is not an object")
    names: dict[int, str] = {}
    for key, name in value.items():
        where = f"{field}.{show(key)}"
        if not (key.isascii() and key.isdigit() and str(int(key)) == key and int(key) <= top):
            raise SchemaError(where, f"{show(key)} is not a number 0..{top}")
        bad = TABLE_NAME.check([name], Ctx())
        if bad is not None:
            raise SchemaError(where, bad[1])
        names[int(key)] = name
    return names


def _check_state(state: Any, where: str, routes: Rows | None) -> Any:
    """Check a namespace's state; returns its checked route columns (version 2) or None."""
    _keys(state, where, STATE, STATE_REQUIRED)
    links = _list(state["links"], f"{where}.links")
    indexes = [d.get("index") for d in links if type(d) is dict]
    ctx = Ctx(links={i for i in indexes if type(i) is int})
    if len(ctx.links or ()) != len(indexes):
        seen: set[Any] = set()
        for i, index in enumerate(indexes):
            if type(index) is int and index in seen:
                raise SchemaError(f"{where}.links[{i}].index", f"link {index} is listed twice")
            seen.add(index if type(index) is int else None)
    columns = None
    for key, record in STATE.items():
        if key not in state or (state[key] is None and key in STATE_NULLABLE):
            continue
        if key == "sysctls":
            assert isinstance(record, Record)
            _one(record, state[key], f"{where}.sysctls", ctx)
            continue
        if key == "routes" and routes is None:  # version 2: columns
            columns = route_columns.check(state[key], f"{where}.routes", ctx)
            continue
        items = _list(state[key], f"{where}.{key}")
        record = record or routes
        assert record is not None
        record.check(items, f"{where}.{key}", ctx)
    return columns


def _build_state(
    state: dict[str, Any], names: list[str], fields: list[str], columns: Any, build: bool
) -> NetnsState:
    built: dict[str, Any] = {}
    for key, value in state.items():
        record = STATE[key]
        if value is None:  # a nullable collection that was not read
            built[key] = None
        elif key == "routes" and columns is not None:
            built[key] = route_columns.build(*columns) if build else ()
        elif key == "routes":
            built[key] = _build_routes(value, names, fields)
        elif key == "sysctls":
            assert isinstance(record, Record)
            built[key] = record.build(value)
        elif isinstance(record, Rows):
            built[key] = tuple(map(record.build_row, value))
        else:
            assert record is not None
            built[key] = tuple(map(record.build, value))
    return NetnsState(**built)


def _build_routes(rows: list[list[Any]], names: list[str], fields: list[str]) -> tuple[Route, ...]:
    """Routes from checked rows: by position when the header is this version's (the fast
    path for a million rows), else by name with defaults for fields the capture lacks.  Only
    the fields with a conversion (next hops, metrics, extras) are touched, and only when they
    hold something."""
    convert = [(names.index(n), ROUTE[n].convert) for n in names if ROUTE[n].convert is not None]
    if names != fields:
        out = []
        for row in rows:
            kwargs = dict(zip(names, row, strict=True))
            for i, conv in convert:
                value = row[i]
                kwargs[names[i]] = conv(value) if value else (() if value == [] else value)
            out.append(Route(**kwargs))
        return tuple(out)
    for row in rows:  # the rows are ours (fresh from json): converted in place
        for i, conv in convert:
            value = row[i]
            if value:
                row[i] = conv(value)
            elif value == []:
                row[i] = ()
    return tuple(Route(*row) for row in rows)


def decode(doc: dict[str, Any], fields: list[str], version: int = 2) -> HostState:
    """The host of a document whose format and version were checked (SchemaError if any
    other part is wrong); ``fields`` is this version's route field order.  Version 1 holds
    routes as rows (their fields in ``route_fields``), version 2 as columns."""
    return decode_columns(doc, fields, version, build=True)[0]


#: A namespace's checked route columns: the route count and each field's column.
RouteColumns = tuple[int, dict[str, route_columns.Column]]


def decode_columns(
    doc: dict[str, Any], fields: list[str], version: int = 2, *, build: bool = False
) -> tuple[HostState, list[RouteColumns | None]]:
    """``decode``, with each namespace's checked route columns (None: version 1, or no
    state) by position; unless ``build``, a namespace with columns gets no Route objects
    (``routes=()``): a command that only prints them reads the columns (everything is
    checked all the same, before anything is returned)."""
    _keys(doc, "(top)", TOP, ("namespaces",))
    names = _route_fields(doc.get("route_fields", fields))
    for key in ("hostname", "kernel", "captured_at"):
        bad = TEXT.check([doc.get(key, "")], Ctx())
        if bad is not None:
            raise SchemaError(key, bad[1])
    table_names = _table_names(doc.get("table_names", {}), "table_names")
    proto_names = _table_names(doc.get("proto_names", {}), "proto_names", U8)
    namespaces = _list(doc["namespaces"], "namespaces", MAX_NAMESPACES)
    routes = route_rows(names) if version == 1 else None
    checked: list[Any] = []
    seen: set[tuple[int, int]] = set()
    hosts = 0
    for i, ns in enumerate(namespaces):
        where = f"namespaces[{i}]"
        _keys(ns, where, NAMESPACE, ("info",))
        _one(NAMESPACE_INFO, ns["info"], f"{where}.info", Ctx())
        ident = (ns["info"]["dev"], ns["info"]["inode"])
        if ident in seen:
            raise SchemaError(f"{where}.info", f"namespace {ident[1]} is listed twice")
        seen.add(ident)
        hosts += bool(ns["info"].get("is_host"))
        if hosts > 1:
            raise SchemaError(f"{where}.info.is_host", "a second namespace is the host's")
        error = ns.get("error")
        if error is not None and TEXT.check([error], Ctx()) is not None:
            raise SchemaError(f"{where}.error", f"{show(error)} is not a string of at most 1024")
        checked.append(None)
        if ns.get("state") is not None:
            checked[-1] = _check_state(ns["state"], f"{where}.state", routes)
    host = HostState(
        namespaces=tuple(
            Namespace(
                info=NAMESPACE_INFO.build(ns["info"]),
                state=_build_state(ns["state"], names, fields, columns, build)
                if ns.get("state") is not None
                else None,
                error=ns.get("error"),
            )
            for ns, columns in zip(namespaces, checked, strict=True)
        ),
        table_names=table_names,
        proto_names=proto_names,
        hostname=doc.get("hostname", ""),
        kernel=doc.get("kernel", ""),
        captured_at=doc.get("captured_at", ""),
    )
    return host, checked
