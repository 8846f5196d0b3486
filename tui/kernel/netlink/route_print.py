"""Printing a route dump straight from the netlink bytes: one text template per message shape.

``fibscope routes`` prints a million routes; decoding each into a ``Route`` and formatting it
costs ~1.5 µs, more than ``ip route show`` spends on the whole line.  But a route's text is a
function of its message bytes, and in a big table almost every message has the same bytes
except the destination address.  So the key of a message is *all its bytes but the
destination* (two ``bytes`` cut by one ``struct``), and the key maps to a ``%``-template: the
line the caller's ``render`` makes for that route with the destination left as a slot.  A
datagram of same-length messages then prints with C loops only: ``Struct.iter_unpack``, a dict
lookup, ``inet_ntoa`` and ``str.__mod__`` per message (~0.35 µs).

Why this is exact: a template is built (on a key miss) from the message rebuilt out of its key,
decoded by ``route_codec.decode_route`` (the tested decoder) and rendered by the caller's
formatter, after checking that the rebuilt message really has this shape (length, type,
sequence, and its destination attribute where the shape cuts).  A key hit means the bytes
outside the destination equal a checked message's, attribute headers included, so the cut is
in the right place too.  Message boundaries inside a datagram are proven the same way: the
length field is part of the key, checked message after message from the first.  Anything
unusual (mixed lengths, another layout, NLMSG_DONE / NLMSG_ERROR) goes through a walk that
takes one message at a time with the same templates.
"""

from __future__ import annotations

import operator
import socket
import struct
from collections.abc import Callable, Generator
from functools import partial

from pyroute2 import IPRoute

from tui.kernel.netlink.const import (
    NLA_TYPE_MASK,
    NLATTR,
    NLM_F_DUMP_INTR,
    NLMSG_DONE,
    NLMSG_ERROR,
    NLMSGHDR_LEN,
    RTA_DST,
    RTM_NEWROUTE,
    RTMSG_LEN,
)
from tui.kernel.netlink.dump import kernel_text
from tui.kernel.netlink.prefetch import PrefetchSocket
from tui.kernel.netlink.route_codec import DecodeError, collect_routes, decode_route
from tui.kernel.netlink.route_dump import RECV_BUFFER, open_route_socket, stream_chunks
from tui.kernel.netns import entered
from tui.model import Route

# A route's complete text with its final newline, "" for a route that is not shown.
Render = Callable[[Route], str]

# Stands for the destination while a template is rendered: wider than any padded column, and
# with NUL bytes no link or table name has.
DST_MARK = "\0fibscope destination address\0"
_TEMPLATES_MAX = 1 << 16  # keys of one shape (e.g. a different gateway each): bounded memory
_SHAPES_PER_LENGTH = 8
_HEAD = struct.Struct("=IHHI")  # nlmsg_len, nlmsg_type, nlmsg_flags, nlmsg_seq
_KEY = operator.itemgetter(0, 2)  # (bytes before the destination, bytes after it)
_DST = operator.itemgetter(1)
_MOD = operator.mod


def _no_dst(_: bytes) -> str:
    return ""


# The destination's payload length → its text, as route_codec writes it (by length, not family).
_DST_TEXT: dict[int, Callable[[bytes], str]] = {
    0: _no_dst,
    4: socket.inet_ntoa,
    16: partial(socket.inet_ntop, socket.AF_INET6),
}


class _Mismatch(Exception):
    """The message does not have the layout of the shape it was tried with."""


def _dst_span(msg: bytes | bytearray, off: int, length: int) -> tuple[int, int]:
    """Where the decoder takes the destination from: ``(start, size)`` of the last RTA_DST
    payload of 4 or 16 bytes, relative to the message; ``(length, 0)`` when there is none."""
    span = (length, 0)
    pos, end = off + NLMSGHDR_LEN + RTMSG_LEN, off + length
    while end - pos >= 4:
        nla_len, nla_type = NLATTR.unpack_from(msg, pos)
        if nla_len < 4 or pos + nla_len > end:
            break  # decode_route reports the bad length
        if nla_type & NLA_TYPE_MASK == RTA_DST and nla_len - 4 in (4, 16):
            span = (pos + 4 - off, nla_len - 4)
        pos += (nla_len + 3) & ~3
    return span


