#!/usr/bin/env python3
"""Benchmark: reading a big routing table, iproute2 and net-tools against fibscope.

Creates its own namespace, loads N routes (``ip -batch``; ``--family 6`` for IPv6), and times
side by side: the raw dump alone (kernel cost), our streaming ``iter_routes`` and the
list-building ``dump_routes`` (each in a child process, so its peak RSS is its own), and each
printing command against the tool it copies, with the ratio, fibscope's peak RSS and whether
the outputs are byte for byte identical: ``ip route show`` (default, ``table all``) and
``route -n``.  The namespace is always deleted; ``--netns NAME`` measures an existing one
instead (left alone).  Run as root:  ``.venv/bin/python bench/bench_routes.py --routes 1000000``
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
DONE_TAIL = struct.Struct("=IH")  # nlmsg_len, nlmsg_type
GATEWAY_NETS = 4  # routes are spread over this many /24 gateway networks on one veth


def ip(*args: str) -> None:
    """Run ``ip`` (argument list, no shell); raise with its stderr on failure."""
    proc = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {proc.stderr.strip()}")


def load_routes(ns: str, count: int, family: int = 4) -> float:
    """Add ``count`` routes via a few gateways with one ``ip -batch``; returns seconds.

    IPv4: /24s from 20.0.0.0 up; IPv6: /48s from 2001:0:0::/48 up."""
    ip("-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v0p")
    for dev in ("lo", "v0", "v0p"):
        ip("-n", ns, "link", "set", dev, "up")
    for net in range(GATEWAY_NETS):
        ip("-n", ns, "addr", "add", f"10.254.{net}.1/24", "dev", "v0")
        ip("-n", ns, "-6", "addr", "add", f"fd00:{net}::1/64", "dev", "v0", "nodad")
    base = 20 << 24  # 20.0.0.0 upwards: clear of the gateway networks
    with tempfile.NamedTemporaryFile("w", prefix="fsc-bench-", suffix=".batch") as fh:
        for i in range(count):
            if family == 6:
                gw = f"fd00:{i % GATEWAY_NETS}::{2 + i % 200:x}"
                fh.write(f"route add 2001:{i >> 16:x}:{i & 0xFFFF:x}::/48 via {gw}\n")
                continue
            a = base + (i << 8)
            gw = f"10.254.{i % GATEWAY_NETS}.{2 + i % 200}"
            fh.write(f"route add {a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.0/24 via {gw}\n")
        fh.flush()
        start = time.perf_counter()
        ip("-n", ns, "-batch", fh.name)
        return time.perf_counter() - start


@contextmanager
def routes_namespace(
    existing: str | None, routes: int, prefix: str, family: int = 4
) -> Iterator[str]:
    """The namespace a bench measures: ``existing`` as it is (left alone), else a new one
    named ``PREFIX-<random>`` holding ``routes`` routes (``load_routes``), always deleted."""
    if existing:
        yield existing
        return
    ns = f"{prefix}-{uuid.uuid4().hex[:8]}"
    ip("netns", "add", ns)
    try:
        print(f"namespace {ns}: loading {routes:,} IPv{family} routes ...", flush=True)
        seconds = load_routes(ns, routes, family)
        print(f"  ip -batch load: {seconds:.2f} s\n", flush=True)
        yield ns
    finally:
        subprocess.run(["ip", "netns", "delete", ns], check=False)


def fibscope_builds(other: str | None) -> list[tuple[str, str]]:
    """(label, fibscope command) to measure: this checkout's, after ``other`` (a build from
    before) when given."""
    this = [("this", str(ROOT / ".venv" / "bin" / "fibscope"))]
    return [("other", other), *this] if other else this


def timed(argv: list[str], stdout: int | IO[bytes] = subprocess.DEVNULL) -> tuple[float, int, int]:
    """One run of a command: wall seconds, exit status and its own peak RSS in KB (wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen quiet
    return seconds, proc.returncode, usage.ru_maxrss


def best_wall(argv: list[str], repeat: int) -> tuple[float, int, int]:
    """Best wall time of a command with stdout to /dev/null, its exit status and the peak
    RSS (KB) of that best run."""
    best, rc, rss = float("inf"), 0, 0
    for _ in range(repeat):
        seconds, rc, peak = timed(argv)
        if rc != 0:
            return seconds, rc, peak
        if seconds < best:
            best, rss = seconds, peak
    return best, rc, rss


def same_output(ours: list[str], theirs: list[str]) -> bool:
    """Whether two commands print the very same bytes (compared through temporary files)."""
    with tempfile.TemporaryDirectory(prefix="fsc-bench-") as tmp:
        paths = [os.path.join(tmp, "ours"), os.path.join(tmp, "theirs")]
        for argv, path in zip((ours, theirs), paths, strict=True):
            with open(path, "wb") as fh:
                timed(argv, fh)
        return filecmp.cmp(paths[0], paths[1], shallow=False)


def child(mode: str, path: str) -> None:
    """Measured in its own process: prints a JSON line with seconds, count and peak RSS."""
    import resource

    from tui.kernel.netlink import route_dump

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


def compare(
    ns: str, family: int, repeat: int, rows: list[tuple[str, float, str]]
) -> list[tuple[str, float, float, float, bool]]:
    """Each printing command of fibscope against the tool it copies: rows for the table, and
    ``(label, theirs, ours, ratio, identical)`` for the summary."""
    fibscope = str(ROOT / ".venv" / "bin" / "fibscope")
    fam = ["-6"] if family == 6 else []
    pairs = [
        ("ip route show", ["ip", "-n", ns, *fam, "route", "show"], []),
        (
            "ip route show table all",
            ["ip", "-n", ns, *fam, "route", "show", "table", "all"],
            ["--table", "all"],
        ),
    ]
    if family == 4 and shutil.which("route"):
        pairs.append(
            ("route -n", ["ip", "netns", "exec", ns, "route", "-n"], ["--format", "route-n"])
        )
    summary = []
    for label, tool, options in pairs:
        ours_argv = [fibscope, "routes", "--netns", ns, *fam, *options]
        theirs, rc, _ = best_wall(tool, repeat)  # (its RSS: the fork's share of ours)
        rows.append((" ".join(fam + [label]), theirs, ""))
        ours, ours_rc, ours_rss = best_wall(ours_argv, repeat)
        if rc or ours_rc:
            rows.append((" ".join(ours_argv[1:]), ours, f"exit {ours_rc} (tool: exit {rc})"))
            continue
        identical = same_output(ours_argv, tool)
        ratio = ours / theirs
        note = f"{ratio:.2f}x, peak RSS {ours_rss / 1024:.0f} MB, "
        note += "identical output" if identical else "OUTPUT DIFFERS"
        rows.append(("  fibscope " + " ".join(ours_argv[2:]), ours, note))
        summary.append((label, theirs, ours, ratio, identical))
    return summary


def main() -> int:
    """Parse options, build the namespace, measure, print, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--routes", type=int, default=1_000_000, help="routes to load")
    parser.add_argument("--family", type=int, choices=(4, 6), default=4, help="routes to load")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best)")
    parser.add_argument("--netns", metavar="NAME", help="measure this namespace (not deleted)")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    if os.geteuid() != 0:
        print("needs root (creates a network namespace)", file=sys.stderr)
        return 2

    with routes_namespace(args.netns, args.routes, "fsc-bench", args.family) as ns:
        path = f"/run/netns/{ns}"
        rows: list[tuple[str, float, str]] = []
        if args.family == 4:
            decoding(path, args.repeat, args.routes, rows)
        summary = compare(ns, args.family, args.repeat, rows)
        show(rows)
        print()
        for label, theirs, ours, ratio, identical in summary:
            verdict = "ok" if ratio <= 1.5 and identical else "misses the goal (1.5x, identical)"
            print(f"{label}: {theirs:.2f} s, fibscope {ours:.2f} s, {ratio:.2f}x  {verdict}")
    return 0


def decoding(path: str, repeat: int, routes: int, rows: list[tuple[str, float, str]]) -> None:
    """The decoder's rows: the raw dump, then streaming and list-building decodes (IPv4)."""
    measured: dict[str, float] = {}
    print("(raw / iter_routes / dump_routes: every IPv4 table, i.e. main + local)")
    for mode, label in (
        ("raw", "raw dump, no decode (kernel + recv)"),
        ("stream", "iter_routes (decode, streaming)"),
        ("list", "dump_routes (decode, list)"),
    ):
        res = run_child(mode, path, repeat)
        measured[mode] = res["seconds"]
        unit = "bytes" if mode == "raw" else "routes"
        note = f"{res['count']:,} {unit}, peak RSS {res['rss_kb'] / 1024:.0f} MB"
        note += f" (interpreter {res['base_kb'] / 1024:.0f} MB)"
        rows.append((label, res["seconds"], note))
    decode = measured["stream"] - measured["raw"]
    per_route = decode / max(routes, 1) * 1e9
    rows.append(("  decoding alone (iter_routes - raw)", decode, f"{per_route:.0f} ns/route"))


def show(
    rows: list[tuple[str, float, str]], fmt: Callable[[float], str] = "{:7.2f} s".format
) -> None:
    """The table of results."""
    width = max(len(label) for label, _, _ in rows)
    for label, seconds, note in rows:
        print(f"{label:<{width}}  {fmt(seconds)}  {note}".rstrip())


if __name__ == "__main__":
    sys.exit(main())
