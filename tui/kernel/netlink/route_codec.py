"""Struct-based decoder of netlink RTM_NEWROUTE / RTM_DELROUTE messages into ``Route``.

The hot path for hosts with a million routes, where pyroute2's generic parser needs ~46 µs and
4 KB per message.  Each message shape is compiled once (``route_shapes``); messages are matched
to a compiled shape by their length and the attribute headers the shape checks.  The result is
pure data, every message kept: cloned entries too (``Route.flags & RTM_F_CLONED``).

``decode_route`` decodes one message, ``iter_messages`` walks any rtnetlink datagram (for the
event monitor), ``collect_routes`` is the dump loop with the least overhead per message.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator

from tui.kernel.netlink.const import (
    NLA_TYPE_MASK,
    NLATTR,
    NLM_F_ACK_TLVS,
    NLM_F_CAPPED,
    NLM_F_DUMP_INTR,
    NLMSG_DONE,
    NLMSG_ERROR,
    NLMSGERR_ATTR_MSG,
    NLMSGHDR_LEN,
    RTM_DELROUTE,
    RTM_NEWROUTE,
    RTMSG_LEN,
)
from tui.kernel.netlink.route_runs import Run, compile_run
from tui.kernel.netlink.route_shapes import (
    USER_HZ,
    Builder,
    DecodeError,
    ReadableBuffer,
    compile_shape,
)
from tui.model import Route

# The rtnetlink numbers are re-exported: callers import them from here.
__all__ = [
    "USER_HZ",
    "DecodeError",
    "NetlinkError",
    "ReadableBuffer",
    "collect_routes",
    "decode_route",
    "iter_messages",
]

_HEAD = struct.Struct("=IHHI")  # nlmsg_len, nlmsg_type, nlmsg_flags, nlmsg_seq
_ERRNO = struct.Struct("=i")

# length → builders tried in turn (most recent first); length → the builder that last matched.
_SHAPES: dict[int, list[Builder]] = {}
_LAST: dict[int, Builder] = {}
_SHAPES_PER_LENGTH = 8
_SHAPES_MAX = 4096


# length → the loop decoding a run of messages of the shape last compiled for it, and how
# many messages in a row of that length it did not take (RUN_AFTER: compile one from the next).
_RUNS: dict[int, Run] = {}
_MISSES: dict[int, int] = {}
RUN_AFTER = 8


def _new_run(buf: ReadableBuffer, off: int, length: int) -> None:
    """Compile the run loop for the shape of the message at ``off`` (bounded cache)."""
    if len(_RUNS) >= _SHAPES_MAX:
        _RUNS.clear()
        _MISSES.clear()
    try:
        run = compile_run(buf, off, length)
    except DecodeError:
        run = None  # a malformed message: the builder path says what is wrong
    if run is not None:
        _RUNS[length] = run
        _MISSES[length] = 0
    else:
        _RUNS.pop(length, None)
        _MISSES[length] = -(1 << 20)  # not tried again for a long while


class NetlinkError(OSError):
    """The kernel answered with an error (NLMSG_ERROR, or NLMSG_DONE carrying one).

    An OSError with the kernel's errno; ``detail`` is its extended-ack text when it sent one.
    """

    def __init__(self, errno: int, context: str = "netlink", detail: str | None = None) -> None:
        text = f"{context}: {os.strerror(errno)}"
        super().__init__(errno, f"{text} ({detail})" if detail else text)
        self.detail = detail


def decode_route(buf: ReadableBuffer, offset: int, length: int) -> Route:
    """Decode the route message of ``length`` bytes whose nlmsghdr starts at ``offset``."""
    if length < NLMSGHDR_LEN + RTMSG_LEN or offset + length > len(buf):
        raise DecodeError(f"route message of {length} bytes at offset {offset} is truncated")
    start = offset + NLMSGHDR_LEN
    build = _LAST.get(length)
    if build is not None and (route := build(buf, start)) is not None:
        return route
    for build in _SHAPES.get(length, ()):
        if (route := build(buf, start)) is not None:
            _LAST[length] = build
            return route
    build = compile_shape(buf, start, offset + length)
    if len(_SHAPES) >= _SHAPES_MAX:
        _SHAPES.clear()
        _LAST.clear()
    same = _SHAPES.setdefault(length, [])
    same.insert(0, build)
    del same[_SHAPES_PER_LENGTH:]
    _LAST[length] = build
    route = build(buf, start)
    if route is None:  # a builder always matches the message it was compiled from
        raise DecodeError("route message does not match its own shape")
    return route


def last_builder(length: int) -> Builder | None:
    """The builder that decoded the latest route message of ``length`` bytes (after
    ``decode_route``: the one that decoded that message)."""
    return _LAST.get(length)


def _ext_ack_text(buf: ReadableBuffer, off: int, length: int, mtype: int, mflags: int) -> str:
    """The kernel's extended-ack message (NLMSGERR_ATTR_MSG), or "" when it sent none."""
    if not mflags & NLM_F_ACK_TLVS:
        return ""
    pos, end = off + NLMSGHDR_LEN + 4, off + length
    if mtype == NLMSG_ERROR:  # skip the echoed request
        if end - pos < NLMSGHDR_LEN:
            return ""
        echoed = _HEAD.unpack_from(buf, pos)[0]
        pos += NLMSGHDR_LEN if mflags & NLM_F_CAPPED else (echoed + 3) & ~3
    while end - pos >= 4:
        nla_len, nla_type = NLATTR.unpack_from(buf, pos)
        if nla_len < 4 or pos + nla_len > end:
            break
        if nla_type & NLA_TYPE_MASK == NLMSGERR_ATTR_MSG:
            raw = bytes(buf[pos + 4 : pos + nla_len]).split(b"\0", 1)[0]
            return raw.decode("utf-8", "replace")
        pos += (nla_len + 3) & ~3
    return ""


