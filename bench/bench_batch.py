#!/usr/bin/env python3
"""Benchmark: ``fibscope lookup --batch Q --json`` per query, live and from a capture, against
the kernel (``ip -force -batch`` of ``route get`` lines) in the same run.

Creates its own namespace with N IPv4 routes (``bench_routes.load_routes``: /24s from 20.0.0.0
via four gateways, as the other bench scripts build it), captures it (``fibscope capture``),
and writes two query files: LARGE plain queries (``{"dst": ...}``, 97% hosts inside the
table's prefixes, the rest on the gateways' networks or missing every route) and the first
SMALL of them.  Every command runs on both files (best wall time of REPEAT each, peak RSS of
the large run by wait4), and the per-query figure is ``(t(LARGE) - t(SMALL)) / (LARGE -
SMALL)``: reading the namespace or the capture, start-up and index building cancel out; what
is left is end to end per query (reading a JSON line, answering, writing a JSON line).  The
reference gets the same treatment: the same destinations as ``route get`` lines through one
``ip -n NS -force -batch``.  ``--mixed`` adds a second figure on queries with selectors (from,
mark, tos, uid, ports).  Live and ``--state`` outputs are compared byte for byte.
``--fibscope PATH`` also measures another build (before/after).  Run as root:
``.venv/bin/python bench/bench_batch.py --routes 1000000``
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_routes import GATEWAY_NETS, fibscope_builds, routes_namespace

GOAL = 2.0  # x the kernel's per-query cost


def destinations(count: int, routes: int, rng: random.Random) -> list[str]:
    """``count`` destinations: hosts in the loaded /24s, a few on the gateway nets or nowhere."""
    out = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.97:
            a = (20 << 24) + (rng.randrange(routes) << 8) + rng.randrange(256)
        elif roll < 0.985:
            a = (10 << 24) | (254 << 16) | (rng.randrange(GATEWAY_NETS) << 8) | rng.randrange(256)
        else:
            a = (rng.randrange(1, 10) << 24) | rng.getrandbits(24)  # no route: ENETUNREACH
        out.append(f"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}")
    return out


def with_selectors(dst: str, rng: random.Random) -> tuple[dict[str, object], str]:
    """A query with a few selectors, as a JSON object and as ``route get`` words."""
    query: dict[str, object] = {"dst": dst}
    words = [dst]
    if rng.random() < 0.3:
        query["mark"] = mark = rng.choice((1, 7, 0x10))
        words += ["mark", str(mark)]
    if rng.random() < 0.3:
        query["tos"] = tos = rng.choice((0x10, 0x28))
        words += ["tos", f"{tos:x}"]  # ip reads a tos as hex
    if rng.random() < 0.3:
        query["uid"] = uid = rng.choice((0, 1000))
        words += ["uid", str(uid)]
    if rng.random() < 0.3:
        port = rng.choice((22, 443))
        query["ipproto"], query["dport"] = "tcp", port
        words += ["ipproto", "tcp", "dport", str(port)]
    if rng.random() < 0.2:
        query["from"] = src = f"10.254.{rng.randrange(GATEWAY_NETS)}.1"
        words += ["from", src]
    return query, " ".join(words)


def write_files(tmp: str, name: str, dsts: list[str], small: int, mixed: bool) -> dict[str, str]:
    """The query files (JSON lines and ``route get`` lines), LARGE and SMALL."""
    rng = random.Random(7)
    jsons, words = [], []
    for dst in dsts:
        if mixed:
            query, text = with_selectors(dst, rng)
        else:
            query, text = {"dst": dst}, dst
        jsons.append(json.dumps(query))
        words.append(f"route get {text}")
    paths = {}
    for size, label in ((len(dsts), "large"), (small, "small")):
        for kind, lines in (("json", jsons), ("ip", words)):
            path = paths[f"{kind}-{label}"] = os.path.join(tmp, f"{name}-{label}.{kind}")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write("\n".join(lines[:size]) + "\n")
    return paths


def timed(
    argv: list[str], stdout: int | IO[bytes] = subprocess.DEVNULL
) -> tuple[float, float, int]:
    """One run: wall seconds, CPU seconds (user + system, the kernel's work for ``ip route
    get`` included) and peak RSS in KB, from wait4; an exit status other than 0 or 1 (bad
    input, a crash) stops the benchmark."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = rc = os.waitstatus_to_exitcode(status)
    if rc not in (0, 1):
        raise RuntimeError(f"{' '.join(argv[:4])}...: exit {rc}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def per_query(
    argv: list[str], paths: dict[str, str], kind: str, count: int, repeat: int
) -> tuple[float, float, int]:
    """(wall µs, CPU µs) per query by the difference of the large and small runs, each the
    best of ``repeat`` (large and small runs alternate), and the peak RSS MB of the large."""
    wall = {"large": float("inf"), "small": float("inf")}
    cpu = dict(wall)
    rss = 0
    for _ in range(repeat):
        for size in ("large", "small"):
            seconds, used, peak = timed([*argv, paths[f"{kind}-{size}"]])
            wall[size], cpu[size] = min(wall[size], seconds), min(cpu[size], used)
            rss = max(rss, peak) if size == "large" else rss
    scale = 1e6 / count
    return (
        (wall["large"] - wall["small"]) * scale,
        (cpu["large"] - cpu["small"]) * scale,
        rss // 1024,
    )


