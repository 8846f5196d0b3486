"""The column decoder on hand-made datagrams: the shapes a live kernel rarely builds
(attributes fibscope does not know, kept raw at the top, inside metrics and inside a next
hop; a lone encap type; an odd-sized address; a message whose length is not a multiple of
four), runs cut by another shape of the same length, other sequence numbers, an interrupted
dump.  Every datagram goes through both decoders; the columns must be identical."""

from __future__ import annotations

import json
import socket
import struct
from collections.abc import Callable

import pytest

from tests.kernel.test_route_codec_bytes import NLA_F_NESTED, addr, attr, done, message, u32
from tui import capture
from tui.capture.column_writer import ChunkColumn, ColumnWriter
from tui.kernel.netlink.const import (
    NLM_F_DUMP_INTR,
    NLM_F_MULTI,
    RTA_CACHEINFO,
    RTA_DST,
    RTA_ENCAP,
    RTA_ENCAP_TYPE,
    RTA_FLOW,
    RTA_GATEWAY,
    RTA_METRICS,
    RTA_MULTIPATH,
    RTA_NH_ID,
    RTA_OIF,
    RTA_PREF,
    RTA_PREFSRC,
    RTA_PRIORITY,
    RTA_SRC,
    RTA_TABLE,
    RTA_VIA,
)
from tui.kernel.netlink.route_codec import collect_routes
from tui.kernel.netlink.route_column_shapes import MIN_RUN, collect_columns
from tui.model import AF_INET6, Route

Shape = Callable[[int], bytes]  # i -> the i-th message of a run


def _hop(*attrs: bytes, flags: int = 0, hops: int = 0, ifindex: int = 2) -> bytes:
    body = b"".join(attrs)
    return struct.pack("=HBBi", 8 + len(body), flags, hops, ifindex) + body


def _metrics(*pairs: bytes) -> bytes:
    return attr(RTA_METRICS | NLA_F_NESTED, b"".join(pairs))


SHAPES: dict[str, Shape] = {
    "plain": lambda i: message(
        u32(RTA_TABLE, 254), addr(RTA_DST, f"20.{i >> 8}.{i & 255}.0"), u32(RTA_OIF, 2)
    ),
    "gateways": lambda i: message(
        u32(RTA_TABLE, 254),
        addr(RTA_DST, f"21.0.{i & 255}.0"),
        addr(RTA_GATEWAY, f"10.0.{i % 3}.{2 + i % 7}"),
        u32(RTA_OIF, 2 + i % 2),
        u32(RTA_PRIORITY, i),
    ),
    "unknown top": lambda i: message(
        addr(RTA_DST, f"22.0.{i & 255}.0"), attr(99, bytes([i & 255, 1, 2])), u32(RTA_OIF, 2)
    ),
    "unknown metric": lambda i: message(
        addr(RTA_DST, f"23.0.{i & 255}.0"),
        _metrics(u32(2, 1400 + i), attr(16, b"cubic\0"), u32(40, i), attr(3, b"\1")),
    ),
    "multipath": lambda i: message(
        addr(RTA_DST, f"24.0.{i & 255}.0"),
        attr(
            RTA_MULTIPATH,
            _hop(addr(RTA_GATEWAY, "10.1.0.2"), u32(RTA_FLOW, 7), flags=16, hops=i % 3)
            + _hop(
                attr(RTA_VIA, struct.pack("=H", AF_INET6) + socket.inet_pton(AF_INET6, "fe80::1"))
            )
            + _hop(attr(77, b"\xaa\xbb"), attr(RTA_ENCAP_TYPE, struct.pack("=H", 2)))
            + _hop(
                attr(RTA_ENCAP_TYPE, struct.pack("=H", 1)), attr(RTA_ENCAP, bytes([i, 0, 0, 8]))
            ),
        ),
    ),
    "encap": lambda i: message(
        addr(RTA_DST, f"25.0.{i & 255}.0"),
        attr(RTA_ENCAP_TYPE, struct.pack("=H", 2)),
        attr(RTA_ENCAP, bytes([i & 255]) * 12),
        u32(RTA_FLOW, 3 << 16 | 4),
    ),
    "lone encap data": lambda i: message(
        addr(RTA_DST, f"26.0.{i & 255}.0"), attr(RTA_ENCAP, b"\1\2\3\4")
    ),
    "odd address": lambda i: message(attr(RTA_DST, b"\1\2\3"), u32(RTA_NH_ID, i)),
    "ipv6": lambda i: message(
        addr(RTA_DST, f"2001:db8:{i:x}::"),
        addr(RTA_SRC, "2001:db8:ffff::"),
        addr(RTA_GATEWAY, f"fe80::{1 + i % 3:x}"),
        addr(RTA_PREFSRC, "fd00::1"),
        attr(RTA_CACHEINFO, struct.pack("=IIiIIIII", 0, 0, (i - 20) * 37, 0, 0, 0, 0, 0)),
        attr(RTA_PREF, bytes([i % 2])),
        family=AF_INET6,
        dst_len=48,
    ),
    # RTA_PREF left unpadded: a message length that is not a multiple of four.
    "unpadded": lambda i: (
        message(addr(RTA_DST, f"27.0.{i & 255}.0"), struct.pack("=HH", 5, RTA_PREF) + b"\1")
        + b"\0" * 3
    ),
}


