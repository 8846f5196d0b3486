#!/usr/bin/env python3
"""Benchmark: reading a big routing table, iproute2 against fibscope's decoder.

Creates its own namespace, loads N routes (``ip -batch``), and times side by side:
``ip route show``, ``ip -j route show``, the raw dump alone (kernel cost), our streaming
``iter_routes`` and the list-building ``dump_routes`` (each in a child process, so its peak RSS
is its own), and ``fibscope routes --format ip`` when that command exists.  The namespace is
always deleted.  Run as root:  ``.venv/bin/python bench/bench_routes.py --routes 1000000``
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DONE_TAIL = struct.Struct("=IH")  # nlmsg_len, nlmsg_type
GATEWAY_NETS = 4  # routes are spread over this many /24 gateway networks on one veth


def ip(*args: str) -> None:
    """Run ``ip`` (argument list, no shell); raise with its stderr on failure."""
    proc = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {proc.stderr.strip()}")


def load_routes(ns: str, count: int) -> float:
    """Add ``count`` /24 routes via a few gateways with one ``ip -batch``; returns seconds."""
    ip("-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v0p")
    for dev in ("lo", "v0", "v0p"):
        ip("-n", ns, "link", "set", dev, "up")
    for net in range(GATEWAY_NETS):
        ip("-n", ns, "addr", "add", f"10.254.{net}.1/24", "dev", "v0")
    base = 20 << 24  # 20.0.0.0 upwards: clear of the gateway networks
    with tempfile.NamedTemporaryFile("w", prefix="fsc-bench-", suffix=".batch") as fh:
        for i in range(count):
            a = base + (i << 8)
            gw = f"10.254.{i % GATEWAY_NETS}.{2 + i % 200}"
            fh.write(f"route add {a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.0/24 via {gw}\n")
        fh.flush()
        start = time.perf_counter()
        ip("-n", ns, "-batch", fh.name)
        return time.perf_counter() - start


def best_wall(argv: list[str], repeat: int) -> tuple[float, int]:
    """Best wall time of a command with stdout to /dev/null, and its exit status."""
    best, rc = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        best = min(best, time.perf_counter() - start)
        rc = proc.returncode
        if rc != 0:
            sys.stderr.write(proc.stderr.decode(errors="replace")[-500:])
            break
    return best, rc


def child(mode: str, path: str) -> None:
    """Measured in its own process: prints a JSON line with seconds, count and peak RSS."""
    import resource

    from tui.kernel import route_dump

    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    count = 0
    start = time.perf_counter()
    if mode == "stream":
        for _route in route_dump.iter_routes(path, socket.AF_INET):
            count += 1
    elif mode == "list":
        count = len(route_dump.dump_routes(path, socket.AF_INET))
    else:  # raw: the kernel's and the socket's share, no decoding
        with route_dump.open_route_socket(path) as sock:
            buf = bytearray(route_dump.RECV_BUFFER)
            sock.send(route_dump.dump_request(socket.AF_INET, 1))
            while True:
                n = sock.recv_into(buf)
                count += n
                if n >= 20 and DONE_TAIL.unpack_from(buf, n - 20) == (20, 3):
                    break  # the datagram ends in NLMSG_DONE (20 bytes: header + errno)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "count": count, "rss_kb": peak, "base_kb": base_rss}))


def run_child(mode: str, path: str, repeat: int) -> dict[str, float]:
    """Best of ``repeat`` child runs of ``mode`` (RSS from the same run)."""
    best: dict[str, float] = {}
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, __file__, "--child", mode, path],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
        result = json.loads(out.strip().splitlines()[-1])
        if not best or result["seconds"] < best["seconds"]:
            best = result
    return best


def main() -> int:
    """Parse options, build the namespace, measure, print, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes", type=int, default=1_000_000, help="routes to load")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best)")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    if os.geteuid() != 0:
        print("needs root (creates a network namespace)", file=sys.stderr)
        return 2

    ns = f"fsc-bench-{uuid.uuid4().hex[:8]}"
    path = f"/run/netns/{ns}"
    ip("netns", "add", ns)
    try:
        print(f"namespace {ns}: loading {args.routes:,} routes ...", flush=True)
        print("(ip route show: table main; ours: every IPv4 table, i.e. main + local)")
        print(f"  ip -batch load: {load_routes(ns, args.routes):.2f} s\n", flush=True)
        rows: list[tuple[str, float, str]] = []

        def cmd(label: str, argv: list[str]) -> float | None:
            seconds, rc = best_wall(argv, args.repeat)
            rows.append((label, seconds, "" if rc == 0 else f"exit {rc}"))
            return seconds if rc == 0 else None

        ip_show = cmd("ip route show > /dev/null", ["ip", "-n", ns, "route", "show"])
        cmd("ip -j route show > /dev/null", ["ip", "-n", ns, "-j", "route", "show"])
        measured: dict[str, float] = {}
        for mode, label in (
            ("raw", "raw dump, no decode (kernel + recv)"),
            ("stream", "iter_routes (decode, streaming)"),
            ("list", "dump_routes (decode, list)"),
        ):
            res = run_child(mode, path, args.repeat)
            measured[mode] = res["seconds"]
            unit = "bytes" if mode == "raw" else "routes"
            note = f"{res['count']:,} {unit}, peak RSS {res['rss_kb'] / 1024:.0f} MB"
            note += f" (interpreter {res['base_kb'] / 1024:.0f} MB)"
            rows.append((label, res["seconds"], note))
        decode = measured["stream"] - measured["raw"]
        per_route = decode / max(args.routes, 1) * 1e9
        rows.append(("  decoding alone (iter_routes - raw)", decode, f"{per_route:.0f} ns/route"))

        fibscope = ROOT / ".venv" / "bin" / "fibscope"
        argv = [str(fibscope), "routes", "--netns", ns, "--format", "ip"]
        if fibscope.exists():
            seconds, rc = best_wall(argv, args.repeat)
            if rc == 0 and ip_show:
                rows.append((" ".join(argv[1:]), seconds, f"{seconds / ip_show:.2f}x ip route"))
            else:
                rows.append(("fibscope routes (failed)", seconds, f"exit {rc}"))
        else:
            rows.append(("fibscope routes", float("nan"), "not installed"))
        show(rows)
    finally:
        subprocess.run(["ip", "netns", "delete", ns], check=False)
    return 0


def show(
    rows: list[tuple[str, float, str]], fmt: Callable[[float], str] = "{:7.2f} s".format
) -> None:
    """The table of results."""
    width = max(len(label) for label, _, _ in rows)
    for label, seconds, note in rows:
        print(f"{label:<{width}}  {fmt(seconds)}  {note}")


if __name__ == "__main__":
    sys.exit(main())
