#!/usr/bin/env python3
"""Benchmark: a full table's capture written and read back, against the live figures.

Creates its own namespace with N IPv4 routes (``ip -batch``, as ``bench_routes``) and times,
in the same run, each row against its reference (best wall time of REPEAT, with the peak RSS
of that run, measured by wait4 on the child):

* ``fibscope capture --netns NS -o F`` (and F's size) against ``ip -j route show``;
* ``fibscope routes --state F`` against ``fibscope routes --netns NS`` (output compared);
* ``fibscope lookup DEST --state F`` against ``fibscope lookup DEST --netns NS``.

``--fibscope PATH`` also measures another build (e.g. main's ``.venv/bin/fibscope``) on the
same namespace, for a before/after table.  ``--netns NAME`` measures an existing namespace
(left alone).  Run as root:  ``.venv/bin/python bench/bench_capture.py --routes 1000000``
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_routes import best_wall, fibscope_builds, routes_namespace, same_output

GOAL_CAPTURE = 1.5  # x ip -j route show
GOAL_RSS_MB = {"capture": 300, "routes": 400, "lookup": 400}


def measure(fibscope: str, ns: str, tmp: str, repeat: int, label: str) -> list[str]:
    """The rows of one fibscope build, each with its reference from the same run."""
    cap = os.path.join(tmp, f"{label}.json")
    rows = []
    theirs, _, _ = best_wall(["ip", "-n", ns, "-j", "route", "show"], repeat)
    ours, rc, rss = best_wall([fibscope, "capture", "--netns", ns, "-o", cap], repeat)
    size = os.path.getsize(cap) / 1e6 if rc == 0 else 0.0
    rows.append(
        f"[{label}] capture -o F: {ours:.2f} s, {rss / 1024:.0f} MB RSS, file {size:.1f} MB"
        f"  |  ip -j route show: {theirs:.2f} s  ->  {ours / theirs:.2f}x"
        f" (goal <= {GOAL_CAPTURE}x, <= {GOAL_RSS_MB['capture']} MB, <= 40 MB file)"
    )
    if rc:
        return [*rows, f"[{label}] capture failed: exit {rc}"]
    live_argv = [fibscope, "routes", "--netns", ns]
    state_argv = [fibscope, "routes", "--state", cap]
    live, _, live_rss = best_wall(live_argv, repeat)
    state, rc, rss = best_wall(state_argv, repeat)
    same = same_output(state_argv, live_argv)
    rows.append(
        f"[{label}] routes --state F: {state:.2f} s, {rss / 1024:.0f} MB RSS"
        f"  |  routes --netns: {live:.2f} s, {live_rss / 1024:.0f} MB  ->  {state / live:.2f}x"
        f" ({'identical' if same else 'OUTPUT DIFFERS'}; goal <= 1x, <= 400 MB)"
    )
    dest = "20.1.2.3"
    live, _, live_rss = best_wall([fibscope, "lookup", dest, "--netns", ns], repeat)
    state, rc, rss = best_wall([fibscope, "lookup", dest, "--state", cap], repeat)
    rows.append(
        f"[{label}] lookup {dest} --state F: {state:.2f} s, {rss / 1024:.0f} MB RSS"
        f"  |  lookup --netns: {live:.2f} s, {live_rss / 1024:.0f} MB  ->  {state / live:.2f}x"
        " (goal <= 1.5x, <= 400 MB)"
    )
    return rows


def main() -> int:
    """Parse options, build the namespace, measure, print, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--routes", type=int, default=1_000_000, help="routes to load")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best)")
    parser.add_argument("--netns", metavar="NAME", help="measure this namespace (not deleted)")
    parser.add_argument("--fibscope", metavar="PATH", help="also measure this build (before)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("needs root (creates a network namespace)", file=sys.stderr)
        return 2
    with (
        routes_namespace(args.netns, args.routes, "fsc-bench") as ns,
        tempfile.TemporaryDirectory(prefix="fsc-bench-") as tmp,
    ):
        for label, fibscope in fibscope_builds(args.fibscope):
            for row in measure(fibscope, ns, tmp, args.repeat, label):
                print(row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
