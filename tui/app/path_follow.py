"""The lookup pane's requests: Enter traces the lookup in the shown namespace (in a worker,
``tui.app.lookup_runner``, asking the kernel too when live); ctrl+f follows the packet of the
fields across namespaces.

The path is walked in a worker (``tui.path.follow`` on the source's path host: a capture, or
the live kernel read lazily, each hop asked of the kernel when live); its hops are listed in
the pane, and moving through them switches the main view to that hop's namespace with the
hop's trace and its winning route highlighted (once that namespace has loaded).
"""

from __future__ import annotations

from rich.text import Text
from textual import work

from tui.app.lookup_pane import LookupPane
from tui.app.lookup_runner import LookupResult, LookupRunner
from tui.app.lookup_view import trace_text, winning_route
from tui.app.path_view import hop_prompts, path_summary
from tui.app.shown_rows import ShownRows
from tui.app.widgets.route_view import RouteView
from tui.fib.query import Query, QueryError
from tui.model import NamespaceInfo, NetnsState, Route
from tui.path import PathResult, follow
from tui.path.result import Hop
from tui.source import Source
from tui.source.path_verify import path_asker

# (query, namespace, state, engine key, routes to index or None)
LookupJob = tuple[Query, NamespaceInfo, NetnsState, tuple[int, int], tuple[Route, ...] | None]


class PathFollower(ShownRows):
    """The lookup pane's trace and path, and the hop whose namespace is on screen."""

    path: PathResult | None = None
    path_infos: dict[int, NamespaceInfo] = {}
    pending_hop: Hop | None = None
    _path_job = 0

    def __init__(
        self,
        source: Source,
        netns: str | None = None,
        *,
        live: bool = True,
        ansi_color: bool | None = None,
    ) -> None:
        super().__init__(source, netns, live=live, ansi_color=ansi_color)
        self.lookups = LookupRunner(source, self.names)
        # Lookups are handed to thread workers by number (see ShownRows).
        self._lookup_jobs: dict[int, LookupJob] = {}
        self._job_number = 0

    @staticmethod
    def _query_of(pane: LookupPane, given: dict[str, str]) -> Query | None:
        """The pane's fields as a query; None (and the reason shown inline) when they are not
        one."""
        fields = dict(given)
        if "dst" not in fields:
            pane.show(Text("A destination is needed.", style="bold red"))
            return None
        try:
            return Query.from_mapping(fields)
        except QueryError as exc:
            pane.show(Text(str(exc), style="bold red"))
            return None

    def on_lookup_pane_path_requested(self, message: LookupPane.PathRequested) -> None:
        """ctrl+f in the lookup pane: validate, then follow in a worker."""
        pane = self.query_one("#lookup", LookupPane)
        query = self._query_of(pane, message.fields)
        if query is None:
            return
        if self.info is None:
            pane.show(Text("No namespace to start from.", style="bold red"))
            return
        pane.show(Text("following the packet…"))
        self._path_job += 1
        self._follow(self._path_job, self.info, query)

    @work(thread=True, exclusive=True, group="path", description="path")
    def _follow(self, job: int, start: NamespaceInfo, query: Query) -> None:
        host = self.source.path_host()
        kernel = self.source.kernel() if self.live else None
        ask = path_asker(kernel) if kernel is not None else None
        try:
            result: PathResult | str = follow(host, start, query, ask)
        except QueryError as exc:
            result = str(exc)
        self.call_from_thread(self._show_path, job, result)

    def _show_path(self, job: int, result: PathResult | str) -> None:
        if job != self._path_job or not self.is_running:
            return
        pane = self.query_one("#lookup", LookupPane)
        if isinstance(result, str):
            pane.show(Text(result, style="bold red"))
            return
        self.path = result
        self.path_infos = {info.inode: info for info in self.infos}
        pane.show(path_summary(result), keep_hops=True)
        pane.show_hops(hop_prompts(result, self.names))

    def on_lookup_pane_hop_chosen(self, message: LookupPane.HopChosen) -> None:
        """Show the hop's namespace, its trace, and (once loaded) its winning route."""
        if self.path is None or not 0 <= message.index < len(self.path.hops):
            return
        hop = self.path.hops[message.index]
        pane = self.query_one("#lookup", LookupPane)
        pane.show(path_summary(self.path, hop), keep_hops=True)
        info = self.path_infos.get(hop.inode)
        self.pending_hop = hop
        if info is not None and (self.info is None or info.inode != self.info.inode):
            self.switch_namespace(info)  # the winner is shown when it has loaded
        else:
            self.show_pending_hop()

    def show_pending_hop(self) -> None:
        """Highlight the pending hop's winning route if its namespace is the one shown."""
        hop = self.pending_hop
        if hop is None or self.info is None or self.state is None or hop.inode != self.info.inode:
            return
        self.pending_hop = None
        family = hop.trace.query.family
        winner = winning_route(hop.trace, self.store.routes(family))
        if winner is not None and (winner.table != self.table or family != self.family):
            self.table, self.family = winner.table, family
            self._rebuild(keep_cursor=False)
        self.query_one(RouteView).show_winner(winner)

    def close_lookup(self) -> None:
        """Hide the lookup pane and the winner's highlight."""
        self.query_one("#lookup", LookupPane).display = False
        view = self.query_one(RouteView)
        view.show_winner(None)
        view.focus()

    def action_lookup(self) -> None:
        """Open the lookup pane with the destination field focused."""
        pane = self.query_one("#lookup", LookupPane)
        pane.display = True
        pane.focus_destination()

    def on_lookup_pane_requested(self, message: LookupPane.Requested) -> None:
        """Enter in the lookup pane: validate, then trace (and ask the kernel when live)."""
        pane = self.query_one("#lookup", LookupPane)
        self.path = None
        query = self._query_of(pane, message.fields)
        if query is None:
            return
        if self.state is None or self.info is None:
            pane.show(Text("No namespace state to look up in.", style="bold red"))
            return
        pane.show(Text("tracing…"))
        key = (id(self.state), self.store.version)
        routes = self.lookups.snapshot(key, self.store)
        self._job_number += 1
        self._lookup_jobs[self._job_number] = (query, self.info, self.state, key, routes)
        self._run_lookup(self._job_number)

    @work(thread=True, exclusive=True, group="lookup", description="lookup")
    def _run_lookup(self, job: int) -> None:
        query, info, state, key, routes = self._lookup_jobs.pop(job)
        result = self.lookups.run(query, info, state, key, routes)
        self.call_from_thread(self._show_trace, result, job)

    def _show_trace(self, result: LookupResult, job: int) -> None:
        if job != self._job_number or not self.is_running:
            return  # a newer lookup was asked for meanwhile: its answer is the one to show
        pane = self.query_one("#lookup", LookupPane)
        trace = result.trace
        if trace is None:
            pane.show(Text(result.error or "no answer", style="bold red"))
            return
        pane.show(trace_text(trace, result.kernel, result.kernel_error))
        family = trace.query.family
        winner = winning_route(trace, self.store.routes(family))
        if winner is not None and (winner.table != self.table or family != self.family):
            self.table, self.family = winner.table, family
            self._fit_mode()
            self._rebuild(keep_cursor=False)
        self.query_one(RouteView).show_winner(winner)
