"""Following a namespace's routing state through netlink events.

One socket, joined to the groups, carries both the events and every route dump, so their
order is the kernel's: a dump datagram holds each key as it was when the datagram was made,
after every event queued before it and before every event queued after it.  That is what
makes the followed store *exact* under churn:

* the first load, and a reload after ENOBUFS (the kernel dropped events: said in a non-fatal
  ``Problem``), build a store in this thread while events keep being read and applied to it
  in order (``DumpLoader``); it is handed over in a ``Snapshot``.  A big first load that no
  event raced is shown before it is indexed (``Unindexed``, ``tui.kernel.unindexed``).
  Reading never stops, so a million-route reload does not overflow the socket behind it.
  While it runs, a thread receives ahead (``ReadAhead``): the kernel's dump work then runs
  beside the decoding.  After ENOBUFS the socket goes on delivering: it is not reopened,
  and the namespace need not be entered again.  But the kernel tells a loss once, then
  drops every event silently until a read leaves the socket's queue empty: a reload's dump
  is asked only after such a read (``_drained``) and with no dump running (a spoiled one is
  read to its end without decoding); route events before it are dropped (the dump shows
  them).  One reload is due at a time, however many losses.
* changes the kernel makes without route events are re-read in part: the routes through a
  link whose up/carrier state or master changed, or that lost an IPv4 address (a dump the
  kernel filters by ``RTA_OIF``), as ``RoutesRefreshed``; the events read meanwhile follow it,
  except those the dump already showed.  A deleted link's IPv4 routes are dropped (IPv6 sends
  events for its own).  Nexthop objects replaced or gone (also silently, with their link)
  reload everything (nothing can be filtered); new ones only re-read the objects in compat
  mode 0 (``nexthop_watch``).
* route events become ``RouteChanges`` in batches; link, address, rule and netconf events
  re-read the small state (links, addresses, rules, sysctls) as ``SmallChanged``.

A namespace whose file went away, or that can no longer be entered, is reported once
(``Problem``, fatal) and the monitor ends; nothing escapes the thread as a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import select
import socket
import threading
import time
from collections.abc import Callable

from tui.kernel.event_socket import (
    BATCH_SECONDS,
    BIG_REFRESH,
    FAILURES,
    GONE_CHECK_SECONDS,
    MAX_RCVBUF,
    NEXTHOPS_CHANGED,
    QUIET_SECONDS,
    RECV_BUFFER,
    SEQ_PID,
    Change,
    RouteDumpJob,
    join_groups,
    one_route,
    read_empty,
)
from tui.kernel.event_socket import OVERRUN as OVERRUN
from tui.kernel.netlink.const import RTM_DELNEXTHOP, RTM_NEWNEXTHOP, RTM_NEWROUTE, SO_RCVBUFFORCE
from tui.kernel.netlink.route_codec import DecodeError, NetlinkError, iter_messages
from tui.kernel.netlink.route_dump import open_route_socket
from tui.kernel.netns import NamespaceFile, NetnsError
from tui.kernel.read_ahead import ReadAhead
from tui.kernel.small_state_watch import SmallStateWatch
from tui.kernel.unindexed import DumpStash
from tui.model import AF_INET, RTM_F_CLONED
from tui.source.events import (
    LOADED,
    SETTLED,
    Event,
    Problem,
    Reloading,
    RouteChanges,
    RoutesRefreshed,
    SmallChanged,
    Snapshot,
    Unindexed,
)


class Monitor:
    """Reads one namespace and follows it in a thread of its own until stopped."""

    def __init__(
        self, path: str | None, emit: Callable[[Event], None], *, rcvbuf: int = 32 << 20
    ) -> None:
        self.path = path
        self.emit = emit
        self.rcvbuf = rcvbuf
        self._stop = threading.Event()
        self._file = NamespaceFile(path)
        self._small = SmallStateWatch(path)
        self._dump: RouteDumpJob | None = None
        self._want_full: str | None = None
        self._want_links: set[int] = set()
        self._changes: list[Change] = []
        self._pos = 0
        self._small_due = False
        self._gc_was = False
        self._portid = -1
        self._failures = 0
        self._settle_due = False  # a load raced changes: re-read once they stop
        self._overrun_told = False  # said once until a reload succeeds
        self._drain_due = False  # events were lost: read the socket empty before a dump
        self._reload_told = False  # Reloading said for the full re-read under way or due
        self._last_event = 0.0
        self._ahead: ReadAhead | None = None  # receives on a thread while a full load runs
        self.loads = 0  # full loads done (the first one included)

    def stop(self) -> None:
        """Ask the thread to end (it checks at least every half second)."""
        self._stop.set()

    def busy(self) -> bool:
        """A dump is running or due (tests wait for quiet)."""
        due = self._want_full is not None or bool(self._want_links) or self._settle_due
        due = due or self._drain_due
        return self._dump is not None or due

    # ----- the thread ---------------------------------------------------------------------
    def run(self) -> None:
        """The thread body: subscribe, load, follow; every fault ends in one Problem."""
        try:
            self._run()
        except Exception as exc:
            if self._file.gone():
                self.emit(Problem(f"namespace has gone: {exc}", fatal=True, gone=True))
            elif isinstance(exc, NetnsError):
                self.emit(Problem(f"cannot read the namespace any more: {exc}", fatal=True))
            else:
                self.emit(Problem(f"monitor stopped: {exc}", fatal=True))
        finally:
            self._gc_restore()

    def _run(self) -> None:
        try:
            sock = open_route_socket(self.path, rcvbuf=self.rcvbuf)
        except (NetnsError, OSError) as exc:
            self.emit(Problem(f"namespace unavailable: {exc}", fatal=True, gone=self._file.gone()))
            return
        with sock:
            self._portid = sock.getsockname()[0]
            join_groups(sock)
            self._want_full = LOADED
            try:
                self._follow(sock)
            finally:
                if self._ahead is not None:
                    self._ahead.stop()

    def _follow(self, sock: socket.socket) -> None:
        buf = bytearray(RECV_BUFFER)
        next_check = time.monotonic() + GONE_CHECK_SECONDS
        while not self._stop.is_set():
            if self._dump is None:
                if self._small_due:
                    self._small_changed()
                if self._settle_due and time.monotonic() - self._last_event > QUIET_SECONDS:
                    self._settle_due = False
                    self._want_full = self._want_full or SETTLED
                self._start_dump(sock, buf)
            ahead = self._receiving_ahead(sock)
            if ahead is not None:
                ready = ahead.wait(0.25)
            else:
                ready = bool(select.select([sock], [], [], 0.25)[0])
            now = time.monotonic()
            if now >= next_check:
                next_check = now + GONE_CHECK_SECONDS
                if self._file.gone():
                    self._flush()
                    self.emit(Problem("namespace has gone (deleted while shown)", True, True))
                    return
            if ready:
                self._read(sock, buf)

    def _receiving_ahead(self, sock: socket.socket) -> ReadAhead | None:
        """The read-ahead to take datagrams from: started with a full load, stopped after it
        (handing out what it received before the socket is read directly again)."""
        ahead = self._ahead
        full = self._dump is not None and self._dump.loader is not None
        if ahead is not None and not full:
            ahead.stop()
        if ahead is not None and ahead.exhausted():
            ahead = self._ahead = None
        if ahead is None and full:
            ahead = self._ahead = ReadAhead(sock, size=RECV_BUFFER)
        return ahead

    def _flush(self, behind: bool = False) -> None:
        """Hand over the route events gathered so far (``behind``: more are waiting)."""
        if self._changes:
            self.emit(RouteChanges(tuple(self._changes), behind))
            self._changes = []

    def _read(self, sock: socket.socket, buf: bytearray) -> None:
        """Read what is waiting (a batch at most BATCH_SECONDS long), dumps and events."""
        deadline = time.monotonic() + BATCH_SECONDS
        ahead, size, portid = self._ahead, len(buf), self._portid
        recv_into = sock.recv_into if ahead is None else ahead.recv_into
        drained = events = False
        count = 0
        while True:
            count += 1
            if not count & 31 and time.monotonic() > deadline:  # the clock every 32 reads
                break
            try:
                n = recv_into(buf, size, socket.MSG_DONTWAIT)
            except BlockingIOError:
                drained = True
                break
            except OSError as exc:
                if exc.errno != errno.ENOBUFS:
                    raise
                self._overrun(sock)
                continue
            seq, pid = SEQ_PID.unpack_from(buf, 8) if n >= 16 else (0, 0)
            if pid == portid:  # a dump answering us (events carry their sender's)
                if self._dump is not None and seq == self._dump.seq:
                    self._dumped(sock, buf, n)
                    if not count & 7 and time.monotonic() > deadline:
                        break  # a dump datagram is big: look at the clock more often
                continue  # the rest of an abandoned dump
            events = True
            try:
                self._events(buf, n)
            except DecodeError:
                self._overrun(sock)
        if events:
            self._last_event = time.monotonic()
        if self._dump is None or self._dump.ifindex is None:
            self._flush(behind=not drained)

    def _events(self, buf: bytearray, n: int) -> None:
        dump = self._dump
        single = one_route(buf, n)
        messages = (single,) if single is not None else iter_messages(buf, n)
        for mtype, mflags, route in messages:
            self._pos += 1
            if route is not None:
                if route.flags & RTM_F_CLONED or self._drain_due or (dump and dump.spoiled):
                    continue  # (a reload's dump, asked later, shows what it did)
                change = (mtype == RTM_NEWROUTE, mflags, route)
                if dump is None:
                    self._changes.append(change)
                elif dump.loader is not None:
                    dump.unstash()  # what came before it, loaded before it
                    dump.loader.event(self._pos, *change)
                else:
                    dump.held.append((self._pos, change))
            elif mtype == RTM_NEWNEXTHOP and (dump is None or self._small.compat_mode == 0):
                self._small.nexthop_added = self._small_due = True  # new objects move no route
            elif mtype == RTM_NEWNEXTHOP or mtype == RTM_DELNEXTHOP:  # noqa: SIM109
                self._want_full = self._want_full or NEXTHOPS_CHANGED
            else:
                self._small_due = True

    def _overrun(self, sock: socket.socket) -> None:
        """Events were lost: say so (once until a reload succeeds), give the socket a larger
        buffer (a reload of a big table under churn needs room), spoil any running dump and
        load afresh."""
        self._flush()
        if not self._reload_told:  # before the Problem: the status it redraws says so
            self._reload_told = True
            self.emit(Reloading(OVERRUN))
        if not self._overrun_told:
            self._overrun_told = True
            self.emit(Problem(OVERRUN, fatal=False))
        if self.rcvbuf < MAX_RCVBUF:
            self.rcvbuf = min(self.rcvbuf * 2, MAX_RCVBUF)
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, self.rcvbuf)
        if self._dump is not None:
            self._dump.spoil()
        self._drain_due = True
        self._want_full = OVERRUN
        self._want_links.clear()

    # ----- dumps --------------------------------------------------------------------------
    def _drained(self, sock: socket.socket, buf: bytearray) -> bool:
        """After a loss: read the socket empty, directly (the read-ahead stopped, its datagrams
        handed out first); False while there is more.  That read clears the kernel's mark."""
        ahead = self._ahead
        if ahead is not None:
            ahead.stop()
            if not ahead.exhausted():
                return False
            self._ahead = None
        if read_empty(sock, buf, self._portid, self._events, lambda: self._overrun(sock)):
            self._drain_due = False
        return not self._drain_due

    def _start_dump(self, sock: socket.socket, buf: bytearray) -> None:
        """Start the dump that is due, if any: a full load first, then links one by one."""
        if self._drain_due and not self._drained(sock, buf):
            return
        if self._want_full is not None:
            if self._want_full != LOADED and not self._reload_told:
                self._reload_told = True
                self.emit(Reloading(self._want_full))
            self._dump = RouteDumpJob(self._want_full)
            if not self.loads:
                self._dump.stash = DumpStash()  # shown before it is indexed (unindexed)
            self._want_full = None
            self._want_links.clear()
            self._gc_was = self._gc_was or gc.isenabled()
            gc.disable()  # a million fresh objects: the collector would double the time
        elif self._want_links:
            ifindex = min(self._want_links)
            self._want_links.discard(ifindex)
            self._dump = RouteDumpJob("link state changed", ifindex)
        else:
            return
        self._flush()
        sock.send(self._dump.request())

    def _dumped(self, sock: socket.socket, buf: bytearray, n: int) -> None:
        """One datagram of the running dump."""
        dump = self._dump
        assert dump is not None
        self._pos += 1
        try:
            done = dump.take(buf, n, self._pos)
        except NetlinkError as exc:
            done = True  # the kernel ends a dump with its error
            if dump.ifindex is None or exc.errno != errno.ENODEV:
                self._failures += 1
                if self._failures >= FAILURES:
                    raise
                self.emit(Problem(f"route dump failed ({exc}): trying again", fatal=False))
                dump.spoil()
                self._want_full = dump.reason
        if not done:
            return
        if dump.families and not dump.spoiled:
            sock.send(dump.request())
            return
        self._dump = None
        if dump.spoiled:
            if dump.loader is not None and self._want_full is None:
                self._want_full = dump.reason
        elif dump.loader is not None:
            self._loaded(dump)
        else:
            self._refreshed(dump)

    def _loaded(self, dump: RouteDumpJob) -> None:
        """A full load is complete: read the small state and hand the store over."""
        assert dump.loader is not None
        state = self._small.read()
        if dump.stash is not None and dump.stash.worth_showing():
            self.emit(Unindexed(state, dump.stash.look()))  # then index it: seconds at 1M
        if not dump.unstash(self._stop):
            return  # stopped while indexing: nobody waits for the store
        self._gc_restore()
        self._small_due = self._small.nexthop_added = False
        self._failures = 0
        self._overrun_told = self._reload_told = False
        # re-read once quiet: the load guessed, or raced IPv6 ECMP siblings (dumps merge them)
        hidden6 = dump.reason == OVERRUN and dump.loader.raced and dump.loader.merged6()
        self._settle_due = dump.loader.suspect or hidden6
        self.loads += 1
        self.emit(Snapshot(state, dump.reason, dump.loader.finish()))

    def _refreshed(self, dump: RouteDumpJob) -> None:
        """A link's routes were re-read: hand them over, then the events read meanwhile that
        the dump did not already show."""
        ifindex = dump.ifindex
        assert ifindex is not None
        if len(dump.routes) > BIG_REFRESH:
            self._want_full = f"{dump.reason}: re-reading the whole namespace"
            return
        self.emit(RoutesRefreshed(ifindex, tuple(dump.routes), dump.reason))
        self._changes = dump.held_unseen()
        self._flush()

    def _gc_restore(self) -> None:
        if self._gc_was:
            self._gc_was = False
            gc.enable()

    # ----- small state ----------------------------------------------------------------------
    def _small_changed(self) -> None:
        """Re-read the small state; find the links whose routes the kernel changed silently."""
        self._small_due = False
        state, moved = self._small.reread()
        links, addresses, rules, sysctls = state.links, state.addresses, state.rules, state.sysctls
        self.emit(
            SmallChanged(links, addresses, rules, sysctls, state.ipv6_proc_routes, state.nexthops)
        )
        if moved.nexthops:
            self._want_full = self._want_full or NEXTHOPS_CHANGED
        for index in moved.removed:
            self._want_links.discard(index)
            self.emit(RoutesRefreshed(index, (), "link removed", AF_INET))
        self._want_links |= moved.links