def _raise_error(buf: ReadableBuffer, off: int, length: int, mtype: int, mflags: int) -> None:
    """Raise NetlinkError if an NLMSG_ERROR / NLMSG_DONE message carries a negative errno."""
    err = _ERRNO.unpack_from(buf, off + NLMSGHDR_LEN)[0] if length >= NLMSGHDR_LEN + 4 else 0
    if err < 0:
        what = "dump" if mtype == NLMSG_DONE else "request"
        detail = _ext_ack_text(buf, off, length, mtype, mflags)
        raise NetlinkError(-err, f"netlink {what} failed", detail or None)


def iter_messages(
    buf: ReadableBuffer, end: int | None = None, *, seq: int | None = None
) -> Iterator[tuple[int, int, Route | None]]:
    """Walk one datagram (``buf[:end]``), yielding ``(nlmsg_type, nlmsg_flags, route)``.

    ``route`` is a Route for RTM_NEWROUTE / RTM_DELROUTE and None for every other message.
    NLMSG_ERROR with an errno (an ACK is errno 0) and NLMSG_DONE carrying one raise
    NetlinkError; the walk stops after NLMSG_DONE.  Callers test ``flags & NLM_F_DUMP_INTR``.
    With ``seq``, messages of other sequence numbers (stale, or events) are skipped.
    """
    end = len(buf) if end is None else end
    off = 0
    while end - off >= NLMSGHDR_LEN:
        length, mtype, mflags, mseq = _HEAD.unpack_from(buf, off)
        if length < NLMSGHDR_LEN or off + length > end:
            raise DecodeError(f"bad netlink message length {length} at offset {off}")
        if seq is None or mseq == seq:
            if mtype == RTM_NEWROUTE or mtype == RTM_DELROUTE:  # noqa: SIM109 (hot path: no tuple)
                yield mtype, mflags, decode_route(buf, off, length)
            else:
                if mtype == NLMSG_ERROR or mtype == NLMSG_DONE:  # noqa: SIM109
                    _raise_error(buf, off, length, mtype, mflags)
                yield mtype, mflags, None
                if mtype == NLMSG_DONE:
                    return
        off += (length + 3) & ~3


def collect_routes(buf: ReadableBuffer, end: int, seq: int, out: list[Route]) -> tuple[bool, bool]:
    """Append the routes of one dump datagram to ``out``; return ``(done, interrupted)``.

    ``done``: NLMSG_DONE was seen; ``interrupted``: a message carried NLM_F_DUMP_INTR.  Only
    messages of ``seq`` count.  Raises NetlinkError / DecodeError like ``iter_messages``.  This
    is ``iter_messages`` without a generator frame and a tuple per route, for dump loops.
    """
    off = 0
    head = _HEAD.unpack_from
    last = _LAST.get
    runs = _RUNS.get
    append = out.append
    interrupted = False
    while end - off >= NLMSGHDR_LEN:
        length, mtype, mflags, mseq = head(buf, off)
        if length < NLMSGHDR_LEN or off + length > end:
            raise DecodeError(f"bad netlink message length {length} at offset {off}")
        if mseq == seq:
            if mtype == RTM_NEWROUTE:
                run = runs(length)
                if run is not None and (taken := run(buf, off, end, seq, append)) != off:
                    _MISSES[length] = 0
                    off = taken  # a run of messages of one shape, decoded in one loop
                    continue
                misses = _MISSES.get(length, RUN_AFTER)
                if misses >= RUN_AFTER:
                    _new_run(buf, off, length)  # this shape now, or the first of the length
                else:
                    _MISSES[length] = misses + 1
                build = last(length)
                route = build(buf, off + NLMSGHDR_LEN) if build is not None else None
                append(route if route is not None else decode_route(buf, off, length))
                if mflags & NLM_F_DUMP_INTR:
                    interrupted = True
            elif mtype == NLMSG_DONE or mtype == NLMSG_ERROR:  # noqa: SIM109
                _raise_error(buf, off, length, mtype, mflags)
                if mtype == NLMSG_DONE:
                    return True, interrupted or bool(mflags & NLM_F_DUMP_INTR)
        off += (length + 3) & ~3
    return False, interrupted
