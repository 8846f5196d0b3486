"""The early watch hands on every event exactly once, in order, however its adoption falls
among the events its thread keeps sending (``tui.kernel.early_watch``)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from tests.patience import PATIENCE, wait_until
from tui.kernel.early_watch import EarlyWatch
from tui.source.events import Event, Reloading

COUNT = 20_000


class Sender:
    """A thread sending numbered events as fast as it can, as a monitor sends its own."""

    def __init__(self, emit: Callable[[Event], None]) -> None:
        self.stopped = threading.Event()
        self.sent = 0
        self._emit = emit
        self._thread = threading.Thread(target=self._run, name="test-sender", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for i in range(COUNT):
            if self.stopped.is_set():
                return
            self._emit(Reloading(str(i)))
            self.sent = i + 1

    def stop(self) -> None:
        self.stopped.set()

    def wait(self, timeout: float) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()


def starter(senders: list[Sender]) -> Callable[[Callable[[Event], None]], Sender]:
    def start(emit: Callable[[Event], None]) -> Sender:
        senders.append(Sender(emit))
        return senders[0]

    return start


def test_adopted_while_events_come_every_event_arrives_once_in_order() -> None:
    senders: list[Sender] = []
    early = EarlyWatch((1, 2), starter(senders))
    wait_until(lambda: senders[0].sent > COUNT // 4, "some events kept")
    heard: list[str] = []
    assert early.adopt(lambda event: heard.append(getattr(event, "reason", ""))) is early
    assert early.wait(PATIENCE)
    assert heard == [str(i) for i in range(COUNT)]
    assert early.kept() == []


def test_stopped_it_keeps_nothing_and_hands_nothing_on() -> None:
    senders: list[Sender] = []
    early = EarlyWatch((1, 2), starter(senders))
    wait_until(lambda: early.kept(), "some events kept")
    early.stop()
    assert early.kept() == [] and not early.following and early.wait(PATIENCE)
    heard: list[Event] = []
    early.adopt(heard.append)
    assert heard == [] and early.kept() == []


def test_a_watch_that_cannot_start_is_not_started() -> None:
    early = EarlyWatch((1, 2), lambda emit: None)
    assert not early.started and not early.following and early.wait(0)
    early.stop()
