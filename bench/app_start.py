"""The app's start, measured the same way by every benchmark: a child process, from its first
line to the first screen.

The child starts the app as ``fibscope [--netns NS]`` does (``tui.cli.app.cmd_app``): the
namespace named is checked and the app gets the namespaces the check found; then it runs
headless.

The first screen: the route view has drawn a line of the loaded table (``render_line`` called
with rows) while the status line says the table is loaded (the route count shown, no
"reading…" notice).  The child waits for it on an event, not by polling through the pilot
(each ``pilot.pause`` walks the widgets and forces a screen update: 0.3-0.5 s of CPU taken
from the app over a million-route load).  The child reports seconds since its start, its peak
RSS then, and the CPU seconds of the whole process (every thread, the kernel's dump work
included: the figure that load from other processes on a shared machine disturbs least).

A big first load shows its rows before its index is built (the status line says
"indexing…"; filters, sorts and lookups wait for the index): the child also reports when the
index is in (``indexed_s``, with the CPU seconds and peak RSS then), polled every 10 ms.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STUCK_S = 300.0  # no first screen by then: the child prints where it was and fails

CHILD = r"""
import asyncio, json, os, sys, time
START = time.perf_counter()
sys.path.insert(0, sys.argv[1])
NETNS = sys.argv[2] or None
STUCK_S = float(sys.argv[3])
from tui.cli.common import open_source
SOURCE = open_source(None)
# As the CLI starts the app (tui.cli.app.cmd_app): the namespace named checked; a checkout
# from before known_namespaces (a baseline) checks it as its CLI did (an early watch that
# checkout's CLI started is not started here).
try:
    from tui.cli.app import known_namespaces
except ImportError:
    try:
        from tui.cli.app import first_namespace
    except ImportError:
        KNOWN = SOURCE.namespaces() if NETNS else None
    else:
        KNOWN = first_namespace(SOURCE, NETNS)[0]
else:
    KNOWN = known_namespaces(SOURCE, NETNS)
from tui.app.run import make_app
from tui.app.widgets.route_view import RouteView

def rss_mb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return 0.0

drawn = {}
render_line = RouteView.render_line

def thread_cpu():
    # CPU seconds of each live thread by name (the main thread, the monitor, the rows'
    # workers...), and of the threads already ended (the read-ahead after the load)
    import threading
    tick, out = os.sysconf("SC_CLK_TCK"), {}
    for thread in threading.enumerate():
        try:
            with open(f"/proc/self/task/{thread.native_id}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        name = "main" if thread is threading.main_thread() else thread.name
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    cpu = os.times()
    out["ended threads"] = max(0.0, cpu.user + cpu.system - sum(out.values()))
    return {name: round(value, 2) for name, value in out.items() if value >= 0.01}

def watched(self, y):
    app = self.app
    follower = app.main.follower
    if (not drawn and self.rows is not None and self.rows.row_count and follower.state is not None
            and not follower.notice and f"{len(self.rows.routes):,} route" in app.status_text_now):
        cpu = os.times()
        drawn.update(on_screen_s=time.perf_counter() - START, cpu_s=cpu.user + cpu.system,
                     rss_mb=rss_mb("VmHWM:"), rows=self.rows.row_count, threads=thread_cpu())
        SEEN.set()
    return render_line(self, y)

RouteView.render_line = watched

async def main():
    global SEEN
    SEEN = asyncio.Event()  # set by the first line drawn: no polling that costs the app time
    app = make_app(SOURCE, NETNS)
    app.main.follower.known = KNOWN
    status = app.main.show_status
    def show_status():
        status()
        app.status_text_now = str(app.main.query_one("#status").render())
    app.status_text_now = ""
    app.main.show_status = show_status
    async with app.run_test(size=(100, 30)) as pilot:
        try:
            await asyncio.wait_for(SEEN.wait(), STUCK_S)
        except asyncio.TimeoutError:  # say what the app was at, every thread's stack too
            import faulthandler
            f = app.main.follower
            print(json.dumps({"stuck_s": STUCK_S, "status": app.status_text_now,
                              "notice": f.notice, "loaded": f.state is not None,
                              "rows": app.main.route_view.rows is not None,
                              "queued": len(f.inbox)}), file=sys.__stderr__)
            sys.__stderr__.flush()
            faulthandler.dump_traceback(file=sys.__stderr__, all_threads=True)
            os._exit(3)
        # Indexed: a big first load's rows come before its index (``unindexed``); filters,
        # sorts and lookups wait for the index.  Polled without the pilot (see above).
        follower = app.main.follower
        while getattr(follower, "unindexed", None) is not None or follower.state is None:
            await asyncio.sleep(0.01)
        cpu = os.times()
        drawn.update(indexed_s=time.perf_counter() - START, indexed_cpu_s=cpu.user + cpu.system,
                     indexed_rss_mb=rss_mb("VmHWM:"))
        while not app.main.follower.infos:
            await pilot.pause(0.01)
        drawn["namespaces"] = len(app.main.follower.infos)
    print(json.dumps(drawn))
    sys.stdout.flush()
    os._exit(0)  # a million routes need not be freed one by one

asyncio.run(main())
"""


def compiled(root: Path = ROOT) -> None:
    """Byte-compile the checkout's ``tui`` as an installed package is (PYTHONDONTWRITEBYTECODE
    would otherwise make every child compile every module: 0.1-0.2 s of each start)."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(root / "tui")],
        check=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    )


def app_start(netns: str | None, root: Path = ROOT) -> dict[str, Any]:
    """One start of the app on ``netns`` (None: the host's namespace), from the checkout at
    ``root`` (another checkout: a baseline measured in the same run).  A start that shows no
    first screen within ``STUCK_S`` fails with the app's status and every thread's stack."""
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), netns or "", str(STUCK_S)],
        capture_output=True,
        text=True,
        check=False,
        cwd=root,
    )
    if proc.returncode != 0:
        stuck = [line for line in proc.stderr.splitlines() if line.startswith('{"stuck_s"')]
        raise RuntimeError(f"app start: {''.join(stuck)}\n{proc.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return figures


def ip_route_show(netns: str | None) -> dict[str, float]:
    """``ip [-n NS] route show`` to /dev/null: seconds, CPU seconds, peak RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        ["ip", *(["-n", netns] if netns else []), "route", "show"], stdout=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("ip route show failed")
    return {
        "s": seconds,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
    }


def summary(values: list[float]) -> str:
    """best / median of a few runs."""
    return f"best {min(values):.3f}  median {statistics.median(values):.3f}"