def same(argv_a: list[str], argv_b: list[str]) -> bool:
    """Whether two commands print the very same bytes."""
    with tempfile.TemporaryDirectory(prefix="fsb-bench-") as tmp:
        outs = [os.path.join(tmp, "a"), os.path.join(tmp, "b")]
        for argv, path in zip((argv_a, argv_b), outs, strict=True):
            with open(path, "wb") as fh:
                timed(argv, fh)
        return filecmp.cmp(outs[0], outs[1], shallow=False)


def measure(
    builds: list[tuple[str, str]], ns: str, paths: dict[str, str], count: int, repeat: int
) -> None:
    """Print the kernel's figure, then each build's live and --state figures with ratios."""
    kernel_us, kernel_cpu, kernel_rss = per_query(
        ["ip", "-n", ns, "-force", "-batch"], paths, "ip", count, repeat
    )
    print(
        f"  kernel (ip -force -batch route get): {kernel_us:6.2f} us/query wall, "
        f"{kernel_cpu:6.2f} us CPU, {kernel_rss} MB",
        flush=True,
    )
    for label, fibscope in builds:
        cap = paths["capture-" + label]
        live = [fibscope, "lookup", "--json", "--netns", ns, "--batch"]
        state = [fibscope, "lookup", "--json", "--state", cap, "--batch"]
        for where, argv in (("live", live), ("--state", state)):
            us, cpu, rss = per_query(argv, paths, "json", count, repeat)
            print(
                f"  [{label}] lookup --batch --json {where:7}: {us:6.2f} us/query wall, "
                f"{cpu:6.2f} us CPU, {rss} MB RSS  ->  {us / kernel_us:.2f}x the kernel "
                f"(CPU {cpu / kernel_cpu:.2f}x; goal <= {GOAL}x)",
                flush=True,
            )
        identical = same([*live, paths["json-large"]], [*state, paths["json-large"]])
        print(f"  [{label}] live and --state outputs {'identical' if identical else 'DIFFER'}")
    if len(builds) > 1:
        outs = [
            [b[1], "lookup", "--json", "--state", paths["capture-" + b[0]], "--batch"]
            for b in builds
        ]
        identical = same([*outs[0], paths["json-large"]], [*outs[1], paths["json-large"]])
        print(f"  builds' outputs {'identical' if identical else 'DIFFER'}")


def main() -> int:
    """Parse options, build the namespace, measure, print, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes", type=int, default=1_000_000, help="routes to load")
    parser.add_argument("--queries", type=int, default=200_000, help="LARGE")
    parser.add_argument("--small", type=int, default=20_000, help="SMALL")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best)")
    parser.add_argument("--mixed", action="store_true", help="also queries with selectors")
    parser.add_argument("--netns", metavar="NAME", help="measure this namespace (not deleted)")
    parser.add_argument("--fibscope", metavar="PATH", help="also measure this build (before)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("needs root (creates a network namespace)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still delete the namespace
    builds = fibscope_builds(args.fibscope)
    count = args.queries - args.small
    with (
        routes_namespace(args.netns, args.routes, "fsb-bench") as ns,
        tempfile.TemporaryDirectory(prefix="fsb-bench-") as tmp,
    ):
        dsts = destinations(args.queries, args.routes, random.Random(1))
        for label, fibscope in builds:
            cap = os.path.join(tmp, f"{label}.capture")
            subprocess.run([fibscope, "capture", "--netns", ns, "-o", cap], check=True)
        shapes = [("plain", False), ("mixed", True)] if args.mixed else [("plain", False)]
        for name, mixed in shapes:
            paths = write_files(tmp, name, dsts, args.small, mixed)
            paths.update(
                {f"capture-{label}": os.path.join(tmp, f"{label}.capture") for label, _ in builds}
            )
            print(f"{name} queries: {args.queries:,} - {args.small:,} lines", flush=True)
            measure(builds, ns, paths, count, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
