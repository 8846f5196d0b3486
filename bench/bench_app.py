#!/usr/bin/env python3
"""Benchmark: the terminal app on a big routing table.

Creates its own namespace with N routes (default 1,000,000; ``--netns NAME`` measures an
existing one instead, left alone), then, a few times in turn: ``ip -n NS route show`` to
/dev/null and the app started headless on the same namespace (live, as a user would), each a
whole child process.  Printed: seconds until the first screen (``app_start``: the route view
drew the table's first rows while the status line says it is loaded; process start and load
included), the app's peak RSS then, CPU seconds of both, and the ratio to ``ip route show``
from the same run (best of the runs, and each run's own).  With ``--keys``, then how long keys
take (page down, end, a prefix, address and text filter, a sort, a lookup typed as a user
types it) and the peak RSS after them.  The namespace is always deleted.  Run as root:
``.venv/bin/python bench/bench_app.py --routes 1000000``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from app_start import app_start, compiled, ip_route_show, summary  # noqa: E402
from bench_routes import routes_namespace  # noqa: E402

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
        while app.main.follower.unindexed is not None:  # keys once the index is in
            await asyncio.sleep(0.01)
        out["indexed_s"] = time.perf_counter() - START
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


def keys(ns: str) -> dict[str, float]:
    """The key timings (one child process)."""
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, ns, str(HERE.parent)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    figures: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return figures


def starts(ns: str, runs: int, baseline: Path | None) -> dict[str, object]:
    """``ip route show`` and the app's first screen, in turn, ``runs`` times (with
    ``baseline``, the app from that checkout too, each run)."""
    ips, apps, bases = [], [], []
    compiled()
    if baseline is not None:
        compiled(baseline)
    for run in range(runs):
        ips.append(ip_route_show(ns))
        if baseline is not None:
            bases.append(app_start(ns, baseline))
            print(
                f"run {run + 1}: baseline first screen {bases[-1]['on_screen_s']:.3f} s"
                f" (cpu {bases[-1]['cpu_s']:.2f}, {bases[-1]['rss_mb']:.0f} MB)"
                f"  ratio {bases[-1]['on_screen_s'] / ips[-1]['s']:.2f}x",
                flush=True,
            )
        apps.append(app_start(ns))
        print(
            f"run {run + 1}: ip route show {ips[-1]['s']:.3f} s (cpu {ips[-1]['cpu_s']:.2f})"
            f"  app first screen {apps[-1]['on_screen_s']:.3f} s (cpu {apps[-1]['cpu_s']:.2f},"
            f" {apps[-1]['rss_mb']:.0f} MB, {apps[-1]['rows']:,} rows)"
            f"  ratio {apps[-1]['on_screen_s'] / ips[-1]['s']:.2f}x",
            flush=True,
        )
        print(
            f"       indexed (filters, sorts, lookups ready) {apps[-1]['indexed_s']:.3f} s"
            f" (cpu {apps[-1]['indexed_cpu_s']:.2f}, {apps[-1]['indexed_rss_mb']:.0f} MB)"
            f"  ratio {apps[-1]['indexed_s'] / ips[-1]['s']:.2f}x",
            flush=True,
        )
        threads = apps[-1].get("threads", {})
        print("       cpu by thread: " + ", ".join(f"{k} {v:.2f}" for k, v in threads.items()))
    ip_best = min(r["s"] for r in ips)
    app_best = min(r["on_screen_s"] for r in apps)
    print(f"ip route show:              {summary([r['s'] for r in ips])} s")
    print(f"  cpu:                      {summary([r['cpu_s'] for r in ips])} s")
    print(f"app first screen:           {summary([r['on_screen_s'] for r in apps])} s")
    print(f"  cpu:                      {summary([r['cpu_s'] for r in apps])} s")
    print(f"  peak RSS:                 {max(r['rss_mb'] for r in apps):.0f} MB")
    print(f"first screen / ip (best):   {app_best / ip_best:.2f}x")
    cpu_ratio = min(r["cpu_s"] for r in apps) / min(r["cpu_s"] for r in ips)
    print(f"  cpu ratio (best):         {cpu_ratio:.2f}x")
    indexed_best = min(r["indexed_s"] for r in apps)
    print(f"indexed:                    {summary([r['indexed_s'] for r in apps])} s")
    print(f"  cpu:                      {summary([r['indexed_cpu_s'] for r in apps])} s")
    print(f"  peak RSS:                 {max(r['indexed_rss_mb'] for r in apps):.0f} MB")
    print(f"indexed / ip (best):        {indexed_best / ip_best:.2f}x")
    if bases:
        base_best = min(r["on_screen_s"] for r in bases)
        print(f"baseline first screen:      {summary([r['on_screen_s'] for r in bases])} s")
        print(f"  cpu:                      {summary([r['cpu_s'] for r in bases])} s")
        print(f"  peak RSS:                 {max(r['rss_mb'] for r in bases):.0f} MB")
        print(f"baseline / ip (best):       {base_best / ip_best:.2f}x")
    return {
        "ip": ips,
        "app": apps,
        "baseline": bases,
        "ratio_best": app_best / ip_best,
    }


def main() -> int:
    """Build, measure, print, clean up."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--routes", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--netns", help="measure this existing namespace (left alone)")
    parser.add_argument("--keys", action="store_true", help="also time keys after the start")
    parser.add_argument("--baseline", type=Path, help="another checkout, measured in turn")
    args = parser.parse_args()
    with routes_namespace(args.netns, args.routes, "fsc-bapp") as ns:
        figures = starts(ns, args.runs, args.baseline)
        if args.keys:
            for key, value in keys(ns).items():
                shown = f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
                print(f"{key + ':':<27} {shown}")
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