class _Templates(dict[tuple[bytes, bytes], str]):
    """Key → template of one shape; a miss builds it (``__missing__`` keeps lookups in C)."""

    def __init__(self, shape: _Shape) -> None:
        super().__init__()
        self._shape = shape

    def __missing__(self, key: tuple[bytes, bytes]) -> str:
        template, keep = self._shape.template(key)
        if keep:
            if len(self) >= _TEMPLATES_MAX:
                self.clear()
            self[key] = template
        return template


class _Shape:
    """Route messages of one length (a multiple of 4) with the destination at one place."""

    def __init__(self, printer: RoutePrinter, length: int, dst_start: int, dst_size: int) -> None:
        self.printer = printer
        self.length = length
        self.dst_start, self.dst_size = dst_start, dst_size
        after = length - dst_start - dst_size
        self.struct = struct.Struct(f"={dst_start}s{dst_size}s{after}s")
        self.unpack = self.struct.unpack_from
        self.dst_text = _DST_TEXT[dst_size]
        self.templates = _Templates(self)

    def lines(self, run: memoryview) -> str:
        """The text of a run of messages of this shape (``len(run)`` a multiple of the length).

        Raises _Mismatch at the first message that is not of this shape: that message and
        everything after it is unproven, so the caller drops the whole run.
        """
        rows = list(self.struct.iter_unpack(run))
        templates = map(self.templates.__getitem__, map(_KEY, rows))
        return "".join(map(_MOD, templates, map(self.dst_text, map(_DST, rows))))

    def line(self, buf: bytearray, off: int) -> str:
        """The text of the one message at ``off``; _Mismatch if it is not of this shape."""
        before, dst, after = self.unpack(buf, off)
        return self.templates[before, after] % self.dst_text(dst)

    def template(self, key: tuple[bytes, bytes]) -> tuple[str, bool]:
        """The template for ``key`` and whether to keep it; _Mismatch if the message is of
        another shape (or another type, length or dump)."""
        printer = self.printer
        msg = key[0] + bytes(self.dst_size) + key[1]
        length, mtype, flags, seq = _HEAD.unpack_from(msg)
        if (
            length != self.length
            or mtype != RTM_NEWROUTE
            or seq != printer.seq
            or _dst_span(msg, 0, length) != (self.dst_start, self.dst_size)
        ):
            raise _Mismatch
        route = decode_route(msg, 0, length)
        if self.dst_size:
            # A fresh object nobody else holds, set as a frozen __init__ sets its fields:
            # dataclasses.replace would cost a third of a miss (tables of unique routes).
            object.__setattr__(route, "dst", DST_MARK)
        text = printer.render(route)
        marks = text.count(DST_MARK)
        if marks > 1:
            raise ValueError("render() shows the destination more than once")
        template = text.replace("%", "%%").replace(DST_MARK, printer.dst_conversion)
        if not marks:  # "default", or a route not shown: the destination is consumed unseen
            template = "%.0s" + template
        if flags & NLM_F_DUMP_INTR:
            printer.interrupted = True
            return template, False  # not kept: every such message must raise the flag
        return template, True


