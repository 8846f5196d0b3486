"""HostState ⇄ versioned JSON capture files.

A full-table host has a million routes: version 2 stores them as columns (runs, a palette or
values per field: ``tui.capture.route_columns``), version 1 as positional rows (their field
order in the header; still loaded); everything else as objects holding non-default fields.
A capture must be complete for every view and for the lookup engine: nothing is read from the
local kernel when one is opened.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import stat
from typing import IO, Any

from tui.capture import column_writer, doc_text
from tui.capture.decode import RouteColumns, decode_columns
from tui.capture.schema import SchemaError, show
from tui.formats.safe_text import safe_text
from tui.model import HostState, NetnsState, Nexthop, Route

FORMAT = "fibscope-capture"
VERSION = 2
#: Versions this reader loads: 1 (routes as rows), 2 (routes as columns).
VERSIONS = (1, 2)
ROUTE_FIELDS = [f.name for f in dataclasses.fields(Route)]
_MULTIPATH = ROUTE_FIELDS.index("multipath")
_METRICS = ROUTE_FIELDS.index("metrics")
_EXTRAS = ROUTE_FIELDS.index("extras")

#: The largest capture read: a full-table host's capture is about 100 MB per million routes
#: in version 1 (a row is about 95 bytes; ~18 MB in version 2's columns), so 2 GiB is twenty
#: such tables even in the old format; larger is not a capture.
MAX_BYTES = 2 * 2**30


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


def _extras_row(extras: Any) -> list[Any]:
    encap = list(extras.encap) if extras.encap is not None else None
    return [extras.realms, encap, [list(u) for u in extras.unknown]]


#: Version 2's route columns: the model values that are not JSON as they are.
_COLUMN_JSON = {
    "multipath": lambda hops: [_hop_row(n) for n in hops],
    "metrics": lambda metrics: [list(m) for m in metrics],
    "extras": lambda extras: None if extras is None else _extras_row(extras),
}


def route_columns_json(writer: column_writer.ColumnWriter) -> dict[str, Any]:
    """The version-2 ``routes`` of the routes fed to ``writer`` (a capture streaming them)."""
    return writer.finish(_COLUMN_JSON)


def _netns_json(
    state: NetnsState, version: int = VERSION, routes: dict[str, Any] | None = None
) -> dict[str, Any]:
    if routes is None:
        routes = (
            [_route_row(r) for r in state.routes]  # type: ignore[assignment]
            if version == 1
            else column_writer.encode(state.routes, _COLUMN_JSON)
        )
    return {
        "links": [_obj(x) for x in state.links],
        "addresses": [_obj(x) for x in state.addresses],
        "rules": [_obj(x) for x in state.rules],
        "routes": routes,
        "sysctls": _obj(state.sysctls),
        "ipv6_proc_routes": [_obj(x) for x in state.ipv6_proc_routes],
        "neighbours": (None if state.neighbours is None else [_obj(x) for x in state.neighbours]),
        "nsids": None if state.nsids is None else [list(pair) for pair in state.nsids],
        # Absent: not read.  Optional, so captures made before it load as they are.
        **({} if state.nexthops is None else {"nexthops": [_obj(x) for x in state.nexthops]}),
        **({} if state.fdb is None else {"fdb": [_obj(x) for x in state.fdb]}),
    }


def to_json(
    host: HostState, version: int = VERSION, routes: dict[int, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The capture document for ``host`` (``version`` 1 only to test the older reader);
    ``routes`` holds the routes of namespaces (by position) that were streamed into columns
    rather than read into their states (``tui.kernel.capture_stream``)."""
    streamed = routes or {}
    return {
        "format": FORMAT,
        "version": version,
        "hostname": host.hostname,
        "kernel": host.kernel,
        "captured_at": host.captured_at,
        "table_names": {str(k): v for k, v in sorted(host.table_names.items())},
        "proto_names": {str(k): v for k, v in sorted(host.proto_names.items())},
        "route_fields": ROUTE_FIELDS,
        "namespaces": [
            {
                "info": _obj(ns.info),
                "state": _netns_json(ns.state, version, streamed.get(i))
                if ns.state is not None
                else None,
                "error": ns.error,
            }
            for i, ns in enumerate(host.namespaces)
        ],
    }


