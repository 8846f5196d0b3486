#!/usr/bin/env python3
"""Benchmark: ``fibscope namespaces``, ``path`` and the app's start on a Kubernetes-like node.

Builds one namespace BIG holding R routes (default 1,000,000) and times the app's start
(``app_start``: a whole child process, until the first screen, with peak RSS and CPU) on the
host's namespace and on BIG, with ``ip -n BIG route show`` in the same run; then builds a node
with N calico-style pods (default 250) and an uplink (``bench_path.build_node``) and times the
same starts again (each pod holding a process in a mount namespace of its own, unless
``--no-processes``), and prints each start with the pods against the same start without them.
Then (not with ``--app-only``), each as a whole child process (best and median of a few runs,
peak RSS): ``namespaces`` (text and JSON), ``path`` pod to pod live and from a capture of the
node and its pods; for scale, ``ip -n NS route show | wc -l`` over every namespace (one ``ip``
per namespace, the way a person would count).  Every namespace made is deleted at the end,
whatever happens.  Run as root:
``.venv/bin/python bench/bench_namespaces.py --pods 250 --routes 1000000``
(``--reuse PREFIX`` measures namespaces an earlier ``bench_path.build`` left, deleting nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from app_start import app_start, compiled, ip_route_show  # noqa: E402
from bench_path import batch, build_big, build_node, fibscope, pod_ip, timed  # noqa: E402


def app_starts(big: str, runs: int, baseline: Path | None = None) -> dict[str, dict[str, float]]:
    """The app's first screen (``app_start``), ``runs`` times in turn: on the host's
    namespace and on the big one, with ``ip -n BIG route show`` in the same run for scale;
    with ``baseline`` (another checkout), its app's same starts in the same turns."""
    roots = {"": ROOT, **({"base_": baseline} if baseline is not None else {})}
    shown: dict[str, list[dict[str, float]]] = {"ip_big": []}
    for _ in range(runs):
        shown["ip_big"].append(ip_route_show(big))
        for prefix, root in roots.items():
            shown.setdefault(f"{prefix}host", []).append(app_start(None, root))
            shown.setdefault(f"{prefix}big", []).append(app_start(big, root))
    best: dict[str, dict[str, float]] = {}
    for what, results in shown.items():
        key = "s" if what == "ip_big" else "on_screen_s"
        best[what] = {
            "best_s": round(min(r[key] for r in results), 3),
            "median_s": round(statistics.median(r[key] for r in results), 3),
            "cpu_best_s": round(min(r["cpu_s"] for r in results), 3),
            "peak_rss_mb": round(max(r["rss_mb"] for r in results), 1),
        }
        if what != "ip_big":
            best[what]["namespaces"] = results[-1]["namespaces"]
    labels = {"ip_big": "ip -n BIG route show"}
    for prefix in roots:
        base = "baseline " if prefix else ""
        labels[f"{prefix}host"] = f"{base}app on the host"
        labels[f"{prefix}big"] = f"{base}app on BIG"
    for what, label in labels.items():
        b = best[what]
        count = f"  {b['namespaces']:.0f} namespaces" if "namespaces" in b else ""
        print(
            f"  {label:<24} best {b['best_s']:.3f} s  median {b['median_s']:.3f} s"
            f"  cpu {b['cpu_best_s']:.2f} s  peak RSS {b['peak_rss_mb']:.0f} MB{count}",
            flush=True,
        )
    print(f"  load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    return best


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


def compare(before: dict[str, dict[str, float]], after: dict[str, dict[str, float]]) -> None:
    """Each start with the pods against the same start without them (bests of one run)."""
    whats = [
        (w, f"{'baseline ' if w.startswith('base_') else ''}app on {w.split('_')[-1]}")
        for w in before
        if w != "ip_big"
    ]
    for what, label in whats:
        b, a = before[what], after[what]
        print(
            f"{label:<24} {b['best_s']:.3f} s ({b['namespaces']:.0f} namespaces) -> "
            f"{a['best_s']:.3f} s ({a['namespaces']:.0f} namespaces): "
            f"{a['best_s'] - b['best_s']:+.3f} s; cpu {a['cpu_best_s'] - b['cpu_best_s']:+.2f} s;"
            f" RSS {b['peak_rss_mb']:.0f} -> {a['peak_rss_mb']:.0f} MB"
        )
    ratio_b = before["big"]["best_s"] / before["ip_big"]["best_s"]
    ratio_a = after["big"]["best_s"] / after["ip_big"]["best_s"]
    print(f"app on BIG / ip route show: {ratio_b:.2f}x without the pods, {ratio_a:.2f}x with")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=250)
    parser.add_argument("--routes", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", metavar="PREFIX", help="namespaces already built")
    parser.add_argument("--app-only", action="store_true", help="only the app's starts")
    parser.add_argument(
        "--baseline", type=Path, metavar="CHECKOUT", help="another checkout's app, same runs"
    )
    parser.add_argument(
        "--no-processes", action="store_true", help="pods without a process (named only)"
    )
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("root is needed to create namespaces", file=sys.stderr)
        return 2
    prefix = args.reuse or f"fsb{uuid.uuid4().hex[:5]}"
    big = f"{prefix}big"
    made: list[str] = []
    held: list[subprocess.Popen[bytes]] = []
    figures: dict[str, object] = {"pods": args.pods, "routes": args.routes}
    compiled()
    if args.baseline is not None:
        compiled(args.baseline)
    try:
        if not args.reuse:
            start = time.perf_counter()
            build_big(prefix, args.routes, made)
            print(f"built {big} ({args.routes:,} routes) in {time.perf_counter() - start:.1f} s")
            print("app start, the big namespace alone:", flush=True)
            figures["app_start_before"] = app_starts(big, args.runs, args.baseline)
            start = time.perf_counter()
            build_node(prefix, args.pods, made)
            if not args.no_processes:
                held = hold(prefix, args.pods)
            print(
                f"built {len(made) - 1} more namespaces in {time.perf_counter() - start:.1f} s"
                f" ({len(held)} held by a process)"
            )
        print("app start, with the node and its pods:", flush=True)
        figures["app_start_after"] = app_starts(big, args.runs, args.baseline)
        if not args.reuse:
            compare(figures["app_start_before"], figures["app_start_after"])  # type: ignore[arg-type]
        if not args.app_only:
            others(prefix, args, figures)
        _, _, text = fibscope("namespaces", "--netns", big)
        print(text, end="")
    finally:
        for proc in held:
            proc.kill()
            proc.wait()
        if made:
            batch(None, [f"netns delete {name}" for name in made])
    print(json.dumps(figures))
    return 0


def hold(prefix: str, pods: int) -> list[subprocess.Popen[bytes]]:
    """A process in each pod, as a node's pause containers are: ``ip netns exec`` gives each
    its own mount namespace (a copy of the host's, every namespace's bind mount included: the
    discovery reads each one's mountinfo, a harder case than containers' own few mounts)."""
    return [
        subprocess.Popen(["ip", "netns", "exec", f"{prefix}pod{n}", "sleep", "infinity"])
        for n in range(pods)
    ]


def others(prefix: str, args: argparse.Namespace, figures: dict[str, object]) -> None:
    """``namespaces``, ``path`` live and from a capture, ``ip route show | wc -l`` over all."""
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
        names = [f"{prefix}node", f"{prefix}out"] + [f"{prefix}pod{n}" for n in range(args.pods)]
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


if __name__ == "__main__":
    sys.exit(main())
