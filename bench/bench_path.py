#!/usr/bin/env python3
"""Benchmark: ``fibscope path`` (and ``fibscope namespaces``) on a Kubernetes-like node.

Builds its own namespaces: a node with N calico-style pods (default 250: /32 addresses,
default via 169.254.1.1, proxy_arp on the host side, a /32 route to each veth), an uplink
namespace, and one namespace holding R routes (default 1,000,000) that is on no path.  Then
times, each as a whole process (best and median of a few runs, peak RSS of the child):
``fibscope path`` pod to pod from the live kernel, the same from a capture of the node and its
pods, and ``fibscope namespaces``.  Every namespace is deleted at the end, whatever happens.
Run as root: ``.venv/bin/python bench/bench_path.py --pods 250 --routes 1000000``
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

from bench_routes import ip, load_routes  # noqa: E402


def batch(ns: str | None, lines: list[str]) -> None:
    """Many ``ip`` commands in one process (``-n NS -batch``)."""
    with tempfile.NamedTemporaryFile("w", prefix="fsb-path-", suffix=".batch") as fh:
        fh.write("\n".join(lines) + "\n")
        fh.flush()
        ip(*(["-n", ns] if ns else []), "-batch", fh.name)


def build(prefix: str, pods: int, routes: int, made: list[str]) -> None:
    """The node, its pods, the uplink and the big namespace."""
    build_big(prefix, routes, made)
    build_node(prefix, pods, made)


def build_big(prefix: str, routes: int, made: list[str]) -> None:
    """The namespace holding ``routes`` routes (on no path)."""
    big = prefix + "big"
    ip("netns", "add", big)
    made.append(big)
    ip("-n", big, "link", "set", "lo", "up")
    if routes:
        load_routes(big, routes)


def build_node(prefix: str, pods: int, made: list[str]) -> None:
    """The node, its pods (calico-style: a veth each, /32 address, default via 169.254.1.1,
    proxy_arp on the host side, a /32 route to each veth) and the uplink."""
    node, out = prefix + "node", prefix + "out"
    names = [node, out] + [f"{prefix}pod{n}" for n in range(pods)]
    batch(None, [f"netns add {name}" for name in names])
    made.extend(names)
    for name in names:
        ip("-n", name, "link", "set", "lo", "up")
    subprocess.run(
        ["ip", "netns", "exec", node, "sysctl", "-qw", "net.ipv4.ip_forward=1"], check=True
    )
    node_lines = ["link add up0 type veth peer name up0 netns " + out]
    for n in range(pods):
        node_lines.append(f"link add cali{n} type veth peer name eth0 netns {prefix}pod{n}")
    batch(node, node_lines)
    lines = [
        "addr add 192.0.2.1/24 dev up0",
        "link set up0 up",
        "route add default via 192.0.2.254",
    ]
    for n in range(pods):
        lines += [f"link set cali{n} up", f"route add {pod_ip(n)}/32 dev cali{n}"]
    batch(node, lines)
    batch(out, ["addr add 192.0.2.254/24 dev up0", "link set up0 up"])
    for n in range(pods):
        batch(
            f"{prefix}pod{n}",
            [
                f"addr add {pod_ip(n)}/32 dev eth0",
                "link set eth0 up",
                "route add 169.254.1.1 dev eth0 scope link",
                "route add default via 169.254.1.1 dev eth0 onlink",
            ],
        )
    if pods:
        sysctls = [f"net.ipv4.conf.cali{n}.proxy_arp=1" for n in range(pods)]
        subprocess.run(["ip", "netns", "exec", node, "sysctl", "-qw", *sysctls], check=True)


def pod_ip(n: int) -> str:
    return f"10.244.{n // 250}.{n % 250 + 1}"


def fibscope(*args: str) -> tuple[float, float, str]:
    """(seconds, peak RSS MB, stdout) of ``fibscope ARGS`` as a whole child process."""
    with (
        tempfile.TemporaryFile("w+", errors="replace") as out,
        tempfile.TemporaryFile("w+", errors="replace") as err,
    ):
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "tui", *args], stdout=out, stderr=err, cwd=ROOT
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"fibscope {' '.join(args)}: {err.read().strip()}")
        return seconds, usage.ru_maxrss / 1024, out.read()


def timed(label: str, runs: int, *args: str) -> dict[str, float]:
    times, peaks = [], []
    for _ in range(runs):
        seconds, peak, _ = fibscope(*args)
        times.append(seconds)
        peaks.append(peak)
    result = {
        "best_s": round(min(times), 3),
        "median_s": round(statistics.median(times), 3),
        "peak_rss_mb": round(
            max(p for p in peaks if p == p) if any(p == p for p in peaks) else 0, 1
        ),
    }
    print(
        f"{label:<44} best {result['best_s']:.3f} s  median {result['median_s']:.3f} s  "
        f"peak RSS {result['peak_rss_mb']:.0f} MB",
        flush=True,
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=250)
    parser.add_argument("--routes", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("root is needed to create namespaces", file=sys.stderr)
        return 2
    prefix = f"fsb{uuid.uuid4().hex[:5]}"
    made: list[str] = []
    figures: dict[str, object] = {"pods": args.pods, "routes": args.routes}
    try:
        start = time.perf_counter()
        build(prefix, args.pods, args.routes, made)
        print(f"built {len(made)} namespaces in {time.perf_counter() - start:.1f} s", flush=True)
        first, last = f"{prefix}pod0", pod_ip(args.pods - 1)
        _, _, text = fibscope("path", last, "--netns", first)
        print(text, end="")
        figures["path_live"] = timed(
            "path pod0 -> last pod (live)", args.runs, "path", last, "--netns", first
        )
        figures["path_live_verify"] = timed(
            "path pod0 -> last pod (live, --verify)",
            args.runs,
            "path",
            last,
            "--netns",
            first,
            "--verify",
        )
        with tempfile.TemporaryDirectory() as tmp:
            capture = str(Path(tmp) / "node.json")
            node_and_pods = [n for n in made if not n.endswith("big")]
            netns_args = [a for name in node_and_pods for a in ("--netns", name)]
            figures["capture_node"] = timed(
                "capture (node, uplink, pods)", 1, "capture", *netns_args, "-o", capture
            )
            figures["capture_mb"] = round(os.path.getsize(capture) / 1e6, 2)
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
        figures["namespaces"] = timed("namespaces (live, every namespace)", 1, "namespaces")
    finally:
        batch(None, [f"netns delete {name}" for name in made])
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
