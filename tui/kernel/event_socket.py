"""The monitor's netlink socket: the groups it joins, its limits, and the route dump that runs
on it between events (one family after the other, a full load or the routes of one link),
and the small state (links, addresses, rules, sysctls, nexthop objects) it re-reads."""

from __future__ import annotations

import contextlib
import errno
import gc
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable

from tui.kernel.netlink.const import NLMSG_DONE, NLMSG_ERROR, RTM_DELROUTE, RTM_NEWROUTE
from tui.kernel.netlink.dump import read_ipv6_proc_routes, read_small_here, read_sysctls
from tui.kernel.netlink.link_dump import oif_request
from tui.kernel.netlink.nexthop_codec import read_nexthops
from tui.kernel.netlink.route_codec import DecodeError, collect_routes, decode_route
from tui.kernel.netlink.route_dump import dump_request, next_seq
from tui.kernel.netns import entered
from tui.kernel.nexthop_watch import read_compat_mode
from tui.kernel.unindexed import DumpStash
from tui.model import (
    AF_INET,
    AF_INET6,
    IFF_LOWER_UP,
    IFF_UP,
    NetnsState,
    Route,
)
from tui.store.identity import route_key, uses_link
from tui.store.loader import RACE_WINDOW, DumpLoader

SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
# RTNLGRP_* numbers: link, ipv4 ifaddr, ipv4 route, ipv4 rule, ipv6 ifaddr, ipv6 route,
# ipv4 netconf, ipv6 rule, ipv6 netconf, nexthop.
GROUPS = (1, 5, 7, 8, 9, 11, 24, 19, 25, 32)
IFF_RUNNING = 0x40
LINK_STATE = IFF_UP | IFF_RUNNING | IFF_LOWER_UP
RECV_BUFFER = 1 << 18
BATCH_SECONDS = 0.05  # events are handed over at least this often while they pour in
GONE_CHECK_SECONDS = 0.5
QUIET_SECONDS = 1.0
BIG_REFRESH = 50_000  # a partial re-read this large is redone as a full one (cheaper to apply)
MAX_RCVBUF = 256 << 20  # overruns double the socket buffer up to this
OVERRUN = "netlink overrun: events were lost, re-reading the whole namespace"
NEXTHOPS_CHANGED = "nexthop objects changed"
SEQ_PID = struct.Struct("=II")  # nlmsg_seq, nlmsg_pid: at offset 8 of a message
HEAD = struct.Struct("=IHH")  # nlmsg_len, nlmsg_type, nlmsg_flags
HEAD_SEQ = struct.Struct("=IHHI")  # ... and nlmsg_seq
FAILURES = 3  # dumps failing in a row before the monitor gives up

Change = tuple[bool, int, Route]
FREEZE_ROUTES = 50_000  # a load bigger than this is handed to the collector frozen


class FrozenLoader(DumpLoader):
    """A ``DumpLoader`` whose routes leave the collector's sight as they arrive.

    The monitor loads with the collector disabled; once it is enabled again, its first
    collection would walk every object made meanwhile (0.3-0.9 s for a million routes, on
    whichever thread allocated next) only to find them all alive.  Moving them to the
    permanent generation as the load goes (``gc.freeze``: a list splice, O(1)) spares that;
    the app freezes a big table anyway once it has it, and reference counting still frees
    the routes when the store is dropped.
    """

    def dumped(self, pos: int, routes: Iterable[Route]) -> None:
        """As ``DumpLoader.dumped``; then freeze what exists when the load is big."""
        super().dumped(pos, routes)
        if not gc.isenabled() and len(self.store) > FREEZE_ROUTES:
            gc.freeze()


def one_route(buf: bytearray, n: int) -> tuple[int, int, Route] | None:
    """The datagram's message when it is a single route event, as the kernel sends each one:
    (type, flags, route); None for anything else (walked with ``iter_messages``).  A flap
    of a million routes is a million such datagrams: no generator for each."""
    if n < HEAD.size:
        return None
    length, mtype, mflags = HEAD.unpack_from(buf)
    if (length + 3) & ~3 < n or length > n:
        return None
    if mtype != RTM_NEWROUTE and mtype != RTM_DELROUTE:
        return None
    return mtype, mflags, decode_route(buf, 0, length)


def dump_ended(buf: bytearray, n: int, seq: int) -> bool:
    """Whether this datagram of a dump whose result is thrown away (events were lost while
    it ran) ends it: NLMSG_DONE or NLMSG_ERROR of ``seq``.  Only the headers are walked (no
    route is decoded): the kernel goes on with a dump until it is read to its end, and a new
    one can only be asked then, so the rest of a spoiled one is read as fast as it comes."""
    off, head = 0, HEAD_SEQ.unpack_from
    while n - off >= HEAD_SEQ.size:
        length, mtype, _, mseq = head(buf, off)
        if length < HEAD_SEQ.size or off + length > n:
            raise DecodeError(f"bad netlink message length {length} at offset {off}")
        if mseq == seq and (mtype == NLMSG_DONE or mtype == NLMSG_ERROR):  # noqa: SIM109
            return True
        off += (length + 3) & ~3
    return False


