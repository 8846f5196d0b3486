#!/usr/bin/env python3
"""Benchmark: one route lookup, the kernel (``ip -batch`` of ``route get``) against the engine.

Creates its own namespace with N routes (default 1M, loaded with ``ip -batch``), times K
``route get`` lines through one ``ip -n NS -batch`` (the kernel's per-query cost, parsing and
netlink included), reads the namespace back with ``read_netns``, indexes it once (``Engine``)
and times the engine on the same K destinations: with the query parsed per lookup (like ``ip``
parses its lines), with prebuilt queries, and with the full explanation.  Prints both and the
ratio; the namespace is always deleted.  Run as root:
``.venv/bin/python bench/bench_lookup.py --routes 1000000 --queries 100000``
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.fib import Engine, Query  # noqa: E402
from tui.kernel.netlink.dump import read_netns  # noqa: E402

GATEWAYS = 4  # routes spread over gateways on one veth


def ip(*args: str) -> None:
    """Run ``ip`` (argument list, no shell); raise with its stderr on failure."""
    proc = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args[:6])}: {proc.stderr.strip()}")


def batch(ns: str, lines: list[str], out: bool = False) -> float:
    """Feed lines to one ``ip -n NS -batch FILE``; returns the wall time in seconds."""
    with tempfile.NamedTemporaryFile("w", prefix="fsl-bench-", suffix=".txt") as fh:
        fh.write("\n".join(lines) + "\n")
        fh.flush()
        start = time.perf_counter()
        proc = subprocess.run(
            ["ip", "-n", ns, "-batch", fh.name],
            stdout=subprocess.DEVNULL if not out else None,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"ip -batch failed: {proc.stderr.strip()[:300]}")
    return elapsed


def prefixes(count: int, rng: random.Random) -> list[str]:
    """``count`` distinct prefixes (3/4 of them /24, the rest /32) outside 10.0.0.0/8."""
    seen: set[tuple[int, int]] = set()
    out: list[str] = []
    while len(out) < count:
        plen = 24 if rng.random() < 0.75 else 32
        value = (rng.randrange(11, 223) << 24) | rng.getrandbits(24)
        value &= ((1 << 32) - 1) ^ ((1 << (32 - plen)) - 1)
        if (value, plen) in seen:
            continue
        seen.add((value, plen))
        text = ".".join(str((value >> s) & 255) for s in (24, 16, 8, 0))
        out.append(f"{text}/{plen}")
    return out


def host_in(prefix: str, rng: random.Random) -> str:
    """A random address inside the prefix."""
    text, plen = prefix.split("/")
    parts = [int(p) for p in text.split(".")]
    value = (parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]
    value |= rng.getrandbits(32 - int(plen)) if int(plen) < 32 else 0
    return ".".join(str((value >> s) & 255) for s in (24, 16, 8, 0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("needs root (it creates a network namespace)", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    ns = f"fsl-bench-{uuid.uuid4().hex[:8]}"
    ip("netns", "add", ns)
    try:
        ip("-n", ns, "link", "set", "lo", "up")
        ip("-n", ns, "link", "add", "e1", "type", "veth", "peer", "name", "p1")
        ip("-n", ns, "link", "set", "e1", "up")
        ip("-n", ns, "link", "set", "p1", "up")
        ip("-n", ns, "addr", "add", "10.0.0.1/8", "dev", "e1")
        nets = prefixes(args.routes, rng)
        load = [f"route add {p} via 10.0.{i % GATEWAYS}.254" for i, p in enumerate(nets)]
        start = time.perf_counter()
        batch(ns, load)
        print(f"loaded {args.routes} routes in {time.perf_counter() - start:.1f} s")

        dsts = [host_in(rng.choice(nets), rng) for _ in range(args.queries)]
        batch(ns, [f"route get {d}" for d in dsts[:1000]])  # warm up
        kernel_s = batch(ns, [f"route get {d}" for d in dsts])
        kernel_us = kernel_s / len(dsts) * 1e6

        start = time.perf_counter()
        state = read_netns(f"/run/netns/{ns}")
        read_s = time.perf_counter() - start
        start = time.perf_counter()
        engine = Engine(state)
        build_s = time.perf_counter() - start
        print(
            f"read_netns: {read_s:.1f} s, {len(state.routes)} routes; index built in "
            f"{build_s:.2f} s"
        )

        start = time.perf_counter()
        for d in dsts:
            engine.lookup(Query(d), steps=False)
        parsed_us = (time.perf_counter() - start) / len(dsts) * 1e6
        queries = [Query(d) for d in dsts]
        start = time.perf_counter()
        for q in queries:
            engine.lookup(q, steps=False)
        bare_us = (time.perf_counter() - start) / len(dsts) * 1e6
        sample = queries[: min(len(queries), 20_000)]
        start = time.perf_counter()
        for q in sample:
            engine.lookup(q, steps=True)
        steps_us = (time.perf_counter() - start) / len(sample) * 1e6

        print(f"kernel (ip -batch route get): {kernel_us:7.2f} us per query")
        print(
            f"engine, query parsed each time: {parsed_us:7.2f} us  "
            f"(ratio {parsed_us / kernel_us:.2f})"
        )
        print(
            f"engine, prebuilt queries:       {bare_us:7.2f} us  (ratio {bare_us / kernel_us:.2f})"
        )
        print(
            f"engine, with explanation steps: {steps_us:7.2f} us  "
            f"(ratio {steps_us / kernel_us:.2f})"
        )
    finally:
        subprocess.run(["ip", "netns", "delete", ns], capture_output=True, check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
