"""fibscope is read-only: every command, and the live app, against a namespace leave no trace
in ``ip monitor all``; and the name files it reads are the ones it is told to read."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path

from tests.app.tmux import Tmux, tmux_running
from tests.netns_helpers import Netns, ip, requires_netns, run_fibscope, temp_netns
from tests.patience import PATIENCE, deadline

pytestmark = requires_netns


class Monitor:
    """``ip -n NS monitor all`` in the background, its lines collected."""

    def __init__(self, ns: Netns) -> None:
        self.proc = subprocess.Popen(
            ["ip", "-n", ns.name, "monitor", "all"], stdout=subprocess.PIPE, text=True
        )
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, patience: float = PATIENCE) -> int | None:
        """Wait until a line holds the words of ``text`` in order: its index (None if it
        never came)."""
        words = text.split()
        end = time.monotonic() + patience
        while time.monotonic() < end:
            for i, line in enumerate(self.lines):
                got = line.replace("]", "] ").split()
                if any(got[k : k + len(words)] == words for k in range(len(got))):
                    return i
            time.sleep(0.02)
        return None

    def start(self, ns: Netns) -> tuple[int, str]:
        """Add marker routes until the monitor shows one (it subscribes a moment after it
        starts): the index of that line and the marker."""
        end = deadline()
        for n in range(1, 1 << 16):
            marker = f"10.200.{n // 256}.{n % 256}"
            ns.ip("route", "add", "blackhole", f"{marker}/32")
            # Each marker gets half a second; the markers go on until the patience of a hang.
            found = self.wait_for(f"blackhole {marker} ", 0.5)
            if found is not None:
                return found, marker
            if time.monotonic() > end:
                break
        raise AssertionError(f"the monitor never showed a change: {self.lines}")

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


def closed(term: Tmux, title: str) -> bool:
    """The picker titled ``title`` is off the screen."""
    return title not in term.screen()


def test_nothing_in_fibscope_changes_kernel_state(tmp_path: Path) -> None:
    with temp_netns("fsr") as ns:
        ns.veth("r0", "r1")
        ns.ip("addr", "add", "10.7.0.1/24", "dev", "r0")
        ns.ip("route", "add", "10.8.0.0/16", "via", "10.7.0.2", "table", "100")
        ns.ip("rule", "add", "from", "10.7.0.0/24", "lookup", "100", "pref", "100")
        monitor = Monitor(ns)
        try:
            start, marker = monitor.start(ns)
            batch = tmp_path / "batch.jsonl"
            batch.write_text('{"dst": "10.8.1.1"}\n{"dst": "10.7.0.9", "from": "10.7.0.1"}\n')
            capture = str(tmp_path / "cap.json")
            for args in (
                ["namespaces"],
                ["routes", "--table", "all"],
                ["routes", "--format", "route-n"],
                ["routes", "-6", "--format", "route-n"],
                ["routes", "--format", "json"],
                ["rules"],
                ["rules", "-6", "--format", "json"],
                ["lookup", "10.8.1.1", "--verify"],
                ["lookup", "10.7.0.9", "--from", "10.7.0.1", "--iif", "r0", "--verify"],
                ["lookup", "--batch", str(batch), "--verify"],
                ["capture", "-o", capture],
            ):
                netns = [] if args[0] == "namespaces" else ["--netns", ns.name]
                proc = run_fibscope(*args, *netns)
                assert proc.returncode in (0, 1), (args, proc.stderr)
            if shutil.which("tmux"):
                argv = [sys.executable, "-m", "tui", "--netns", ns.name]
                with tmux_running(argv, tmp_path, size=(130, 40)) as term:
                    term.wait_screen("routes")
                    for picker, title in (("t", "Tables (Enter"), ("n", "Namespaces")):
                        # a picker may open late (the namespaces one waits for discovery):
                        # its Escape, then q, must not reach it before it is up
                        term.keys(picker)
                        term.wait_screen(title)
                        term.keys("Escape")
                        term.wait_for(f"{title} closed", partial(closed, term, title))
                        for key in ("r", "i", "6"):
                            term.keys(key)
                            time.sleep(0.2)  # let each screen draw (not a measurement)
                    term.keys("q")
                    assert term.outcome()["status"] == 0
            ns.ip("route", "del", "blackhole", f"{marker}/32")  # the end marker
            end = monitor.wait_for(f"Deleted blackhole {marker} ")
            assert end is not None, monitor.lines
        finally:
            monitor.stop()
        between = monitor.lines[start + 1 : end]
        assert between == [], f"fibscope changed kernel state: {between}"


def test_table_names_come_from_the_directory_it_is_told(tmp_path: Path) -> None:
    """FIBSCOPE_IPROUTE2_DIR replaces /etc/iproute2 for table names (the tests' own files:
    a host program changing /etc/iproute2 meanwhile changes nothing)."""
    confdir = Path(os.environ["FIBSCOPE_IPROUTE2_DIR"])
    mine = tmp_path / "iproute2"
    shutil.copytree(confdir, mine)
    (mine / "rt_tables.d" / "lab.conf").write_text("100\tlab\n")
    with temp_netns("fsr") as ns:
        ns.veth("r0", "r1")
        ns.ip("route", "add", "10.8.0.0/16", "dev", "r0", "table", "100")
        env = {"FIBSCOPE_IPROUTE2_DIR": str(mine)}
        old = os.environ["FIBSCOPE_IPROUTE2_DIR"]
        os.environ.update(env)
        try:
            named = run_fibscope("routes", "--netns", ns.name, "--table", "lab")
            listed = run_fibscope("routes", "--netns", ns.name, "--table", "all")
            theirs = ip("-n", ns.name, "route", "show", "table", "all")
        finally:
            os.environ["FIBSCOPE_IPROUTE2_DIR"] = old
        assert named.returncode == 0 and named.stdout == "10.8.0.0/16 dev r0 scope link \n"
        assert "table lab" in listed.stdout
        assert listed.stdout == theirs
        unnamed = run_fibscope("routes", "--netns", ns.name, "--table", "lab")
        assert unnamed.returncode == 2 and 'invalid table "lab"' in unnamed.stderr
