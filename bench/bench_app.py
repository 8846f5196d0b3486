#!/usr/bin/env python3
"""Benchmark: the terminal app on a big routing table.

Creates its own namespace with N routes (default 1,000,000), then in a child process starts
the app headless on it (live, as a user would) and prints: seconds until the table is on
screen (process start and load included), peak RSS, and how long keys take (page down, end,
a prefix, address and text filter, a sort, a lookup typed as a user types it).
``ip route show`` on the same table is timed in the same run for scale.  The namespace is
always deleted.  Run as root:
``.venv/bin/python bench/bench_app.py --routes 1000000``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_routes import ip, load_routes  # noqa: E402

CHILD = r"""
import asyncio, json, sys, time
START = time.perf_counter()
sys.path.insert(0, sys.argv[2])
from tui.app.run import make_app
from tui.app.widgets.route_view import RouteView
from tui.kernel.live_source import LiveSource

def rss_mb(field="VmHWM:"):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return 0.0

async def main():
    app = make_app(LiveSource(), sys.argv[1])
    out = {}
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.query_one(RouteView)
        while view.rows is None or view.rows.row_count == 0:
            await pilot.pause(0.02)
        out["on_screen_s"] = time.perf_counter() - START
        out["rows"] = view.rows.row_count
        out["rss_on_screen_mb"] = rss_mb("VmRSS:")
        async def timed(name, *keys):
            t = time.perf_counter()
            await pilot.press(*keys)
            await app.workers.wait_for_complete()
            await pilot.pause()
            out[name + "_ms"] = (time.perf_counter() - t) * 1000
        await timed("pilot_overhead_no_op_key", "f12")
        await timed("key_down", "down")
        await timed("key_pagedown", "pagedown")
        await timed("key_end", "end")
        await timed("key_toggle_view", "v")
        async def filtered(name, text):
            # Typed, then Enter without the pilot: its press waits until the screen is idle,
            # which a filter showing rows as it finds them is not until it has finished.
            await pilot.press("slash")
            app.query_one("#filter").value = ""
            await pilot.press(*text)
            before, t = view.rows, time.perf_counter()
            await app.query_one("#filter").action_submit()
            while view.rows is before or not view.rows.row_count:  # the first rows found
                await asyncio.sleep(0.01)
            out[f"filter_{name}_first_rows_ms"] = (time.perf_counter() - t) * 1000
            await app.workers.wait_for_complete()
            out[f"filter_{name}_all_rows_ms"] = (time.perf_counter() - t) * 1000
            out[f"filter_{name}_rows"] = view.rows.row_count
            await pilot.pause()
        await filtered("prefix", "20.1.0.0/16")
        await pilot.press("slash")
        await timed("filter_clear_escape", "escape")
        await filtered("address", "10.254.3.77")
        await filtered("text", "v0 proto")
        await pilot.press("slash", "escape")
        await app.workers.wait_for_complete()
        await timed("sort_by_destination", "s")
        out["peak_rss_before_lookup_mb"] = rss_mb()
        await pilot.press("l", *"20.3.4.5")  # typed, as a user does
        await timed("lookup_first_enter", "enter")
        app.query_one("#q-dst").value = ""
        await pilot.press(*"20.9.8.7")
        await timed("lookup_again_enter", "enter")
        out["peak_rss_mb"] = rss_mb()
    print(json.dumps(out))

asyncio.run(main())
"""


def main() -> int:
    """Build, measure, print, clean up."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--routes", type=int, default=1_000_000)
    args = parser.parse_args()
    ns = f"fsc-bapp-{uuid.uuid4().hex[:8]}"
    ip("netns", "add", ns)
    try:
        load_s = load_routes(ns, args.routes)
        start = time.perf_counter()
        subprocess.run(["ip", "-n", ns, "route", "show"], stdout=subprocess.DEVNULL, check=True)
        ip_s = time.perf_counter() - start
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, ns, str(HERE.parent)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            return 1
        figures = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"routes loaded:              {args.routes:,} ({load_s:.1f} s with ip -batch)")
        print(f"ip route show:              {ip_s:.2f} s")
        for key, value in figures.items():
            shown = f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
            print(f"{key + ':':<27} {shown}")
        print(f"on screen / ip route show:  {figures['on_screen_s'] / ip_s:.2f}x")
    finally:
        subprocess.run(["ip", "netns", "delete", ns], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
