"""Decoding route messages of one shape straight into capture columns, no ``Route`` each.

A full table's dump is hundreds of datagrams of ~500 messages of one shape (the same
attributes, in the same order, with the same lengths: ``route_shapes``).  Side by side, such
messages are rows of one stride, and one byte position of the shape is a *lane*:
``rows[offset::stride]``, copied out in C.  ``compile_columns`` turns a shape into
``decode(rows, k)``, which

* checks every header byte of the ``k`` rows at once (the netlink header and each attribute's
  length and type): a lane must hold the sample's byte throughout, and ``lstrip`` tells how
  many rows lead with it; rows from the first that differs are left to the caller;
* builds one column per ``Route`` field with the very expressions the shape's ``Route``
  builder evaluates (``Shape.fields``), so that every value equals the builder's: a field whose
  inputs hold one value in every row is computed once (``Repeat``); a plain number is its
  lane (or lanes, for a wider one); an address is interned text, an IPv4 destination three
  table look-ups; any other expression is mapped over the rows.
"""

from __future__ import annotations

import re
import socket
import struct
import sys
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import MISSING
from functools import partial
from itertools import repeat
from operator import add
from typing import Any, NamedTuple

from tui.capture.column_writer import ChunkColumn, Repeat
from tui.kernel.netlink.const import (
    NLM_F_DUMP_INTR,
    NLMSG_DONE,
    NLMSG_ERROR,
    NLMSGHDR_LEN,
    RTM_NEWROUTE,
)
from tui.kernel.netlink.route_codec import _raise_error, decode_route, last_builder
from tui.kernel.netlink.route_shapes import (
    Builder,
    DecodeError,
    ReadableBuffer,
    Shape,
    shape_env,
)
from tui.kernel.netlink.shared_objects import ADDRS, ROUTE_FIELDS
from tui.model import Route

# decode(rows, k) -> (rows of the shape from the first, their columns in Route field order)
Decode = Callable[[bytes, int], tuple[int, list[ChunkColumn]]]

_TOKEN = re.compile(r"(\d*)([xBHIis])")
_VAR = re.compile(r"\bv(\d+)\b")
_PLAIN = re.compile(r"v(\d+)")
_ADDR = re.compile(r"addrs\[v(\d+)\]")
_DST4 = re.compile(r"v4_prefix\[v(\d+)\] \+ octet_dot\[v(\d+)\] \+ octet\[v(\d+)\]")
_NTOP = re.compile(r"ntop\((\d+), v(\d+)\)")
# Numbers read as arrays when they are aligned (a netlink attribute's payload always is).
_ARRAY_CODES = {code: array(code).itemsize for code in "HIi"}
_SIZES = {"B": 1, "H": 2, "I": 4, "i": 4}


class ColumnShape(NamedTuple):
    """The column decoder of one message shape: messages of ``length`` bytes, one every
    ``stride`` bytes in a datagram."""

    length: int
    stride: int
    decode: Decode


class _Addr4(dict[int, str]):
    """An IPv4 address read as a native u32 -> its text, interned; bounded."""

    limit = 1 << 16

    def __missing__(self, key: int) -> str:
        if len(self) >= self.limit:
            self.clear()
        text = socket.inet_ntop(socket.AF_INET, key.to_bytes(4, sys.byteorder))
        self[key] = text
        return text


class _Half(dict[int, str]):
    """Two bytes of an IPv4 address read as a native u16 -> their text, ``"a.b."`` for the
    first half, ``"c.d"`` for the second (65536 at most)."""

    def __init__(self, template: str) -> None:
        super().__init__()
        self.template = template

    def __missing__(self, key: int) -> str:
        text = self.template.format(*key.to_bytes(2, sys.byteorder))
        self[key] = text
        return text


ADDR4 = _Addr4()
FIRST_HALF = _Half("{}.{}.")
SECOND_HALF = _Half("{}.{}")


