"""The prefetching socket: the same datagrams in the same order as the plain socket, bounded
read-ahead, prompt stop in every state, errors raised in the reader, MSG_TRUNC semantics.

Datagram sockets (``socketpair``) stand in for netlink where the test needs to control what
arrives; the dump loop runs on a real namespace with several thousand routes.
"""

from __future__ import annotations

import errno
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.netns_helpers import Netns, requires_netns, temp_netns
from tui.kernel.netlink.prefetch import PrefetchSocket
from tui.kernel.netlink.route_codec import collect_routes
from tui.kernel.netlink.route_dump import (
    RECV_BUFFER,
    open_route_socket,
    stream_chunks,
    stream_routes,
)
from tui.model import AF_INET, AF_INET6, Route


def pair() -> tuple[socket.socket, socket.socket]:
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)


def test_datagrams_in_order_with_msg_trunc() -> None:
    ours, peer = pair()
    with ours, peer, PrefetchSocket(ours, size=64, depth=2) as ahead:
        for i in range(10):
            peer.send(bytes([i]) * (10 + i))
        buf = bytearray(64)
        for i in range(10):
            assert ahead.recv_into(buf, 64, socket.MSG_TRUNC) == 10 + i
            assert buf[: 10 + i] == bytes([i]) * (10 + i)
        peer.send(b"y" * 100)  # longer than the thread's buffers: cut, full length reported
        assert ahead.recv_into(buf, 64, socket.MSG_TRUNC) == 100
        peer.send(b"z" * 30)
        assert ahead.recv_into(buf, 8) == 8 and buf[:8] == b"z" * 8


def test_read_ahead_is_bounded_and_close_is_prompt() -> None:
    ours, peer = pair()
    with ours, peer:
        ahead = PrefetchSocket(ours, size=16, depth=3)
        for _ in range(10):
            peer.send(b"d")
        while ahead._full.qsize() < 3:  # the thread fills its buffers...
            time.sleep(0.01)
        time.sleep(0.05)
        assert ahead._full.qsize() == 3  # ...and then waits for a free one: no more
        ahead.close()  # waiting for a buffer: close wakes it and joins it
        assert not ahead._thread.is_alive()
        idle = PrefetchSocket(ours, size=16)
        time.sleep(0.05)  # let it reach its poll (not a measurement)
        idle.close()  # waiting in poll
        assert not idle._thread.is_alive()


def test_receive_errors_are_raised_in_the_reader() -> None:
    class Failing(socket.socket):
        def recv_into(self, *args: Any) -> int:
            raise OSError(errno.ENOBUFS, "No buffer space available")

    ours, peer = pair()
    with Failing(fileno=ours.detach()) as failing, peer, PrefetchSocket(failing, size=16) as ahead:
        peer.send(b"x")
        with pytest.raises(OSError) as info:
            ahead.recv_into(bytearray(16))
        assert info.value.errno == errno.ENOBUFS


@pytest.fixture(scope="module")
def dump_ns() -> Iterator[Netns]:
    with temp_netns("fsf") as ns:
        ns.veth("v0", "v0p")
        ns.ip("addr", "add", "10.254.0.1/24", "dev", "v0")
        ns.ip("-6", "addr", "add", "2001:db8:ff::1/64", "dev", "v0", "nodad")
        lines = [f"route add 20.{i >> 8}.{i & 255}.0/24 via 10.254.0.2" for i in range(3000)]
        lines += [f"route add 30.0.{i}.0/24 dev v0 table 1000" for i in range(200)]
        lines += [f"route add 2001:db8:{i:x}::/48 via 2001:db8:ff::2" for i in range(1000)]
        ns.batch(lines)
        yield ns


def read_routes(buf: bytearray, end: int, seq: int) -> tuple[list[Route], bool, bool]:
    routes: list[Route] = []
    return routes, *collect_routes(buf, end, seq, routes)


@requires_netns
@pytest.mark.parametrize(
    ("family", "table"), [(0, None), (AF_INET, 1000), (AF_INET6, 254), (AF_INET, 77)]
)
def test_dumps_through_it_equal_plain_dumps(dump_ns: Netns, family: int, table: int | None) -> None:
    with open_route_socket(dump_ns.path) as sock:
        plain = list(stream_routes(sock, family, table=table))
        with PrefetchSocket(sock, size=RECV_BUFFER) as ahead:
            chunks = list(stream_chunks(ahead, family, read_routes, table=table))
    assert [r for chunk in chunks for r in chunk] == plain
    assert len(chunks) > 2 or table is not None


@requires_netns
def test_abandoned_dump_is_drained_through_it(dump_ns: Netns) -> None:
    """Datagrams already taken by the thread are drained from its queue, not lost."""
    with open_route_socket(dump_ns.path) as sock, PrefetchSocket(sock, size=RECV_BUFFER) as ahead:
        stream = stream_chunks(ahead, AF_INET, read_routes)
        first = next(stream)
        time.sleep(0.1)  # let the thread run ahead
        stream.close()
        again = [r for chunk in stream_chunks(ahead, AF_INET, read_routes) for r in chunk]
    assert again[: len(first)] == first and len(again) > 3000
