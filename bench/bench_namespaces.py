#!/usr/bin/env python3
"""Benchmark: ``fibscope namespaces``, ``path`` and the app's start on a Kubernetes-like node.

Builds (``bench_path.build``) a node with N calico-style pods (default 250), an uplink and one
namespace holding R routes (default 1,000,000), then prints, each as a whole child process
(best and median of a few runs, peak RSS): ``namespaces`` (text and JSON), ``path`` pod to pod
live and from a capture of the node and its pods, and the app's start (seconds until the host's
table is on screen) both before the namespaces exist and after.  For scale, in the same run:
``ip -n NS route show | wc -l`` over every namespace (one ``ip`` per namespace, the way a
person would count).  Every namespace made is deleted at the end, whatever happens.
Run as root: ``.venv/bin/python bench/bench_namespaces.py --pods 250 --routes 1000000``
(``--reuse PREFIX`` measures namespaces an earlier ``bench_path.build`` left, deleting nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_path import batch, build, fibscope, pod_ip, timed  # noqa: E402

APP_CHILD = r"""
import asyncio, json, sys, time
START = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from tui.app.run import make_app
from tui.app.widgets.route_view import RouteView
from tui.kernel.live_source import LiveSource

async def main():
    app = make_app(LiveSource())
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.query_one(RouteView)
        while view.rows is None or view.rows.row_count == 0:
            await pilot.pause(0.01)
        on_screen = time.perf_counter() - START
        while not app.infos:
            await pilot.pause(0.01)
        listed = time.perf_counter() - START
    print(json.dumps({"on_screen_s": on_screen, "namespaces_listed_s": listed,
                      "namespaces": len(app.infos)}))

asyncio.run(main())
"""


def app_start(runs: int) -> dict[str, float]:
    """The app (live, host namespace) started headless: best seconds until the table is on
    screen, and until the namespace list is known."""
    shown, listed, count = [], [], 0
    for _ in range(runs):
        proc = subprocess.run(
            [sys.executable, "-c", APP_CHILD, str(ROOT)],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"app start: {proc.stderr[-2000:]}")
        figures = json.loads(proc.stdout.strip().splitlines()[-1])
        shown.append(figures["on_screen_s"])
        listed.append(figures["namespaces_listed_s"])
        count = figures["namespaces"]
    return {
        "on_screen_best_s": round(min(shown), 3),
        "namespaces_listed_best_s": round(min(listed), 3),
        "namespaces": count,
    }


def ip_route_count_all() -> tuple[float, int]:
    """``ip -n NS route show | wc -l`` for every named namespace: seconds and lines."""
    names = [
        line.split()[0]
        for line in subprocess.run(
            ["ip", "netns", "list"], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        if line.strip()
    ]
    start = time.perf_counter()
    lines = 0
    for name in names:
        with tempfile.TemporaryFile() as out:
            subprocess.run(["ip", "-n", name, "route", "show"], stdout=out, check=False)
            out.seek(0)
            lines += sum(chunk.count(b"\n") for chunk in iter(lambda: out.read(1 << 20), b""))
    return time.perf_counter() - start, lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=250)
    parser.add_argument("--routes", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", metavar="PREFIX", help="namespaces already built")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("root is needed to create namespaces", file=sys.stderr)
        return 2
    prefix = args.reuse or f"fsb{uuid.uuid4().hex[:5]}"
    made: list[str] = []
    figures: dict[str, object] = {"pods": args.pods, "routes": args.routes}
    try:
        if not args.reuse:
            figures["app_start_before"] = app_start(args.runs)
            print(f"app start before the namespaces: {figures['app_start_before']}", flush=True)
            start = time.perf_counter()
            build(prefix, args.pods, args.routes, made)
            print(f"built {len(made)} namespaces in {time.perf_counter() - start:.1f} s")
        seconds, lines = ip_route_count_all()
        figures["ip_route_show_wc_all"] = {"s": round(seconds, 3), "lines": lines}
        print(f"{'reference: ip -n NS route show | wc -l, all':<44} {seconds:.3f} s  {lines} lines")
        figures["namespaces"] = timed("namespaces (live, every namespace)", args.runs, "namespaces")
        figures["namespaces_json"] = timed(
            "namespaces --format json", args.runs, "namespaces", "--format", "json"
        )
        first, last = f"{prefix}pod0", pod_ip(args.pods - 1)
        figures["path_live"] = timed(
            "path pod0 -> last pod (live)", args.runs, "path", last, "--netns", first
        )
        with tempfile.TemporaryDirectory() as tmp:
            capture = str(Path(tmp) / "node.json")
            names = [f"{prefix}node", f"{prefix}out"] + [
                f"{prefix}pod{n}" for n in range(args.pods)
            ]
            netns_args = [a for name in names for a in ("--netns", name)]
            figures["capture_node"] = timed(
                "capture (node, uplink, pods)", 1, "capture", *netns_args, "-o", capture
            )
            figures["path_state"] = timed(
                "path pod0 -> last pod (--state)",
                args.runs,
                "path",
                last,
                "--netns",
                first,
                "--state",
                capture,
            )
        figures["app_start_after"] = app_start(args.runs)
        print(f"app start with the namespaces:  {figures['app_start_after']}", flush=True)
        _, _, text = fibscope("namespaces", "--netns", f"{prefix}big")
        print(text, end="")
    finally:
        if made:
            batch(None, [f"netns delete {name}" for name in made])
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
