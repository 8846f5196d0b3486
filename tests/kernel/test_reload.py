"""Re-reads after netlink overruns, on real namespaces (issue 13's full-table flap).

The kernel tells a loss (ENOBUFS) once, then drops every event silently until a read leaves
the socket's queue empty.  A re-read whose dump is asked before that misses the changes made
while it runs; so the monitor asks it only after reading the socket empty, never while
another dump runs, and one re-read is due however many losses come.  These tests watch the
monitor's socket from outside (every request sent, every loss, every empty read, every end
of a dump) while a table flaps and the monitor is stalled again and again, and check that the
followed routes end equal to a fresh dump with no "settling" re-read to mend them.
"""

from __future__ import annotations

import errno
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.kernel.follow import Follower, assert_equal_to_kernel
from tests.kernel.test_monitor import build
from tests.netns_helpers import Netns, requires_netns, temp_netns
from tests.patience import wait_until
from tui.kernel.event_socket import FrozenLoader
from tui.kernel.monitor import OVERRUN
from tui.kernel.netlink.const import NLM_F_DUMP, NLMSG_DONE, NLMSG_ERROR
from tui.kernel.netlink.route_dump import open_route_socket
from tui.model import Route
from tui.source.events import SETTLED, Reloading, Snapshot

pytestmark = requires_netns
TABLE = 3000
HEAD = struct.Struct("=IHHII")  # nlmsg_len, type, flags, seq, pid


def ends_dump(buf: Any, n: int, pid: int) -> int | None:
    """The sequence number of the dump this datagram ends (its NLMSG_DONE or error), if any."""
    off = 0
    while n - off >= HEAD.size:
        length, mtype, _, seq, mpid = HEAD.unpack_from(buf, off)
        if length < HEAD.size:
            return None
        if mpid == pid and seq and mtype in (NLMSG_DONE, NLMSG_ERROR):
            return int(seq)
        off += (length + 3) & ~3
    return None


class WatchedSocket(socket.socket):
    """The monitor's socket, noting what crosses it, in order (threads append: atomic):
    ("ask", seq) a dump asked, ("done", seq) its last datagram received, ("lost",) ENOBUFS,
    ("empty",) a read found the queue empty."""

    log: list[tuple[Any, ...]]
    portid: int

    def send(self, data: Any, flags: int = 0) -> int:
        _, _, mflags, seq, _ = HEAD.unpack_from(data)
        if mflags & NLM_F_DUMP == NLM_F_DUMP:
            self.log.append(("ask", seq))
        return super().send(data, flags)

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        try:
            n = super().recv_into(buffer, nbytes, flags)
        except BlockingIOError:
            self.log.append(("empty",))
            raise
        except OSError as exc:
            if exc.errno == errno.ENOBUFS:
                self.log.append(("lost",))
            raise
        ended = ends_dump(buffer, min(n, nbytes or len(buffer)), self.portid)
        if ended is not None:
            self.log.append(("done", ended))
        return n


@contextmanager
def watched_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[Any, ...]]]:
    """Every monitor started meanwhile gets a ``WatchedSocket``; yields their log."""
    log: list[tuple[Any, ...]] = []

    def watched(*args: Any, **kwargs: Any) -> socket.socket:
        sock = open_route_socket(*args, **kwargs)
        mine = WatchedSocket(sock.family, sock.type, sock.proto, fileno=sock.detach())
        mine.log = log
        mine.portid = mine.getsockname()[0]
        return mine

    monkeypatch.setattr("tui.kernel.monitor.open_route_socket", watched)
    yield log


def check_asks(log: list[tuple[Any, ...]]) -> int:
    """No dump asked while another runs; after a loss, none asked before an empty read.
    Returns how many losses the socket told."""
    running: int | None = None
    lost = False
    for entry in log:
        if entry[0] == "ask":
            assert running is None, f"dump {entry[1]} asked while {running} ran: {log}"
            assert not lost, f"dump {entry[1]} asked before the socket was read empty: {log}"
            running = entry[1]
        elif entry[0] == "done" and entry[1] == running:
            running = None
        elif entry[0] == "lost":
            lost = True
        elif entry[0] == "empty":
            lost = False
    return sum(1 for entry in log if entry[0] == "lost")


def table(ns: Netns) -> None:
    build(ns)
    ns.batch(f"route add 10.{100 + i // 250}.{i % 250}.0/24 via 10.1.0.2" for i in range(TABLE))


