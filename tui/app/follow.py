"""Following one namespace: discovery, loading, and live events applied to the model.

A plain object (not a widget) that knows Sources, model objects and events, never widgets: a
live Source follows the kernel in its own thread and hands over immutable events; they queue
in an inbox and are applied on the UI thread in short slices.  Its threads run as workers of
the screen it was given, and it tells the screen what changed through a small interface
(``FollowerView``); what the changes mean on screen is the screen's business.
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any, Protocol

from textual.app import App
from textual.dom import DOMNode
from textual.message import Message

from tui.app.pacing import Inbox, apply_routes
from tui.model import NamespaceInfo, NetnsState, Route
from tui.source import Source, Watch
from tui.source.discovery import first_look
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
    UnindexedRoutes,
)
from tui.store.routes import RouteStore

BIG_TABLE = 50_000  # more routes than this: filter and sort in a thread, freeze for the GC
# A re-read of more routes than this does not keep the stale table meanwhile (see _apply_now).
DROP_ON_RELOAD = 100_000


class FollowerView(Protocol):
    """What the follower tells the screen (called on the UI thread)."""

    def show_namespace(self, keep_cursor: bool) -> None:
        """The state and store were replaced (None state: nothing to show): redraw it all."""

    def show_overview(self) -> None:
        """The namespaces found changed: redraw the overview."""

    def show_status(self) -> None:
        """Only the notice or the live text changed: redraw the title and status line."""


class NamespaceFollower:
    """The shown namespace's state and routes, kept current."""

    class Changed(Message, bubble=False):
        """Live events wait in the inbox (one message, however many events).  It goes to
        the app's queue (not the screen's): a screen's queue kept busy by live events would
        hold back its repaints and every key that bubbles through it."""

    def __init__(
        self, source: Source, node: DOMNode, view: FollowerView, *, netns: str | None, live: bool
    ) -> None:
        self.source = source
        self._node = node  # whose workers the threads are
        self._view = view
        self._app: App[Any] | None = None  # known once running (threads have no active app)
        self.start_netns = netns
        self.live = live and source.live
        self.infos: list[NamespaceInfo] = []
        self.known: list[NamespaceInfo] | None = None  # a discovery just made: the first one
        self.complete = True  # False: ``infos`` is the quick look, more are being looked for
        self._discovery_gen = 0  # a later discovery's answer replaces an earlier one's
        self._rest_of: int | None = None  # the discovery whose rest waits for the first screen
        self._rest_running = False  # every namespace is being looked for after the quick look
        self._after_rest: list[Callable[[list[NamespaceInfo]], None]] = []  # who waits for it
        self.info: NamespaceInfo | None = None
        self.state: NetnsState | None = None
        self.store = RouteStore()
        self.unindexed: UnindexedRoutes | None = None  # a big first load, shown before indexed
        self.paused = False
        self.pending: list[Event] = []
        self.watch_handle: Watch | None = None
        self._live_text = (
            "live" if self.live else ("offline: capture" if not source.live else "static")
        )
        self.live_text = self._live_text
        self.last_change: str = "-"
        self.notice = ""
        self.dirty = False  # route changes wait for the rows to be rebuilt
        self.dirty_all = False  # links, rules or sysctls changed too
        self.added: list[Route] = []
        self.inbox = Inbox()
        self.applied = 0  # route events applied (benchmarks read it)
        self._watch_gen = 0  # events of a namespace no longer shown are dropped

    @property
    def running(self) -> bool:
        """The app runs (answers from threads after it closed are dropped)."""
        return self._app is not None and self._app.is_running

    def in_thread(
        self, work: Callable[..., None], *args: object, group: str, exclusive: bool = True
    ) -> None:
        """Run ``work(*args)`` in a thread worker of the screen (exclusive: a newer one of the
        same group cancels the older, whose answer is dropped)."""
        self._node.run_worker(
            partial(work, *args), name=work.__name__, group=group, exclusive=exclusive, thread=True
        )

    def call(self, callback: Callable[..., None], *args: object) -> None:
        """From a thread: run ``callback(*args)`` on the UI thread; dropped once the app has
        stopped (a thread that finishes after the user quit is normal, not an error)."""
        assert self._app is not None
        if not self.running:
            return
        try:
            self._app.call_from_thread(callback, *args)
        except RuntimeError:
            if self.running:
                raise

    def table_counts(self) -> Counter[tuple[int, int]]:
        """Routes per (family, table): the store keeps the counts (no walk over the routes)."""
        return Counter(
            self.unindexed.counts() if self.unindexed is not None else self.store.counts()
        )

    # ----- loading ------------------------------------------------------------------------
    def start(self) -> None:
        """Find namespaces, then load the first one (on the UI thread, the app running)."""
        self._app = self._node.app
        self.in_thread(self._discover, self._discovery_gen, group="discover")

    def _discover(self, gen: int) -> None:
        """The quick look (the first screen waits for nothing else); every namespace is
        looked for once the first namespace has loaded (``_look_further``)."""
        known, self.known = self.known, None
        infos, complete = (
            (known, True) if known is not None else first_look(self.source, self.start_netns)
        )
        self.call(self._discovered, infos, complete, gen)

    def _discovered(self, infos: list[NamespaceInfo], complete: bool, gen: int) -> None:
        self.infos = infos
        self.complete = complete
        self._rest_of = None if complete else gen
        self._view.show_overview()
        chosen = infos[0] if infos else None
        if self.start_netns is not None:
            matches = [i for i in infos if i.known_as(self.start_netns)]
            if matches:
                chosen = matches[0]
            else:
                self.notice = f'unknown namespace "{self.start_netns}": showing the host'
        if chosen is not None:
            self.switch_namespace(chosen)
        else:
            self.notice = "no namespace found"
            self._view.show_status()
            self._look_further()

    def _look_further(self) -> None:
        """The first screen is up (its namespace loaded, or failed, and drawn): now every
        namespace, in a thread that does not compete with the first screen's work."""
        gen, self._rest_of = self._rest_of, None
        if gen is not None and gen == self._discovery_gen:
            self._rest_running = True
            self.in_thread(self._discover_rest, gen, group="discover")

    def _discover_rest(self, gen: int) -> None:
        self.call(self._found_all, gen, self.source.namespaces())

    def _found_all(self, gen: int, infos: list[NamespaceInfo]) -> None:
        """Every namespace, after the quick look: the overview shows them all, the one shown
        keeps showing (its entry now with the processes found in it)."""
        if not self.running or gen != self._discovery_gen:
            return  # a later discovery answered already
        self._rest_running = False
        self.infos = infos
        self.complete = True
        if self.info is not None:
            key = (self.info.dev, self.info.inode)
            self.info = next((i for i in infos if (i.dev, i.inode) == key), self.info)
        self._view.show_overview()
        waiting, self._after_rest = self._after_rest, []
        for then in waiting:
            then(infos)

    def rediscover(self, then: Callable[[list[NamespaceInfo]], None]) -> None:
        """Find the namespaces that exist now, then ``then(infos)`` on the UI thread (the
        discovery of every namespace that started after the first screen answers, when one
        is running: a second one beside it would only take longer)."""
        if self._rest_running:
            self._after_rest.append(then)
            return
        self._discovery_gen += 1

        def discover() -> None:
            self.call(found, self.source.namespaces())

        def found(infos: list[NamespaceInfo]) -> None:
            if self.running:
                self.infos = infos
                self.complete = True
                self._view.show_overview()
                then(infos)

        discover.__name__ = "_rediscover"
        self.in_thread(discover, group="discover")

    def switch_namespace(self, info: NamespaceInfo) -> None:
        """Show another namespace: stop following the old one, read (or follow) the new."""
        if self.watch_handle is not None:
            self.watch_handle.stop()
            self.watch_handle = None
        self.info = info
        self.state = None
        self.store = RouteStore()
        self.unindexed = None
        self.pending.clear()
        self.inbox.clear()
        self._watch_gen += 1
        self.live_text = self._live_text  # "offline" was about the namespace left behind
        self.notice = f"reading {info.label}…"
        self._view.show_namespace(keep_cursor=False)
        if self.live:
            handle = self.source.watch(info, self._emitter())
            if handle is not None:
                self.watch_handle = handle
                return
        self.in_thread(self._load, info, group="load")

    def _load(self, info: NamespaceInfo) -> None:
        ns = self.source.read(info)
        if ns.state is not None:
            self.call(self._apply, Snapshot(ns.state, LOADED))
        else:
            self.call(self._apply, Problem(f"{info.label}: {ns.error}", fatal=True))

    def _emitter(self) -> Callable[[Event], None]:
        """What the live Source's thread calls with each event of the namespace shown now."""
        gen = self._watch_gen

        def emit(event: Event) -> None:
            if gen == self._watch_gen and self.inbox.put(event):
                self.wake()

        return emit

    def wake(self) -> None:
        """Ask for ``take_changes`` on the UI thread (from any thread: post_message is
        thread-safe)."""
        if self._app is not None:
            self._app.post_message(self.Changed())

    def take_changes(self) -> None:
        """Apply a slice of the queued events; wake again for the rest (keys go between).
        While the rows thread copies the shown table the events wait (the copy wakes this
        again when done): the UI thread never waits for it."""
        if not self.running:
            return
        store = self.store
        if not store.try_write():
            return
        try:
            for event in self.inbox.take():
                self._apply(event)
        finally:
            store.end_write()  # the store may have been replaced meanwhile: not this one
        if self.inbox.more():
            self.wake()

    # ----- events -------------------------------------------------------------------------
    def _apply(self, event: Event) -> None:
        if self._rest_of is not None and isinstance(event, Snapshot | Problem):
            self._node.call_after_refresh(self._look_further)  # once the screen shows it
        if self.paused and not isinstance(event, Problem):
            self.pending.append(event)
            return
        self._apply_now(event)

    def _apply_now(self, event: Event) -> None:
        if isinstance(event, Unindexed):
            self.state, self.unindexed = event.state, event.routes
            self.notice = ""
            self._view.show_namespace(keep_cursor=False)
        elif isinstance(event, Snapshot):
            looked, self.unindexed = self.unindexed is not None, None
            self.state = event.state
            self.store = event.store if event.store is not None else RouteStore(event.state.routes)
            if len(self.store) > BIG_TABLE:
                # A million long-lived routes would make every full collection a pause of
                # half a second under churn; frozen, the collector skips them (refcounts
                # still free them when the store is replaced).
                gc.freeze()
            if event.reason == LOADED:
                self.notice = ""
            elif event.reason != SETTLED:
                # A reload is complete: the notice says it happened, not that it is happening.
                cause = event.reason.split(":")[0]
                self.notice = f"{cause}: the namespace was re-read at {time.strftime('%H:%M:%S')}"
            self._stamp()
            # after a first look the rows stay where the user scrolled (same order)
            self._view.show_namespace(keep_cursor=event.reason != LOADED or looked)
        elif isinstance(event, RouteChanges | RoutesRefreshed):
            self.applied += apply_routes(self.store, event, self.added)
            self._stamp()
            self.dirty = True
        elif isinstance(event, SmallChanged) and self.state is not None:
            self.state = NetnsState(
                links=event.links,
                addresses=event.addresses,
                rules=event.rules,
                routes=(),
                sysctls=event.sysctls,
                ipv6_proc_routes=event.ipv6_proc_routes,
                nexthops=event.nexthops,
            )
            self._stamp()
            self.dirty_all = True
        elif isinstance(event, Reloading):
            if len(self.store) > DROP_ON_RELOAD:
                # The monitor builds the new table while this one is shown: two copies of a
                # million routes (250 MB each) would be held.  The stale one (its rows too) is
                # let go now; the view shows none until the new one, the status says why.
                self.store = RouteStore()
                self._view.show_namespace(keep_cursor=True)
            self._view.show_status()  # "reloading…" (the inbox knows) until the Snapshot
        elif isinstance(event, Problem):
            self.notice = event.text
            if event.fatal:
                self.live_text = "offline"
                self.watch_handle = None
            # nothing to show: its rows must not linger (nor rows that no index will follow)
            if event.gone or (event.fatal and self.unindexed is not None):
                self.state, self.unindexed = None, None
                self.store = RouteStore()
                self._view.show_namespace(keep_cursor=False)
            self._view.show_status()

    def _stamp(self) -> None:
        if self.live:
            self.last_change = time.strftime("%H:%M:%S")

    def pause(self) -> None:
        """Hold live updates (they queue) or apply what queued and go on."""
        self.paused = not self.paused
        if not self.paused:
            pending, self.pending = self.pending, []
            self.inbox.put_front(pending)  # applied in slices like any events
            self.wake()

    def stop(self) -> None:
        """Stop following the kernel."""
        if self.watch_handle is not None:
            self.watch_handle.stop()
            self.watch_handle = None
