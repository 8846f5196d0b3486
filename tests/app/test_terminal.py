"""The app in a real terminal: signals and Ctrl-C leave it as it was found (``stty -a``, no
alternate screen, no mouse tracking); no terminal means one line and exit 2; a plain
terminal gets no mouse mode nor true colour; hostile names never retitle the terminal."""

from __future__ import annotations

import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.app.helpers import FIXTURE
from tests.app.tmux import tmux_running
from tests.netns_helpers import requires_netns, temp_netns
from tests.patience import PATIENCE

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
APP = [sys.executable, "-m", "tui", "--state", FIXTURE]


def _modes_restored(term: object) -> None:
    assert term.flag("alternate_on") == "0"  # type: ignore[attr-defined]
    assert term.flag("mouse_any_flag") == "0"  # type: ignore[attr-defined]
    assert term.flag("cursor_flag") == "1"  # type: ignore[attr-defined]


@needs_tmux
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_restores_the_terminal(tmp_path: Path, sig: signal.Signals) -> None:
    with tmux_running(APP, tmp_path) as term:
        term.wait_screen("15 routes")
        assert term.flag("alternate_on") == "1" and term.flag("mouse_any_flag") == "1"
        os.kill(term.pid, sig)
        outcome = term.outcome()
        assert outcome["status"] == -sig  # died of the signal: the status a shell expects
        assert outcome["after"] == outcome["before"]
        _modes_restored(term)
        assert "Traceback" not in term.screen()


@needs_tmux
def test_ctrl_c_quits_and_restores_the_terminal(tmp_path: Path) -> None:
    with tmux_running(APP, tmp_path) as term:
        term.wait_screen("15 routes")
        term.keys("C-c")
        outcome = term.outcome()
        assert outcome["status"] == 0
        assert outcome["after"] == outcome["before"]
        _modes_restored(term)


def test_no_terminal_is_one_line_and_exit_2(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    with open(out, "wb") as fh:
        proc = subprocess.run(
            APP, stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.PIPE, timeout=PATIENCE
        )
    assert proc.returncode == 2
    assert out.read_bytes() == b""
    assert proc.stderr.count(b"\n") == 1 and proc.stderr.startswith(b"fibscope: ")
    assert b"terminal" in proc.stderr


def _run_in_pty(env: dict[str, str]) -> bytes:
    """The app in a pseudo-terminal of 100x30: everything it wrote until it showed the
    routes, then ``q``."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the app, with the pty as its terminal
        os.execvpe(APP[0], APP, {**os.environ, **env, "COLUMNS": "100", "LINES": "30"})
    seen = b""
    deadline = time.monotonic() + PATIENCE
    quit_sent = False
    try:
        while True:
            assert time.monotonic() < deadline, seen[-500:]
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break  # the child closed the terminal: it has ended
                if not chunk:
                    break
                seen += chunk
            if not quit_sent and b"routes" in seen:
                os.write(fd, b"q")
                quit_sent = True
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    return seen


@pytest.mark.parametrize("term", ["dumb", "vt100"])
def test_a_plain_terminal_gets_no_mouse_mode_nor_true_colour(term: str) -> None:
    out = _run_in_pty({"TERM": term, "COLORTERM": "truecolor"})
    assert b"\x1b[?1000h" not in out and b"\x1b[?1003h" not in out  # mouse tracking
    assert b"38;2;" not in out and b"48;2;" not in out  # 24-bit colours
    rich = _run_in_pty({"TERM": "xterm-256color", "COLORTERM": "truecolor"})
    assert b"\x1b[?1000h" in rich and b"38;2;" in rich  # the same app elsewhere: both


NAMER = (
    "import ctypes, sys, time\n"
    "ctypes.CDLL(None).prctl(15, ctypes.c_char_p(bytes.fromhex(sys.argv[1])), 0, 0, 0)\n"
    "print('named', flush=True)\n"
    "time.sleep(600)\n"
)


@needs_tmux
@requires_netns
def test_a_hostile_process_name_does_not_reach_the_terminal(tmp_path: Path) -> None:
    """The live app's namespace picker lists the processes of each namespace."""
    evil = b"\x1b]2;PWNED\x07\xff"
    with temp_netns("fsa") as ns:
        proc = subprocess.Popen(
            ["ip", "netns", "exec", ns.name, sys.executable, "-c", NAMER, evil.hex()],
            stdout=subprocess.PIPE,
        )
        try:
            assert proc.stdout is not None and proc.stdout.readline() == b"named\n"
            argv = [sys.executable, "-m", "tui", "--netns", ns.name]
            with tmux_running(argv, tmp_path, size=(140, 40)) as term:
                term.wait_screen("routes")
                title = term.flag("pane_title")
                term.keys("n")
                term.wait_screen("\\x1b]2;PWNED\\x07\\xff")
                assert term.flag("pane_title") == title != "PWNED"
                term.keys("Escape")
                term.wait_for("the picker closed", lambda: "PWNED" not in term.screen())
                term.keys("q")
                assert term.outcome()["status"] == 0
        finally:
            proc.kill()
            proc.wait()
