"""Following a namespace's routing state through netlink events.

The socket joins the groups *before* the first dump, so no change between the dump and the
first event is lost.  Route events become deltas decoded by the fast codec; link, address,
rule and netconf events re-read the small state (cheap).  ENOBUFS (an overrun: events were
dropped) closes the socket and starts again with a fresh dump.  A namespace whose file went
away is reported once and the monitor ends.
"""

from __future__ import annotations

import errno
import os
import select
import socket
import threading
from collections.abc import Callable

from pyroute2 import IPRoute

from tui.events import Event, Problem, RouteChanges, SmallChanged, Snapshot
from tui.kernel.dump import read_ipv6_proc_routes, read_netns, read_small, read_sysctls
from tui.kernel.netns import NetnsError, entered
from tui.kernel.route_codec import RTM_DELROUTE, RTM_NEWROUTE, DecodeError, iter_messages
from tui.kernel.route_dump import open_route_socket
from tui.model import RTM_F_CLONED, Route

SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
# RTNLGRP_* numbers: link, ipv4 ifaddr, ipv4 route, ipv4 rule, ipv6 ifaddr, ipv6 route,
# ipv4 netconf, ipv6 rule, ipv6 netconf.
GROUPS = (1, 5, 7, 8, 9, 11, 24, 19, 25)
ROUTE_TYPES = (RTM_NEWROUTE, RTM_DELROUTE)
RECV_BUFFER = 1 << 18
NLM_F_REPLACE = 0x100


def _join_groups(sock: socket.socket) -> None:
    for group in GROUPS:
        try:
            sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group)
        except OSError:
            continue  # an old kernel without that group: the rest still works


class Monitor:
    """Reads one namespace and follows it in a thread of its own until stopped."""

    def __init__(
        self, path: str | None, emit: Callable[[Event], None], *, rcvbuf: int = 32 << 20
    ) -> None:
        self.path = path
        self.emit = emit
        self.rcvbuf = rcvbuf
        self._stop = threading.Event()
        self._identity = self._stat()

    def _stat(self) -> tuple[int, int] | None:
        if self.path is None:
            return None
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_dev, st.st_ino)

    def stop(self) -> None:
        """Ask the thread to end (it checks at least every half second)."""
        self._stop.set()

    def _gone(self) -> bool:
        return self.path is not None and self._stat() != self._identity

    def _small(self) -> SmallChanged:
        with entered(self.path):
            with IPRoute() as ipr:
                links, addresses, rules = read_small(ipr)
            return SmallChanged(links, addresses, rules, read_sysctls(), read_ipv6_proc_routes())

    def run(self) -> None:
        """The thread body: (re)subscribe, dump, follow; overruns restart, faults are reported."""
        reason = "loaded"
        while not self._stop.is_set():
            try:
                sock = open_route_socket(self.path, rcvbuf=self.rcvbuf)
            except (NetnsError, OSError) as exc:
                self.emit(Problem(f"namespace unavailable: {exc}", fatal=True))
                return
            try:
                _join_groups(sock)
                self.emit(Snapshot(read_netns(self.path), reason))
                self._follow(sock)
                return
            except OSError as exc:
                if exc.errno == errno.ENOBUFS:
                    reason = "netlink overrun: events were lost, re-read the whole namespace"
                    self.emit(Problem(reason, fatal=False))
                    continue
                if isinstance(exc, NetnsError) or self._gone():
                    self.emit(Problem(f"namespace has gone: {exc}", fatal=True))
                    return
                self.emit(Problem(f"monitor error: {exc}", fatal=True))
                return
            finally:
                sock.close()

    def _follow(self, sock: socket.socket) -> None:
        buf = bytearray(RECV_BUFFER)
        while not self._stop.is_set():
            ready, _, _ = select.select([sock], [], [], 0.5)
            if not ready:
                if self._gone():
                    self.emit(Problem("namespace has gone (deleted while shown)", fatal=True))
                    return
                continue
            changes: list[tuple[bool, bool, Route]] = []
            small = False
            while True:
                try:
                    n = sock.recv_into(buf, len(buf), socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
                try:
                    for mtype, mflags, route in iter_messages(buf, n):
                        if route is not None and mtype in ROUTE_TYPES:
                            if not route.flags & RTM_F_CLONED:
                                new = mtype == RTM_NEWROUTE
                                changes.append((new, bool(mflags & NLM_F_REPLACE), route))
                        elif mtype not in ROUTE_TYPES:
                            small = True
                except DecodeError as exc:
                    raise OSError(errno.ENOBUFS, f"undecodable event: {exc}") from exc
            if changes:
                self.emit(RouteChanges(tuple(changes)))
            if small:
                self.emit(self._small())
