"""Shared helpers for app tests (a plain module, not a conftest): the app built from a made-up
capture, never the kernel, and the wait until it has settled."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerState

from tests.patience import wait_until_async
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
    the status), so wait until a pause leaves no worker pending or running (only a hang
    fails: tests/patience.py); then the text cursors stop blinking."""

    async def settle() -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    await settle()
    await wait_until_async(
        lambda: (
            not any(
                w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in pilot.app.workers
            )
        ),
        "the app's workers finished",
        pause=settle,
    )
    steady_cursors(pilot.app)
    await pilot.pause()


def steady_cursors(app: App[None]) -> None:
    """Every text input's cursor shown for good, on every screen of the stack (a modal's
    too): a blink is a timer of 0.5 s, so a screenshot taken later on a busy machine caught
    the cursor hidden.  Blinking is switched off, not only paused: a focus arriving after
    this (a screen's focus is given a message later) restarts a paused blink."""
    for screen in app.screen_stack:
        for field in screen.query(Input):
            field.cursor_blink = False
            field._pause_blink(visible=True)
