"""The monitor's read-ahead: the socket's datagrams and errors in the socket's order, ENOBUFS
handed over in its place and receiving going on after it, MSG_DONTWAIT and MSG_TRUNC as the
socket has them, and a stop that still hands out what was received before the socket is the
monitor's again.  Datagram sockets (``socketpair``) stand in for netlink, to control what
arrives; the monitor's own tests load real namespaces through it."""

from __future__ import annotations

import errno
import socket
from typing import Any

import pytest

from tui.kernel.read_ahead import ReadAhead


def pair() -> tuple[socket.socket, socket.socket]:
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)


def test_datagrams_in_order_dontwait_and_trunc() -> None:
    ours, peer = pair()
    with ours, peer:
        ahead = ReadAhead(ours, size=64, depth=2)
        buf = bytearray(64)
        with pytest.raises(BlockingIOError):
            ahead.recv_into(buf, 64, socket.MSG_DONTWAIT)
        for i in range(10):
            peer.send(bytes([i]) * (10 + i))
        for i in range(10):
            assert ahead.wait(5.0)
            assert ahead.recv_into(buf, 64, socket.MSG_DONTWAIT) == 10 + i
            assert buf[: 10 + i] == bytes([i]) * (10 + i)
        peer.send(b"y" * 100)  # longer than the buffers: cut, like the socket without TRUNC
        assert ahead.recv_into(buf, 64) == 64 and buf == bytearray(b"y" * 64)
        peer.send(b"z" * 100)
        assert ahead.recv_into(buf, 64, socket.MSG_TRUNC) == 100
        assert not ahead.exhausted()  # still receiving
        ahead.stop()
        assert ahead.exhausted() and not ahead._thread.is_alive()


def test_stop_hands_out_what_was_received_then_the_socket_is_free() -> None:
    ours, peer = pair()
    with ours, peer:
        ahead = ReadAhead(ours, size=16, depth=3)
        for i in range(6):
            peer.send(bytes([i]))
        while ahead._full.qsize() < 3:  # the thread fills its three buffers, then waits
            assert ahead._thread.is_alive()
        ahead.stop()  # waiting for a buffer: woken and joined
        assert not ahead._thread.is_alive()
        buf = bytearray(16)
        got = []
        while not ahead.exhausted():
            assert ahead.recv_into(buf, 16, socket.MSG_DONTWAIT) == 1
            got.append(buf[0])
        assert got == [0, 1, 2]
        with pytest.raises(BlockingIOError):
            ahead.recv_into(buf, 16, socket.MSG_DONTWAIT)
        rest = [ours.recv(16)[0] for _ in range(3)]  # the socket's, in order, none lost
        assert rest == [3, 4, 5]


def test_enobufs_in_its_place_and_receiving_goes_on() -> None:
    class Overrun(socket.socket):
        """The second receive fails as a netlink socket that lost events does."""

        calls = 0

        def recv_into(self, *args: Any) -> int:
            Overrun.calls += 1
            if Overrun.calls == 2:
                raise OSError(errno.ENOBUFS, "No buffer space available")
            return super().recv_into(*args)

    ours, peer = pair()
    with Overrun(fileno=ours.detach()) as sock, peer:
        ahead = ReadAhead(sock, size=16)
        peer.send(b"a")
        peer.send(b"b")
        buf = bytearray(16)
        assert ahead.recv_into(buf, 16) == 1 and buf[:1] == b"a"
        with pytest.raises(OSError) as info:
            ahead.recv_into(buf, 16)
        assert info.value.errno == errno.ENOBUFS
        assert ahead.recv_into(buf, 16) == 1 and buf[:1] == b"b"
        ahead.stop()
        assert ahead.exhausted()


def test_other_errors_end_it_after_handing_them_over() -> None:
    class Broken(socket.socket):
        def recv_into(self, *args: Any) -> int:
            raise OSError(errno.EBADF, "Bad file descriptor")

    ours, peer = pair()
    with Broken(fileno=ours.detach()) as sock, peer:
        ahead = ReadAhead(sock, size=16)
        peer.send(b"x")
        with pytest.raises(OSError) as info:
            ahead.recv_into(bytearray(16))
        assert info.value.errno == errno.EBADF
        ahead._thread.join()  # it ended by itself
        assert not ahead.wait(0)
        ahead.stop()
        assert ahead.exhausted()
