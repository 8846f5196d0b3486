"""The lookup pane's requests: Enter traces the lookup in the shown namespace (in a worker,
``tui.app.lookup_runner``, asking the kernel too when live); ctrl+f follows the packet of the
fields across namespaces.

A plain object the screen owns and hands the pane's messages to.  The path is walked in a
worker (``tui.path.follow`` on the source's path host: a capture, or the live kernel read
lazily, each hop asked of the kernel when live); its hops are listed in the pane, and moving
through them switches the main view to that hop's namespace with the hop's trace and its
winning route highlighted (once that namespace has loaded).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from rich.text import Text

from tui.app.follow import NamespaceFollower
from tui.app.lookup_pane import LookupPane
from tui.app.lookup_runner import LookupResult, LookupRunner
from tui.app.lookup_view import trace_text, winning_route
from tui.app.pacing import RELOADING
from tui.app.path_view import hop_prompts, path_summary
from tui.app.widgets.route_view import RouteView
from tui.fib.query import Query, QueryError
from tui.model import NamespaceInfo, NetnsState, Route
from tui.path import PathResult, follow
from tui.path.result import Hop
from tui.source.path_verify import path_asker

REREAD_REFUSAL = "The routes are being re-read (reloading…): look up again once they are in."
INDEXING_WAIT = "The routes are being indexed (indexing…): the lookup runs once they are."

# (query, namespace, state, engine key, routes to index or None)
LookupJob = tuple[Query, NamespaceInfo, NetnsState, tuple[int, int], tuple[Route, ...] | None]


class TableShower(Protocol):
    """The screen, asked to show the table a winning route is in."""

    @property
    def family(self) -> int: ...
    @property
    def table(self) -> int: ...

    def show_table(self, family: int, table: int) -> None:
        """Show ``table`` of ``family`` in a form that can list it alone."""


class PathFollower:
    """The lookup pane's trace and path, and the hop whose namespace is on screen."""

    def __init__(
        self,
        follower: NamespaceFollower,
        screen: TableShower,
        pane: LookupPane,
        view: RouteView,
        names: Mapping[int, str],
    ) -> None:
        self.follower = follower
        self.screen = screen
        self.pane = pane
        self.view = view
        self.names = names
        self.path: PathResult | None = None
        self.path_infos: dict[int, NamespaceInfo] = {}
        self.pending_hop: Hop | None = None
        self._path_job = 0
        self.lookups = LookupRunner(follower.source, names)
        # Lookups are handed to thread workers by number (see ShownRows).
        self.lookup_jobs: dict[int, LookupJob] = {}
        self._job_number = 0
        # a lookup asked before the index was built: (the namespace's inode, its fields)
        self.waiting: tuple[int, dict[str, str]] | None = None

    def _query_of(self, given: dict[str, str]) -> Query | None:
        """The pane's fields as a query; None (and the reason shown inline) when they are not
        one."""
        fields = dict(given)
        if "dst" not in fields:
            self.pane.show(Text("A destination is needed.", style="bold red"))
            return None
        try:
            return Query.from_mapping(fields)
        except QueryError as exc:
            self.pane.show(Text(str(exc), style="bold red"))
            return None

    def path_requested(self, fields: dict[str, str]) -> None:
        """ctrl+f in the lookup pane: validate, then follow in a worker."""
        query = self._query_of(fields)
        if query is None:
            return
        if self.follower.info is None:
            self.pane.show(Text("No namespace to start from.", style="bold red"))
            return
        self.pane.show(Text("following the packet…"))
        self._path_job += 1
        self.follower.in_thread(
            self._follow, self._path_job, self.follower.info, query, group="path"
        )

    def _follow(self, job: int, start: NamespaceInfo, query: Query) -> None:
        source = self.follower.source
        host = source.path_host()
        kernel = source.kernel() if self.follower.live else None
        ask = path_asker(kernel) if kernel is not None else None
        try:
            result: PathResult | str = follow(host, start, query, ask)
        except QueryError as exc:
            result = str(exc)
        self.follower.call(self._show_path, job, result)

    def _show_path(self, job: int, result: PathResult | str) -> None:
        if job != self._path_job or not self.follower.running:
            return
        if isinstance(result, str):
            self.pane.show(Text(result, style="bold red"))
            return
        self.path = result
        self.path_infos = {info.inode: info for info in self.follower.infos}
        self.pane.show(path_summary(result), keep_hops=True)
        self.pane.show_hops(hop_prompts(result, self.names))

    def hop_chosen(self, index: int) -> None:
        """Show the hop's namespace, its trace, and (once loaded) its winning route."""
        if self.path is None or not 0 <= index < len(self.path.hops):
            return
        hop = self.path.hops[index]
        self.pane.show(path_summary(self.path, hop), keep_hops=True)
        info = self.path_infos.get(hop.inode)
        self.pending_hop = hop
        shown = self.follower.info
        if info is not None and (shown is None or info.inode != shown.inode):
            self.follower.switch_namespace(info)  # the winner is shown when it has loaded
        else:
            self.show_pending_hop()

    def show_pending_hop(self) -> None:
        """Highlight the pending hop's winning route if its namespace is the one shown."""
        hop, f = self.pending_hop, self.follower
        if hop is None or f.info is None or f.state is None or hop.inode != f.info.inode:
            return
        if f.unindexed is not None:
            return  # no winner to find before the index: shown with the Snapshot
        self.pending_hop = None
        family = hop.trace.query.family
        winner = winning_route(hop.trace, f.store.routes(family))
        if winner is not None and (
            winner.table != self.screen.table or family != self.screen.family
        ):
            self.screen.show_table(family, winner.table)
        self.view.show_winner(winner)

    def close(self) -> None:
        """Hide the lookup pane and the winner's highlight."""
        self.pane.display = False
        self.view.show_winner(None)
        self.view.focus()

    def open(self) -> None:
        """Open the lookup pane with the destination field focused."""
        self.pane.display = True
        self.pane.focus_destination()

    def requested(self, fields: dict[str, str]) -> None:
        """Enter in the lookup pane: validate, then trace (and ask the kernel when live)."""
        f = self.follower
        self.path = None
        self.waiting = None
        query = self._query_of(fields)
        if query is None:
            return
        if f.state is None or f.info is None:
            self.pane.show(Text("No namespace state to look up in.", style="bold red"))
            return
        if f.inbox.sync_text() == RELOADING:  # the routes held are stale, or let go (follow.py)
            self.pane.show(Text(REREAD_REFUSAL, style="bold red"))
            return
        if f.unindexed is not None:  # rows shown, no index yet: traced once it is built
            self.waiting = (f.info.inode, fields)
            self.pane.show(Text(INDEXING_WAIT))
            return
        self.pane.show(Text("tracing…"))
        key = (id(f.state), f.store.version)
        routes = self.lookups.snapshot(key, f.store)
        self._job_number += 1
        self.lookup_jobs[self._job_number] = (query, f.info, f.state, key, routes)
        f.in_thread(self._run_lookup, self._job_number, group="lookup")

    def index_ready(self) -> None:
        """The namespace was (re)drawn: trace the lookup that waited for its index, once the
        index exists (dropped if another namespace is shown now)."""
        f = self.follower
        if self.waiting is None or f.unindexed is not None or f.state is None:
            return
        (inode, fields), self.waiting = self.waiting, None
        if f.info is not None and f.info.inode == inode:
            self.requested(fields)

    def _run_lookup(self, job: int) -> None:
        query, info, state, key, routes = self.lookup_jobs.pop(job)
        result = self.lookups.run(query, info, state, key, routes)
        self.follower.call(self._show_trace, result, job)

    def _show_trace(self, result: LookupResult, job: int) -> None:
        if job != self._job_number or not self.follower.running:
            return  # a newer lookup was asked for meanwhile: its answer is the one to show
        trace = result.trace
        if trace is None:
            self.pane.show(Text(result.error or "no answer", style="bold red"))
            return
        self.pane.show(trace_text(trace, result.kernel, result.kernel_error))
        family = trace.query.family
        winner = winning_route(trace, self.follower.store.routes(family))
        if winner is not None and (
            winner.table != self.screen.table or family != self.screen.family
        ):
            self.screen.show_table(family, winner.table)
        self.view.show_winner(winner)