class RoutePrinter:
    """Turns RTM_NEWROUTE dump datagrams into text with ``render``; ``read`` is a
    ``route_dump.ChunkReader``.

    ``render(route)`` returns a route's whole text with its newline ("" to leave it out); it
    is called once per distinct shape and key with the destination replaced by ``DST_MARK``,
    which it must print as it prints a destination address, at most once.
    ``dst_conversion`` is the ``%``-conversion the mark becomes: ``%-15s`` when ``render``
    pads the destination to 15 columns (``DST_MARK`` is wider, so it is never padded).
    """

    def __init__(self, render: Render, dst_conversion: str = "%s") -> None:
        self.render = render
        self.dst_conversion = dst_conversion
        self.seq = 0
        self.interrupted = False
        self._shapes: dict[int, list[_Shape]] = {}  # length → shapes, most recent first
        self._last: dict[int, _Shape] = {}  # length → the shape that matched last

    def read(self, buf: bytearray, end: int, seq: int) -> tuple[str, bool, bool]:
        """The text of the datagram ``buf[:end]`` of dump ``seq``, and ``(done, interrupted)``.

        Raises NetlinkError for the kernel's error, DecodeError for malformed bytes.
        """
        if seq != self.seq:  # a new dump: keys carry the sequence number, start afresh
            self.seq = seq
            self._shapes.clear()
            self._last.clear()
        self.interrupted = False
        text, off = self._run(buf, end)
        parts = [text]
        done = self._walk(buf, off, end, parts)
        return "".join(parts), done, self.interrupted

    def _run(self, buf: bytearray, end: int) -> tuple[str, int]:
        """The fast path: the text of the leading run of messages of one shape, and where it
        ends; ``("", 0)`` when the datagram does not start with such a run."""
        if end < NLMSGHDR_LEN:
            return "", 0
        length, mtype = _HEAD.unpack_from(buf)[:2]
        shape = self._last.get(length) if mtype == RTM_NEWROUTE else None
        if shape is None or length > end:
            return "", 0
        run = end // length * length
        # A cheap test first: in a mixed datagram, the last message of the would-be run
        # rarely starts where this length puts it and has this length too.
        if _HEAD.unpack_from(buf, run - length)[0] != length:
            return "", 0
        try:
            with memoryview(buf) as view, view[:run] as messages:
                return shape.lines(messages), run
        except _Mismatch:
            return "", 0  # mixed shapes after all: the walk takes them one by one

    def _walk(self, buf: bytearray, off: int, end: int, parts: list[str]) -> bool:
        """Message by message from ``off``; returns True at this dump's NLMSG_DONE.

        The hot case (a route of the shape last seen with its length) is inlined: mixed
        datagrams of a big table come this way.
        """
        head, last, add, dump = _HEAD.unpack_from, self._last.get, parts.append, self.seq
        while end - off >= NLMSGHDR_LEN:
            length, mtype, flags, seq = head(buf, off)
            if length < NLMSGHDR_LEN or off + length > end:
                raise DecodeError(f"bad netlink message length {length} at offset {off}")
            if seq == dump:
                if mtype == RTM_NEWROUTE:
                    if flags & NLM_F_DUMP_INTR:
                        self.interrupted = True
                    shape = last(length)
                    if shape is None:
                        add(self._line(buf, off, length))
                    else:
                        before, dst, after = shape.unpack(buf, off)
                        try:
                            add(shape.templates[before, after] % shape.dst_text(dst))
                        except _Mismatch:
                            add(self._line(buf, off, length))
                elif mtype == NLMSG_DONE or mtype == NLMSG_ERROR:  # noqa: SIM109
                    # collect_routes raises NetlinkError with the kernel's errno and text.
                    with memoryview(buf) as view, view[off : off + length] as msg:
                        done, intr = collect_routes(msg, length, seq, [])
                    if done:
                        self.interrupted |= intr
                        return True
            off += (length + 3) & ~3
        return False

    def _line(self, buf: bytearray, off: int, length: int) -> str:
        """One route message's text, through the shapes of its length."""
        if length % 4 or length < NLMSGHDR_LEN + RTMSG_LEN:
            return self.render(decode_route(buf, off, length))  # never seen: no template
        same = self._shapes.setdefault(length, [])
        for shape in same:
            try:
                text = shape.line(buf, off)
            except _Mismatch:
                continue
            self._last[length] = shape
            return text
        shape = _Shape(self, length, *_dst_span(buf, off, length))
        same.insert(0, shape)
        del same[_SHAPES_PER_LENGTH:]
        self._last[length] = shape
        try:
            return shape.line(buf, off)
        except _Mismatch:
            raise DecodeError("route message does not match its own shape") from None


def route_texts(
    path: str | None,
    family: int,
    render: Render,
    *,
    table: int | None = None,
    dst_conversion: str = "%s",
) -> Generator[str, None, None]:
    """The routes of the namespace at ``path`` as text, a datagram at a time (a few hundred
    routes), in dump order: ``family`` and ``table`` as ``route_dump.stream_routes`` takes them,
    ``render`` and ``dst_conversion`` as ``RoutePrinter`` does.  Datagrams are received a few
    ahead on a second thread (``PrefetchSocket``): the kernel fills them on the other core.

    Raises NetlinkError, and DumpInterrupted at the end if the kernel flagged the dump
    (everything has been yielded by then).
    """
    printer = RoutePrinter(render, dst_conversion)
    with open_route_socket(path) as sock, PrefetchSocket(sock, size=RECV_BUFFER) as ahead:
        yield from stream_chunks(ahead, family, printer.read, table=table, drain=False)


def link_names(path: str | None) -> dict[int, str]:
    """ifindex → name of every link in the namespace at ``path`` (None: our own)."""
    with entered(path), IPRoute() as ipr:
        links = ipr.get_links()
    return {m["index"]: kernel_text(m.get("IFLA_IFNAME")) or f"if{m['index']}" for m in links}
