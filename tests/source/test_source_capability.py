"""The kernel is an explicit, optional capability of a Source (issue 11): a capture has none,
the live source has one, and nothing downcasts a source to find out."""

from __future__ import annotations

import re
from pathlib import Path

from tui.kernel.live_source import LiveKernel, LiveSource
from tui.source import CaptureSource

TUI = Path(__file__).resolve().parents[2] / "tui"
FIXTURE = str(Path(__file__).resolve().parents[1] / "fixtures" / "edge-router.json")


def test_a_capture_has_no_kernel_and_the_live_source_has_one() -> None:
    assert CaptureSource.open(FIXTURE).kernel() is None
    assert isinstance(LiveSource().kernel(), LiveKernel)


def test_no_code_downcasts_a_source() -> None:
    downcast = re.compile(r"isinstance\([^)]*,\s*\(?\s*(LiveSource|CaptureSource)")
    offenders = []
    for path in TUI.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if downcast.search(text):
            offenders.append(str(path.relative_to(TUI)))
        if "LiveSource" in text and path.name not in ("live_source.py", "common.py"):
            offenders.append(f"{path.relative_to(TUI)} names LiveSource")
    assert offenders == []
