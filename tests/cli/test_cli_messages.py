"""What error messages echo of the input is one short line without control bytes: a name
with a newline or an escape sequence, or a huge argument, must not break the one-line rule
or reach the terminal as is (issue 10, item 7)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.patience import PATIENCE
from tui.cli.common import MESSAGE_LIMIT, one_line

FIXTURE = str(Path(__file__).resolve().parents[1] / "fixtures" / "edge-router.json")


def fibscope(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, timeout=PATIENCE
    )


def test_one_line_escapes_and_cuts() -> None:
    assert one_line("plain text") == "plain text"
    assert one_line("a\nb\x1b[2J\x07\x7f\x9b") == "a\\x0ab\\x1b[2J\\x07\\x7f\\x9b"
    assert one_line("bad byte \udcff") == "bad byte \\xff"  # surrogateescape'd argv byte
    assert one_line("zero\u200bwidth") == "zero\\u200bwidth"
    long = one_line("x" * 10_000)
    assert long == "x" * MESSAGE_LIMIT + f"... ({10_000 - MESSAGE_LIMIT} more characters)"


def test_a_namespace_name_with_control_bytes() -> None:
    proc = fibscope("routes", "--state", FIXTURE, "--netns", "evil\nname\x1b]0;PWN\x07")
    assert proc.returncode == 2 and proc.stdout == b""
    assert proc.stderr == b'fibscope: unknown namespace "evil\\x0aname\\x1b]0;PWN\\x07"\n'


def test_a_huge_argument_is_not_echoed_whole() -> None:
    proc = fibscope("lookup", "1" * 100_000, "--state", FIXTURE)
    assert proc.returncode == 2 and proc.stderr.count(b"\n") == 1
    assert len(proc.stderr) < 2 * MESSAGE_LIMIT and b"more characters" in proc.stderr
