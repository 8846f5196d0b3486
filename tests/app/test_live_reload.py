"""A re-read of a big table in the app, on a real namespace: the stale table is let go when
the re-read is announced (two copies of a million routes would be held, issue 13), so from
then until the new table nothing stale is shown, every status drawn says "reloading…", and
the new table equals the kernel's.  (The size that counts as big is lowered for the test.)"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest

import tui.app.follow as follow_module
from tests.app.test_live import build, wait_for
from tests.netns_helpers import requires_netns, temp_netns
from tests.patience import PATIENCE
from tui.app.pacing import RELOADING
from tui.app.run import make_app
from tui.app.widgets.route_view import RouteView
from tui.kernel.live_source import LiveSource
from tui.kernel.monitor import OVERRUN
from tui.kernel.netlink.route_dump import dump_routes
from tui.source.events import Event, Reloading, RouteChanges, Snapshot

pytestmark = requires_netns
TABLE = 3000


async def test_a_big_table_is_let_go_while_it_is_reread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(follow_module, "DROP_ON_RELOAD", 1000)
    with temp_netns("fsa") as ns:
        build(ns)
        ns.batch(f"route add 10.{50 + i // 250}.{i % 250}.0/24 via 10.40.0.9" for i in range(TABLE))
        app = make_app(LiveSource(rcvbuf=4096), ns.name)
        follower = app.main.follower
        gate = threading.Event()  # the monitor's thread waits in emit until the burst is made
        gate.set()
        held = threading.Event()  # ... and says when it waits there
        plain = follower._emitter

        def gated_emitter() -> Callable[[Event], None]:
            emit = plain()

            def gated(event: Event) -> None:
                if isinstance(event, RouteChanges) and not gate.is_set():
                    held.set()
                    gate.wait(PATIENCE)
                emit(event)

            return gated

        follower._emitter = gated_emitter  # type: ignore[method-assign]
        applied: list[tuple[str, int, int, str]] = []  # event, store size, rows shown, sync
        apply_now = follower._apply_now

        def recording(event: Event) -> None:
            apply_now(event)
            rows = shown_rows()
            applied.append(
                (type(event).__name__, len(follower.store), rows, follower.inbox.sync_text())
            )

        follower._apply_now = recording  # type: ignore[method-assign]
        drawn: list[tuple[str, int]] = []  # every status line drawn, with the rows shown then
        update = app.main.show_status

        def drawing() -> None:
            update()
            rows = shown_rows()
            drawn.append((str(app.query_one("#status").render()), rows))

        app.main.show_status = drawing  # type: ignore[method-assign]

        def shown_rows() -> int:
            rows = app.query_one(RouteView).rows
            return rows.row_count if rows is not None else 0

        async with app.run_test(size=(100, 30)) as pilot:
            view = app.query_one(RouteView)
            await wait_for(
                pilot, lambda: view.rows is not None and view.rows.row_count == TABLE + 1
            )
            gate.clear()
            ns.ip("route", "add", "10.49.0.0/24", "via", "10.40.0.9")  # the monitor waits in emit
            await wait_for(pilot, held.is_set)
            ns.batch(
                f"route add 10.{70 + i // 250}.{i % 250}.0/24 via 10.40.0.9" for i in range(2000)
            )
            gate.set()
            done = "netlink overrun: the namespace was re-read at "
            await wait_for(pilot, lambda: done in follower.notice)
            await wait_for(
                pilot, lambda: Counter(follower.store.routes()) == Counter(dump_routes(ns.path))
            )
            await wait_for(
                pilot, lambda: view.rows is not None and view.rows.row_count == TABLE + 2002
            )
        kinds = [kind for kind, *_ in applied]
        start = kinds.index("Reloading")
        end = kinds.index("Snapshot", start)
        # from the announcement until the new table: nothing stale held nor shown
        assert all(size == 0 and rows == 0 for _, size, rows, _ in applied[start:end]), applied
        assert all(sync == RELOADING for *_, sync in applied[start:end]), applied
        assert applied[end][1] > TABLE, applied[end]
        lost = next(i for i, (text, _) in enumerate(drawn) if OVERRUN in text)
        reread = next(i for i, (text, _) in enumerate(drawn) if done in text)
        assert all(RELOADING in text for text, _ in drawn[lost:reread]), drawn
        assert any(rows == 0 for _, rows in drawn[lost:reread]), "the stale rows were let go"
        assert not any(isinstance(e, Reloading | Snapshot) for e in follower.inbox.take())