def flap_stalled(ns: Netns, follower: Follower, rounds: int) -> None:
    """Every route deleted and added back ``rounds`` times, the monitor stalled during each
    half (its socket overflows), released in between (a re-read starts, and is overrun)."""
    for n in range(rounds):
        gw = "10.2.0.2" if n % 2 == 0 else "10.1.0.2"
        for lines in (
            [f"route del 10.{100 + i // 250}.{i % 250}.0/24" for i in range(TABLE)],
            [f"route add 10.{100 + i // 250}.{i % 250}.0/24 via {gw}" for i in range(TABLE)],
        ):
            follower.gate.clear()
            ns.ip("route", "replace", "10.99.0.0/24", "via", gw)  # blocks it in emit
            ns.batch(lines)
            follower.gate.set()


def test_repeated_overruns_during_a_flap_end_equal_without_a_settling_reread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with temp_netns("fsrr") as ns, watched_sockets(monkeypatch) as log:
        table(ns)
        with Follower(ns.path, rcvbuf=4096) as follower:
            follower.wait_loaded()
            flap_stalled(ns, follower, rounds=2)
            assert_equal_to_kernel(follower, ns.path)
            losses = check_asks(log)
            reasons = [e.reason for e in follower.events if isinstance(e, Snapshot)]
            reloads = [e for e in follower.events if isinstance(e, Reloading)]
        assert losses >= 2, log
        assert OVERRUN in reasons and not any(p.fatal for p in follower.problems)
        # every re-read was exact: none had to be mended by one more once things were quiet
        assert SETTLED not in reasons, reasons
        # one re-read due at a time: announced once per loss at most, each followed by one
        # snapshot of the whole namespace
        assert 1 <= len(reloads) <= losses
        assert reasons.count(OVERRUN) <= losses


def test_changes_made_while_a_reread_dumps_are_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Changes made after the re-read's first datagram (keys the dump has passed, keys it has
    not reached, new ones before and after) are in the store it hands over."""
    armed = threading.Event()
    made: list[int] = []
    ns_box: list[Netns] = []
    dumped = FrozenLoader.dumped

    def dumped_then_change(self: FrozenLoader, pos: int, routes: Any) -> None:
        dumped(self, pos, routes)
        if armed.is_set() and not made:
            made.append(len(self.store))
            ns = ns_box[0]  # the monitor's thread waits: the rest of the dump comes after
            ns.batch(
                [f"route del 10.{100 + i // 250}.{i % 250}.0/24" for i in range(0, TABLE, 60)]
                + [f"route del 10.96.0.{i}/32" for i in range(0, 200, 5)]
                + [f"route replace 10.96.0.{i}/32 via 10.2.0.2" for i in (1, 2, 3)]
                + [f"route add 10.{n}.{i}.0/24 via 10.2.0.2" for n in (5, 98) for i in range(20)]
            )

    monkeypatch.setattr(FrozenLoader, "dumped", dumped_then_change)
    with temp_netns("fsrr") as ns, watched_sockets(monkeypatch) as log:
        ns_box.append(ns)
        table(ns)  # and 20,000 more: the dump is long beside the read-ahead's 8 datagrams
        ns.batch(f"route add 10.96.{i // 250}.{i % 250}/32 via 10.1.0.2" for i in range(20000))
        with Follower(ns.path, rcvbuf=1 << 16) as follower:
            follower.wait_loaded()
            follower.gate.clear()
            ns.ip("route", "add", "10.99.0.0/24", "via", "10.1.0.2")  # blocks it in emit
            ns.batch(f"route add 10.97.{i // 250}.{i % 250}/32 via 10.1.0.2" for i in range(1500))
            armed.set()  # the next full dump is the re-read after the loss
            follower.gate.set()
            wait_until(lambda: made, "the re-read's first datagram")
            assert_equal_to_kernel(follower, ns.path)
            check_asks(log)
            reasons = [e.reason for e in follower.events if isinstance(e, Snapshot)]
        assert made[0] < TABLE, "the changes came before the dump had passed every key"
        assert reasons[:2] == ["loaded", OVERRUN] and SETTLED not in reasons, reasons
        routes: list[Route] = follower.routes()
        new = [r for r in routes if r.dst.startswith(("10.5.", "10.98."))]
        assert len(new) == 40 and all(r.gateway == "10.2.0.2" for r in new)