def _msg(name: str, i: int) -> bytes:
    return SHAPES[name](i)


def _through_both(datagrams: list[bytes], seq: int = 1) -> tuple[str, str, int]:
    """Each datagram through the column decoder and the general one: both columns as JSON
    text, and how many routes came as columns."""
    fast, general = ColumnWriter(), ColumnWriter()
    pending: list[Route] = []
    emitted = 0

    def emit(n: int, columns: list[ChunkColumn]) -> None:
        nonlocal emitted
        if pending:
            fast.add(pending)
            pending.clear()
        fast.add_columns(n, columns)
        emitted += n

    for data in datagrams:
        routes: list[Route] = []
        assert collect_columns(data, len(data), seq, pending, emit) == collect_routes(
            data, len(data), seq, routes
        )
        general.add(routes)
    fast.add(pending)
    fast_text = json.dumps(capture.route_columns_json(fast))
    return fast_text, json.dumps(capture.route_columns_json(general)), emitted


@pytest.mark.parametrize("name", SHAPES)
def test_each_shape_as_columns_equals_the_general_decoder(name: str) -> None:
    run = b"".join(SHAPES[name](i) for i in range(60))
    fast, general, emitted = _through_both([run, run + done()])
    assert fast == general
    assert emitted >= 60 + 59  # all but the first message, which teaches the shape


def test_mixed_runs_same_lengths_other_sequences_and_an_interruption() -> None:
    parts = [_msg("plain", i) for i in range(30)]
    parts += [_msg("unknown top", i) for i in range(5)]  # another shape
    parts += [_msg("plain", i) for i in range(30, 50)]
    parts += [message(addr(RTA_DST, f"20.9.{i}.0"), u32(RTA_OIF, 2), seq=7) for i in range(20)]
    # Same length as "plain", attributes in another order: a run must stop at it.
    parts += [
        message(u32(RTA_OIF, 2), addr(RTA_DST, f"20.8.{i}.0"), u32(RTA_TABLE, 100))
        if i % 9 == 4
        else _msg("plain", 100 + i)
        for i in range(60)
    ]
    parts += [_msg("gateways", i) for i in range(40)]
    interrupted = message(
        u32(RTA_TABLE, 254), addr(RTA_DST, "20.7.0.0"), u32(RTA_OIF, 2),
        flags=NLM_F_MULTI | NLM_F_DUMP_INTR,
    )  # fmt: skip
    parts += [interrupted] + [_msg("plain", 200 + i) for i in range(30)]
    half = len(parts) // 2
    datagrams = [b"".join(parts[:half]), b"".join(parts[half:]), done()]
    fast, general, emitted = _through_both(datagrams)
    assert fast == general
    assert emitted > MIN_RUN


def test_alternating_shapes_fall_back_to_one_at_a_time() -> None:
    data = b"".join(_msg("plain" if i % 2 else "gateways", i) for i in range(200))
    fast, general, _ = _through_both([data + done()])
    assert fast == general
