"""Following one namespace: discovery, loading, and live events applied to the model.

The base of the app that knows Sources, model objects and events, never widgets: a live
Source follows the kernel in its own thread and hands over immutable events; they queue in
an inbox and are applied here on the UI thread in short slices.  What the changes mean on
screen is the subclass's business (``_rebuild`` and friends).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

from textual import work
from textual.app import App
from textual.message import Message

from tui.app.pacing import Inbox, Pacer, apply_routes
from tui.model import NamespaceInfo, NetnsState, Route
from tui.source import Source, Watch
from tui.source.events import (
    LOADED,
    SETTLED,
    Event,
    Problem,
    RouteChanges,
    RoutesRefreshed,
    SmallChanged,
    Snapshot,
)
from tui.store.routes import RouteStore

BIG_TABLE = 50_000  # more routes than this: filter and sort in a thread, freeze for the GC


class NamespaceFollower(App[None]):
    """The shown namespace's state and routes, kept current."""

    def __init__(
        self,
        source: Source,
        netns: str | None = None,
        *,
        live: bool = True,
        ansi_color: bool | None = None,
    ) -> None:
        super().__init__(ansi_color=ansi_color)
        self.source = source
        self.start_netns = netns
        self.live = live and source.live
        self.infos: list[NamespaceInfo] = []
        self.info: NamespaceInfo | None = None
        self.state: NetnsState | None = None
        self.store = RouteStore()
        self.paused = False
        self.pending: list[Event] = []
        self.watch_handle: Watch | None = None
        self._live_text = (
            "live" if self.live else ("offline: capture" if not source.live else "static")
        )
        self.live_text = self._live_text
        self.last_change: str = "-"
        self.notice = ""
        self._dirty = False  # route changes wait for the rows to be rebuilt
        self._dirty_all = False  # links, rules or sysctls changed too
        self._added: list[Route] = []
        self.inbox = Inbox()
        self.pacer = Pacer()
        self.applied = 0  # route events applied (benchmarks read it)
        self._watch_gen = 0  # events of a namespace no longer shown are dropped

    # ----- what the screen does with changes (the app's) -----------------------------------
    def _rebuild(self, keep_cursor: bool) -> None:
        """Redraw everything from ``state`` and ``store`` (None state: nothing to show)."""
        raise NotImplementedError

    def _update_side(self, force: bool = True) -> None:
        """Redraw the overview of namespaces and tables."""
        raise NotImplementedError

    def _update_status(self) -> None:
        """Redraw the title and status line."""
        raise NotImplementedError

    # ----- loading ------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="discover", description="discovery")
    def _discover(self) -> None:
        infos = self.source.namespaces()
        self.call_from_thread(self._discovered, infos)

    def _discovered(self, infos: list[NamespaceInfo]) -> None:
        self.infos = infos
        self._update_side()
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
            self._update_status()

    def switch_namespace(self, info: NamespaceInfo) -> None:
        """Show another namespace: stop following the old one, read (or follow) the new."""
        if self.watch_handle is not None:
            self.watch_handle.stop()
            self.watch_handle = None
        self.info = info
        self.state = None
        self.store = RouteStore()
        self.pending.clear()
        self.inbox.clear()
        self._watch_gen += 1
        self.live_text = self._live_text  # "offline" was about the namespace left behind
        self.notice = f"reading {info.label}…"
        self._rebuild(keep_cursor=False)
        if self.live:
            handle = self.source.watch(info, self._emitter())
            if handle is not None:
                self.watch_handle = handle
                return
        self._load(info)

    @work(thread=True, exclusive=True, group="load", description="loading")
    def _load(self, info: NamespaceInfo) -> None:
        ns = self.source.read(info)
        if ns.state is not None:
            self.call_from_thread(self._apply, Snapshot(ns.state, LOADED))
        else:
            self.call_from_thread(self._apply, Problem(f"{info.label}: {ns.error}", fatal=True))

    class Changed(Message):
        """Live events wait in the inbox (one message, however many events)."""

    def _emitter(self) -> Callable[[Event], None]:
        """What the live Source's thread calls with each event of the namespace shown now."""
        gen = self._watch_gen

        def emit(event: Event) -> None:
            if gen == self._watch_gen and self.inbox.put(event):
                self.post_message(self.Changed())  # post_message is thread-safe

        return emit

    def on_namespace_follower_changed(self, message: Changed) -> None:
        """Apply a slice of the queued events; wake again for the rest (keys go between)."""
        if not self.is_running:
            return
        for event in self.inbox.take():
            self._apply(event)
        if self.inbox.more():
            self.post_message(self.Changed())

    # ----- events -------------------------------------------------------------------------
    def _apply(self, event: Event) -> None:
        if self.paused and not isinstance(event, Problem):
            self.pending.append(event)
            return
        self._apply_now(event)

    def _apply_now(self, event: Event) -> None:
        if isinstance(event, Snapshot):
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
            self._rebuild(keep_cursor=event.reason != LOADED)
        elif isinstance(event, RouteChanges | RoutesRefreshed):
            self.applied += apply_routes(self.store, event, self._added)
            self._stamp()
            self._dirty = True
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
            self._dirty_all = True
        elif isinstance(event, Problem):
            self.notice = event.text
            if event.fatal:
                self.live_text = "offline"
                self.watch_handle = None
            if event.gone:  # nothing to show: its rows must not linger
                self.state = None
                self.store = RouteStore()
                self._rebuild(keep_cursor=False)
            self._update_status()

    def _stamp(self) -> None:
        if self.live:
            self.last_change = time.strftime("%H:%M:%S")

    def action_pause(self) -> None:
        """Hold live updates (they queue) or apply what queued and go on."""
        self.paused = not self.paused
        if not self.paused:
            pending, self.pending = self.pending, []
            self.inbox.put_front(pending)  # applied in slices like any events
            self.post_message(self.Changed())
        self._update_status()

    def on_unmount(self) -> None:
        """Stop following the kernel."""
        if self.watch_handle is not None:
            self.watch_handle.stop()
