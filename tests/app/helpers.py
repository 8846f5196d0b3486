"""Shared helpers for app tests (a plain module, not a conftest): the app built from a made-up
capture, never the kernel, and the wait until it has settled."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerState

from tui.app.app import FibscopeApp
from tui.app.run import make_app
from tui.source import CaptureSource

FIXTURE = str(Path(__file__).parent.parent / "fixtures" / "edge-router.json")


def fixture_app(netns: str | None = None) -> FibscopeApp:
    """The app on the edge-router capture (deterministic: no live source, no clock)."""
    return make_app(CaptureSource.open(FIXTURE), netns, live=False)


async def loaded(pilot: Pilot[None]) -> None:
    """Wait until discovery and loading have finished and the screen settled.

    A worker's answer can start another worker (a lookup's answer redraws rows; rows redraw
    the status), so wait until a pause leaves no worker pending or running: a fixed number of
    rounds was short on a busy machine."""
    for _ in range(50):  # a bound against a worker that never ends, not a timing
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not any(
            w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in pilot.app.workers
        ):
            break
    steady_cursors(pilot.app)
    await pilot.pause()


def steady_cursors(app: App[None]) -> None:
    """Every text input's cursor shown and its blink stopped: a blink is a timer of 0.5 s, so
    a screenshot taken later on a busy machine caught the cursor hidden (a flaky snapshot)."""
    for field in app.query(Input):
        field._pause_blink(visible=True)