def _layout(fmt: Iterable[str]) -> tuple[list[tuple[str, int, int]], int]:
    """(struct code, offset, size) of each value a shape's format reads, and its length."""
    out: list[tuple[str, int, int]] = []
    pos = 0
    for count, code in _TOKEN.findall("".join(fmt).replace("=", "")):
        n = int(count) if count else 1
        if code == "x":
            pos += n
        elif code == "s":
            out.append(("s", pos, n))
            pos += n
        else:
            for _ in range(n):
                out.append((code, pos, _SIZES[code]))
                pos += _SIZES[code]
    return out, pos


# ---- helpers the generated decoders call -------------------------------------------------


def _lane(lane: bytes) -> ChunkColumn:
    """A one-byte number's column."""
    return list(lane) if lane.lstrip(lane[:1]) else Repeat(lane[0])


def _number(rows: bytes, off: int, stride: int, code: str) -> ChunkColumn:
    """An aligned 2- or 4-byte number's column: one value when each of its byte lanes is."""
    size = _SIZES[code]
    for j in range(off, off + size):
        lane = rows[j::stride]
        if lane.lstrip(lane[:1]):
            return array(code, rows)[off // size :: stride // size].tolist()
    return Repeat(struct.unpack_from("=" + code, rows, off)[0])


def _unpacked(rows: bytes, unpacker: struct.Struct) -> ChunkColumn:
    """Any value's column, a struct (one value, the rest of the row skipped) per row."""
    vals = [t[0] for t in unpacker.iter_unpack(rows)]
    return Repeat(vals[0]) if vals.count(vals[0]) == len(vals) else vals


def _map(fn: Callable[[Any], Any], col: ChunkColumn) -> ChunkColumn:
    if type(col) is Repeat:
        return Repeat(fn(col.value))
    assert not isinstance(col, Repeat)
    return list(map(fn, col))


def _seq(col: ChunkColumn, k: int) -> Iterable[Any]:
    return repeat(col.value, k) if type(col) is Repeat else col  # type: ignore[return-value]


def _apply(fn: Callable[..., Any], cols: Sequence[ChunkColumn], k: int) -> ChunkColumn:
    """``fn`` of each row's values; computed once when every input is one value."""
    if all(type(c) is Repeat for c in cols):
        return Repeat(fn(*(c.value for c in cols)))  # type: ignore[union-attr]
    return list(map(fn, *(_seq(c, k) for c in cols)))


def _dst4(first: ChunkColumn, second: ChunkColumn, k: int) -> ChunkColumn:
    """IPv4 destinations as text from their two halves, each read as a u16 (a table each)."""
    if type(first) is Repeat and type(second) is Repeat:
        return Repeat(FIRST_HALF[first.value] + SECOND_HALF[second.value])
    firsts = map(FIRST_HALF.__getitem__, _seq(first, k))
    return list(map(add, firsts, map(SECOND_HALF.__getitem__, _seq(second, k))))


_HELPERS: dict[str, Any] = {
    "Repeat": Repeat,
    "_lane": _lane,
    "_number": _number,
    "_unpacked": _unpacked,
    "_map": _map,
    "_apply": _apply,
    "_dst4": _dst4,
    "ADDR4": ADDR4,
    "ADDRS": ADDRS,
}


# ---- compiling ---------------------------------------------------------------------------


class _Source:
    """The decoder's source for one shape, column by column."""

    def __init__(self, shape: Shape, length: int, stride: int) -> None:
        self.shape, self.stride = shape, stride
        values, size = _layout(shape.fmt)
        if size != length - NLMSGHDR_LEN:
            raise ValueError(f"a shape of {size} bytes for {length - NLMSGHDR_LEN}")
        self.values = values
        # The builders' names (their ``unpack`` is not used here: lanes are read instead).
        self.env: dict[str, Any] = {**shape_env(struct.Struct("").unpack_from), **_HELPERS}
        self.lines: list[str] = []
        self.made: dict[tuple[int, str], str] = {}  # (value index, read as) -> column name

    def column(self, i: int, read_as: str = "") -> str:
        """The name of value ``i``'s column (made once): read as its own code, or as ``read_as``
        ("H"/"I": a 2- or 4-byte string read as a number)."""
        name = self.made.get((i, read_as))
        if name is not None:
            return name
        code, off, size = self.values[i]
        off += NLMSGHDR_LEN
        if read_as:
            code, size = read_as, _SIZES[read_as]
        name = f"c{len(self.made)}"
        if code == "B":
            expr = f"_lane(rows[{off}::{self.stride}])"
        elif code in _ARRAY_CODES and off % size == 0 and _ARRAY_CODES[code] == size:
            expr = f"_number(rows, {off}, {self.stride}, {code!r})"
        else:
            fmt = f"={off}x{size}s" if code == "s" else f"={off}x{code}"
            unpacker = struct.Struct(fmt + f"{self.stride - off - size}x")
            self.env[f"u_{name}"] = unpacker
            expr = f"_unpacked(rows, u_{name})"
        self.lines.append(f"    {name} = {expr}")
        self.made[(i, read_as)] = name
        return name

    def field(self, expr: str) -> str:
        """The column of one Route field from the builder's expression for it."""
        if (m := _PLAIN.fullmatch(expr)) is not None:
            return self.column(int(m[1]))
        used = sorted({int(v) for v in _VAR.findall(expr)})
        if not used:
            name = f"k{len(self.env)}"
            self.env[name] = Repeat(eval(expr, dict(self.env)))  # the builder's own constant
            return name
        if (m := _ADDR.fullmatch(expr)) is not None:
            i = int(m[1])
            if self.values[i][2] == 4:
                return f"_map(ADDR4.__getitem__, {self.column(i, 'I')})"
            return f"_map(ADDRS.__getitem__, {self.column(i)})"
        if (m := _DST4.fullmatch(expr)) is not None:
            first, third, fourth = (int(x) for x in m.groups())
            if self.values[third][1] + 1 != self.values[fourth][1]:
                raise ValueError("an IPv4 destination whose bytes are not in a row")
            parts = self.column(first, "H"), self.column(third, "H")
            return f"_dst4({', '.join(parts)}, k)"
        if (m := _NTOP.fullmatch(expr)) is not None:
            name = f"ntop{m[1]}"
            self.env[name] = partial(socket.inet_ntop, int(m[1]))
            return f"_map({name}, {self.column(int(m[2]))})"
        fn = f"f{len(self.env)}"
        self.env[fn] = eval(f"lambda {', '.join(f'v{i}' for i in used)}: {expr}", self.env)
        cols = ", ".join(self.column(i) for i in used)
        return f"_apply({fn}, ({cols},), k)"

    def checks(self, sample: tuple[Any, ...], length: int) -> str:
        """How many rows lead with the sample's header bytes: the netlink header's length and
        type, flags and sequence as the first row's; each attribute header as the sample's."""
        fixed: list[tuple[int, int]] = []  # (offset in the row, byte)
        fixed += enumerate(struct.pack("=IH", length, RTM_NEWROUTE))
        lanes = [
            f"len(rows[{off}::{self.stride}].lstrip(rows[{off}:{off + 1}]))" for off in range(6, 12)
        ]
        for i in self.shape.checks:
            code, off, _ = self.values[i]
            packed = struct.pack("=" + code, sample[i])
            fixed += ((NLMSGHDR_LEN + off + j, b) for j, b in enumerate(packed))
        lanes += [f"len(rows[{off}::{self.stride}].lstrip({bytes([b])!r}))" for off, b in fixed]
        return f"k - max({', '.join(lanes)})"

    def source(self, sample: tuple[Any, ...], length: int) -> str:
        cols = []
        for fld in ROUTE_FIELDS:
            default = fld.default if fld.default is not MISSING else None
            cols.append(self.field(self.shape.fields.get(fld.name, repr(default))))
        head = [
            "def decode(rows, k):",
            f"    n = {self.checks(sample, length)}",
            "    if n <= 0:",
            "        return 0, []",
            "    if n < k:",
            f"        rows, k = rows[: n * {self.stride}], n",
        ]
        return "\n".join([*head, *self.lines, f"    return k, [{', '.join(cols)}]"])


def compile_columns(buf: ReadableBuffer, start: int, length: int) -> ColumnShape | None:
    """The column decoder for the shape of the route message of ``length`` bytes whose
    netlink header is at ``start``; None for a layout it cannot read as rows."""
    stride = (length + 3) & ~3
    shape = Shape(buf, start + NLMSGHDR_LEN, start + length)
    sample = struct.unpack_from("".join(shape.fmt), buf, start + NLMSGHDR_LEN)
    try:
        src = _Source(shape, length, stride)
        code = src.source(sample, length)
    except ValueError:
        return None
    exec(code, src.env)  # generated from our own shape walk
    return ColumnShape(length, stride, src.env["decode"])


# ---- the dump loop -----------------------------------------------------------------------

#: Rows a datagram must still hold for a column decode to be tried (fewer: one at a time).
MIN_RUN = 16
_HEAD = struct.Struct("=IHHI")  # nlmsg_len, nlmsg_type, nlmsg_flags, nlmsg_seq
_BY_BUILDER: dict[Builder, ColumnShape | None] = {}  # a Route builder -> its column decoder
_BY_LENGTH: dict[int, ColumnShape] = {}  # length -> the decoder of the latest shape seen
_SHAPES_MAX = 4096

# emit(n, columns): n routes as columns, in Route field order.
Emit = Callable[[int, list[ChunkColumn]], None]


def _learn(buf: ReadableBuffer, off: int, length: int) -> None:
    """After the general decoder took the message at ``off``: its shape's column decoder
    becomes the one tried next for this length (compiled once per shape)."""
    build = last_builder(length)
    if build is None:
        return
    if build not in _BY_BUILDER:
        if len(_BY_BUILDER) >= _SHAPES_MAX:
            _BY_BUILDER.clear()
            _BY_LENGTH.clear()
        _BY_BUILDER[build] = compile_columns(buf, off, length)
    shape = _BY_BUILDER[build]
    if shape is None:
        _BY_LENGTH.pop(length, None)
    else:
        _BY_LENGTH[length] = shape


def collect_columns(
    buf: ReadableBuffer, end: int, seq: int, pending: list[Route], emit: Emit
) -> tuple[bool, bool]:
    """``route_codec.collect_routes`` for a capture: the routes of one dump datagram, runs of
    messages of a known shape handed to ``emit`` as columns, the others decoded one by one
    into ``pending`` (the caller keeps the order: ``pending`` first, before each ``emit``).
    Returns ``(done, interrupted)``; raises as ``collect_routes`` does."""
    off = 0
    head = _HEAD.unpack_from
    interrupted = False
    wait = 0  # messages to take one by one before trying a run again
    missed = 0  # tries in a row whose first message was not of the shape tried
    while end - off >= NLMSGHDR_LEN:
        length, mtype, mflags, mseq = head(buf, off)
        if length < NLMSGHDR_LEN or off + length > end:
            raise DecodeError(f"bad netlink message length {length} at offset {off}")
        stride = (length + 3) & ~3
        if mseq != seq:
            off += stride
            continue
        if mtype == RTM_NEWROUTE:
            rows = (end - off) // stride
            if wait == 0 and rows >= MIN_RUN and not mflags & NLM_F_DUMP_INTR:
                shape = _BY_LENGTH.get(length)
                if shape is not None:
                    rows_bytes = bytes(memoryview(buf)[off : off + rows * stride])
                    n, columns = shape.decode(rows_bytes, rows)
                    # A short run, or a second miss in a row (shapes taking turns): the
                    # next messages one by one, not a try each.
                    missed = missed + 1 if n == 0 else 0
                    if 0 < n < MIN_RUN or missed > 1:
                        wait = MIN_RUN
                    if n:
                        emit(n, columns)
                        off += n * stride
                        continue
            wait = max(wait - 1, 0)
            pending.append(decode_route(buf, off, length))
            _learn(buf, off, length)
            if mflags & NLM_F_DUMP_INTR:
                interrupted = True
        elif mtype == NLMSG_DONE or mtype == NLMSG_ERROR:  # noqa: SIM109
            _raise_error(buf, off, length, mtype, mflags)
            if mtype == NLMSG_DONE:
                return True, interrupted or bool(mflags & NLM_F_DUMP_INTR)
        off += stride
    return False, interrupted