def read_empty(
    sock: socket.socket,
    buf: bytearray,
    portid: int,
    events: Callable[[bytearray, int], None],
    lost: Callable[[], None],
) -> bool:
    """Read ``sock`` directly until its queue is empty (True) or for BATCH_SECONDS (False):
    datagrams from others go to ``events`` (a bad one is skipped), ENOBUFS to ``lost``, the
    rest of an abandoned dump of ours is dropped.  The read that finds the queue empty
    clears the kernel's congestion mark: from then on a lost event is told by ENOBUFS."""
    deadline = time.monotonic() + BATCH_SECONDS
    while time.monotonic() < deadline:
        try:
            n = sock.recv_into(buf, len(buf), socket.MSG_DONTWAIT)
        except BlockingIOError:
            return True
        except OSError as exc:
            if exc.errno != errno.ENOBUFS:
                raise
            lost()
            continue
        if n >= HEAD_SEQ.size and SEQ_PID.unpack_from(buf, 8)[1] != portid:
            with contextlib.suppress(DecodeError):
                events(buf, n)
    return False


def join_groups(sock: socket.socket) -> None:
    """Listen to every group whose events change what fibscope shows."""
    for group in GROUPS:
        try:
            sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group)
        except OSError:
            continue  # an old kernel without that group: the rest still works


class RouteDumpJob:
    """A route dump running on the event socket, one family after the other."""

    def __init__(self, reason: str, ifindex: int | None = None) -> None:
        self.reason = reason
        self.ifindex = ifindex  # None: a full load
        self.families = [AF_INET, AF_INET6]
        self.seq = 0
        self.spoiled = False  # events were lost meanwhile: the result is thrown away
        self.loader = FrozenLoader() if ifindex is None else None
        self.routes: list[Route] = []
        self.shown_at: dict[int, int] = {}  # key hash → position of the datagram showing it
        self.held: list[tuple[int, Change]] = []  # events read while a partial dump runs
        self.stash: DumpStash | None = None  # a first load's datagrams, not yet decoded

    def take(self, buf: bytearray, n: int, pos: int) -> bool:
        """The datagram ``buf[:n]`` read at queue position ``pos``: loaded, kept raw (a first
        load's, ``stash``) or, for a link, its routes through the link kept; True when it ends
        this family's dump.  Raises ``NetlinkError`` with the kernel's error (the routes
        before it are taken)."""
        if self.spoiled:
            return dump_ended(buf, n, self.seq)
        if self.stash is not None:
            return self.stash.take(buf, n, pos, self.seq)
        routes: list[Route] = []
        try:
            done, _ = collect_routes(buf, n, self.seq, routes)
        finally:
            if self.loader is not None:
                self.loader.dumped(pos, routes)
            else:
                self.link_routes(routes, pos)
        return done

    def unstash(self, stop: threading.Event | None = None) -> bool:
        """Decode and load the datagrams kept so far (an event came, or the dump ended);
        False when ``stop`` was set meanwhile (the load is incomplete)."""
        stash, self.stash = self.stash, None
        return stash is None or self.loader is None or stash.replay(self.loader, stop)

    def spoil(self) -> None:
        """Events were lost while it ran: its result will be thrown away, so what a full load
        built so far is dropped now (a reload must not hold two big stores beside the app's)."""
        self.spoiled = True
        self.stash = None
        if self.loader is not None and len(self.loader.store):
            self.loader = FrozenLoader()

    def request(self) -> bytes:
        """The next family's request (a new sequence number each)."""
        self.seq = next_seq()
        family = self.families.pop(0)
        if self.ifindex is None:
            return dump_request(family, self.seq)
        return oif_request(family, self.seq, self.ifindex)

    def link_routes(self, routes: list[Route], pos: int) -> None:
        """Keep the routes of a link's dump datagram at ``pos`` that use the link."""
        ifindex = self.ifindex
        for route in routes:
            if ifindex is not None and uses_link(route, ifindex):
                self.routes.append(route)
                self.shown_at[hash(route_key(route))] = pos

    def held_unseen(self) -> list[Change]:
        """The events held while a link's dump ran, less those about the link that a later
        datagram of the dump already showed (they are in its routes)."""
        ifindex, shown = self.ifindex, self.shown_at
        return [
            change
            for pos, change in self.held
            if not (
                ifindex is not None
                and uses_link(change[2], ifindex)
                and shown.get(hash(route_key(change[2])), 0) - RACE_WINDOW > pos
            )
        ]


def read_small_state(path: str | None) -> tuple[NetnsState, int]:
    """Links, addresses, rules, sysctls, /proc's IPv6 routes and nexthop objects now
    (entering the namespace), with the kernel's nexthop compat mode read there too."""
    with entered(path):
        links, addresses, rules = read_small_here()
        state = NetnsState(
            links=links,
            addresses=addresses,
            rules=rules,
            sysctls=read_sysctls(),
            ipv6_proc_routes=read_ipv6_proc_routes(),
            nexthops=read_nexthops(None),
        )
        compat_mode = read_compat_mode()
    return state, compat_mode
