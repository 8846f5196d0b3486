"""The app in a real terminal: a tmux server of its own (a unique socket, so parallel tests
never meet), with keys sent and the screen and terminal modes read back.

The program runs under a small wrapper that records ``stty -a`` before and after it and its
exit status, so a test can tell whether the terminal was left as it was found.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.patience import PATIENCE

WRAPPER = """
import json, os, subprocess, sys, time
out, argv = sys.argv[1], sys.argv[2:]
before = subprocess.run(["stty", "-a"], capture_output=True, text=True).stdout
child = subprocess.Popen(argv)
with open(out + ".pid", "w") as fh:
    fh.write(str(child.pid))
status = child.wait()
after = subprocess.run(["stty", "-a"], capture_output=True, text=True).stdout
with open(out + ".tmp", "w") as fh:
    json.dump({"before": before, "after": after, "status": status}, fh)
os.rename(out + ".tmp", out)
time.sleep(600)
"""


@dataclass
class Tmux:
    """One tmux server running one program in one pane."""

    socket: str
    result: Path

    def tmux(self, *args: str) -> str:
        """Run a tmux command on this server (argument list, no shell)."""
        proc = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        )
        return proc.stdout

    def screen(self) -> str:
        """The pane's text now."""
        return self.tmux("capture-pane", "-p", "-t", "main")

    def flag(self, name: str) -> str:
        """A pane format variable (``alternate_on``, ``mouse_any_flag``, ``pane_title``)."""
        return self.tmux("display-message", "-p", "-t", "main", f"#{{{name}}}").strip()

    def keys(self, *keys: str) -> None:
        """Type keys (tmux key names: ``C-c``, ``Escape``, ``n``)."""
        self.tmux("send-keys", "-t", "main", *keys)

    def wait_for(self, what: str, test: Callable[[], bool]) -> None:
        """Poll until ``test()`` holds; fail (naming ``what`` and the screen) if it never
        does."""
        deadline = time.monotonic() + PATIENCE
        while not test():
            if time.monotonic() > deadline:
                raise AssertionError(f"never: {what}\n{self.screen()}")
            time.sleep(0.05)

    def wait_screen(self, text: str) -> None:
        """Poll until ``text`` is on the screen."""
        self.wait_for(f"{text!r} on screen", lambda: text in self.screen())

    @property
    def pid(self) -> int:
        """The program's process id (the wrapper's child)."""
        pid_file = Path(f"{self.result}.pid")
        self.wait_for("the program started", pid_file.exists)
        return int(pid_file.read_text())

    def outcome(self) -> dict[str, Any]:
        """Once the program ended: stty before and after, and its status."""
        self.wait_for("the program ended", self.result.exists)
        data: dict[str, Any] = json.loads(self.result.read_text())
        return data


@contextmanager
def tmux_running(
    argv: list[str], tmp: Path, size: tuple[int, int] = (120, 40), env: dict[str, str] | None = None
) -> Iterator[Tmux]:
    """``argv`` in a fresh tmux server's pane; the server is killed afterwards, whatever
    happens."""
    socket = f"fsc-{uuid.uuid4().hex[:10]}"
    result = tmp / "outcome.json"
    script = tmp / "wrapper.py"
    script.write_text(WRAPPER)
    full_env = {**os.environ, "TERM": "xterm-256color", **(env or {})}
    command = [sys.executable, str(script), str(result), *argv]
    width, height = size
    subprocess.run(
        ["tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "main"]
        + ["-x", str(width), "-y", str(height), *command],
        check=True,
        env=full_env,
    )
    try:
        yield Tmux(socket, result)
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, check=False)