def write(host: HostState, fh: IO[str], routes: dict[int, dict[str, Any]] | None = None) -> None:
    """Write ``host`` as a capture to an open text file (one string: the C encoder, the long
    route columns joined: ``doc_text``); ``routes`` as in ``to_json``."""
    fh.write(doc_text.dumps(to_json(host, routes=routes)))
    fh.write("\n")


def from_json(doc: Any, name: str = "capture") -> HostState:
    """A HostState from a capture document, every part of it checked first (types, ranges,
    families, cross-references) against ``tui.capture.tables``; CaptureError names the first
    fault as ``corrupt NAME: <where>: <what>``."""
    return _from_json(doc, name, routes=True)[0]


def _from_json(doc: Any, name: str, *, routes: bool) -> tuple[HostState, list[RouteColumns | None]]:
    """``from_json``, with the namespaces' checked route columns (``decode_columns``)."""
    try:
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise SchemaError("format", "not a fibscope capture file")
        version = doc.get("version")
        if type(version) is not int or version not in VERSIONS:
            want = " or ".join(map(str, VERSIONS))
            raise SchemaError("version", f"version {show(version)} is not supported (want {want})")
        return decode_columns(doc, ROUTE_FIELDS, version, build=routes)
    except SchemaError as exc:
        raise CaptureError(f"corrupt {name}: {exc}") from None


def load(path: str) -> HostState:
    """Read a capture file; every failure is a CaptureError with a one-line message.

    Only a regular file of at most MAX_BYTES is read (``/dev/zero`` would grow without end, a
    FIFO would hang: the file is opened without blocking and checked before any read)."""
    return _load(path, routes=True)[0]


def load_columns(path: str) -> tuple[HostState, list[RouteColumns | None]]:
    """``load`` for a command that only prints routes: the host without Route objects where
    the capture holds columns (version 2), and those checked columns by namespace position
    (None: version 1's rows, built as ``load`` builds them).  The whole document is checked
    before this returns, as ``load`` checks it."""
    return _load(path, routes=False)


def _load(path: str, *, routes: bool) -> tuple[HostState, list[RouteColumns | None]]:
    shown = safe_text(path)
    data = read_capped(path, shown)
    enabled = gc.isenabled()
    gc.disable()  # a million rows of small lists: the collector would triple the load time
    try:
        try:
            doc = json.loads(data)
        except json.JSONDecodeError as exc:
            raise CaptureError(
                f"corrupt capture {shown}: line {exc.lineno} column {exc.colno}: "
                f"not valid JSON ({exc.msg})"
            ) from None
        except UnicodeDecodeError as exc:
            raise CaptureError(f"corrupt capture {shown}: byte {exc.start}: not UTF-8") from None
        except RecursionError:
            raise CaptureError(f"corrupt capture {shown}: nested too deeply") from None
        except ValueError:  # an integer of more digits than Python converts (4300)
            raise CaptureError(
                f"corrupt capture {shown}: a number of thousands of digits"
            ) from None
        del data
        return _from_json(doc, f"capture {shown}", routes=routes)
    finally:
        if enabled:
            gc.enable()


def read_capped(path: str, shown: str) -> bytes:
    """The bytes of a regular file of at most MAX_BYTES; CaptureError otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except FileNotFoundError:
        raise CaptureError(f"{shown}: no such file") from None
    except PermissionError:
        raise CaptureError(f"{shown}: permission denied") from None
    except OSError as exc:
        raise CaptureError(f"{shown}: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise CaptureError(f"{shown}: is a directory")
        if not stat.S_ISREG(st.st_mode):
            raise CaptureError(f"{shown}: not a regular file")
        if st.st_size > MAX_BYTES:
            raise CaptureError(f"{shown}: {st.st_size:,} bytes: more than a capture can be")
        chunks, total = [], 0
        while chunk := os.read(fd, 1 << 24):
            chunks.append(chunk)
            total += len(chunk)
            if total > MAX_BYTES:  # grew while being read
                raise CaptureError(f"{shown}: more than {MAX_BYTES:,} bytes")
        return b"".join(chunks)
    except OSError as exc:
        raise CaptureError(f"{shown}: {exc.strerror}") from None
    finally:
        os.close(fd)
