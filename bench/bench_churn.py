#!/usr/bin/env python3
"""Benchmark: the live app on a big table while routes churn.

Creates its own namespace with N routes (default 1,000,000), starts the app headless in a
child process (live, as a user would), then feeds ``ip -force -batch -`` with route changes at
a steady rate (default 10,000 a second): IPv4 replaces of the big table's routes, IPv4 adds
and deletes in the main table and in table 100, IPv6 adds, deletes and replaces.  While that
runs the child measures: route events applied per second, model lag (a marker route added
with ``ip route add`` until it is in the app's store), and how long keys take to take effect
(sent as the terminal driver sends them; ``pilot.press`` waits for an idle process, which a
churning app never is), beside a key bound to nothing (the app's and the view's message
queues crossed once: the floor any key pays).  When the churn stops it
measures the catch-up time and compares the model with a fresh dump route by route.  Peak
memory is the child's.  The namespace is always deleted.  Run as root:
``.venv/bin/python bench/bench_churn.py --routes 1000000 --rate 10000 --seconds 20``
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import IO

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_routes import ip, load_routes  # noqa: E402

CHILD = r"""
import asyncio, statistics, sys, time
from collections import Counter
sys.path.insert(0, sys.argv[2])
sys.path.insert(0, sys.argv[4])
from child_io import line, rss_mb as rss, say  # bench/child_io.py
from tui.app.run import make_app
from tui.app.widgets.route_view import RouteView
from tui.kernel.live_source import LiveSource
from tui.kernel.netlink.route_dump import dump_routes
from tui.model import Route

NS, SECONDS = sys.argv[1], float(sys.argv[3])
PATH = f"/run/netns/{NS}"

async def main():
    start = time.perf_counter()
    app = make_app(LiveSource(), NS)
    out = {}
    async with app.run_test(size=(120, 40)) as pilot:
        view, follower = app.query_one(RouteView), app.main.follower
        while view.rows is None or view.rows.row_count < 1000:
            await pilot.pause(0.05)
        out["on_screen_s"] = time.perf_counter() - start
        out["rss_loaded_mb"] = rss("VmRSS:")
        say(loaded=True)
        await line()  # the churn has started
        await asyncio.sleep(1.0)

        lags = []
        async def marker(k):
            probe = Route(2, 254, 1, f"198.18.{k >> 8}.{k & 255}", 32)
            t0 = time.perf_counter()
            proc = await asyncio.create_subprocess_exec(
                "ip", "-n", NS, "route", "add", f"{probe.dst}/32", "via", "10.254.0.2")
            while not follower.store.find(probe):
                await asyncio.sleep(0.005)
                if time.perf_counter() - t0 > 30:
                    break
            lags.append(time.perf_counter() - t0)
            await proc.wait()

        # pilot.press waits for the process to go idle, which it never does under churn:
        # keys are sent as the terminal driver sends them, and timed until they took effect.
        from textual import events
        keys_ms = {}
        async def timed(name, key, effect, runs=5):
            got = []
            for _ in range(runs):
                before = (view.cursor, app.main.mode, app.main.family, len(app.screen_stack))
                t = time.perf_counter()
                app._driver.send_message(events.Key(key, key if len(key) == 1 else None))
                if effect is None:  # nothing to see: the app and the view have handled it
                    done = asyncio.Event()
                    app.call_later(lambda: view.call_later(done.set))
                    await done.wait()
                else:
                    while not effect(before) and time.perf_counter() - t < 10:
                        await asyncio.sleep(0.001)
                got.append((time.perf_counter() - t) * 1000)
                await asyncio.sleep(0.2)
            keys_ms.setdefault(name, []).extend(got)

        async def key_set():
            await timed("no_op_key", "f12", None)
            await timed("down", "down", lambda b: view.cursor == b[0] + 1)
            await timed("pagedown", "pagedown", lambda b: view.cursor > b[0])
            await timed("end", "end", lambda b: view.cursor != b[0], runs=1)
            await timed("home", "home", lambda b: view.cursor == 0, runs=1)
            await timed("toggle_view", "v", lambda b: app.main.mode != b[1], runs=4)
            await timed("toggle_family", "6", lambda b: app.main.family != b[2], runs=4)
            depth = lambda: len(app.screen_stack)
            for _ in range(3):
                await timed("tables_picker", "t", lambda b: depth() > b[3], runs=1)
                await timed("picker_escape", "escape", lambda b: depth() < b[3], runs=1)

        applied0, t_applied0 = follower.applied, time.perf_counter()
        k = 0
        end = time.perf_counter() + SECONDS
        while time.perf_counter() < end:
            await marker(k)
            k += 1
            if k == 3:
                await key_set()
            await asyncio.sleep(0.3)
        elapsed = time.perf_counter() - t_applied0
        out["events_applied_per_s"] = (follower.applied - applied0) / elapsed
        out["lag_ms"] = [round(x * 1000, 1) for x in lags]
        out["keys_ms"] = {n: (statistics.median(v), max(v)) for n, v in keys_ms.items()}
        out["rebuild_cost_ms"] = app.main.rows.pacer.cost * 1000
        say(churn_measured=True)

        await line()  # the churn has stopped
        stop = time.perf_counter()
        last, quiet_since = follower.applied, time.perf_counter()
        while time.perf_counter() - quiet_since < 2.0:
            await asyncio.sleep(0.05)
            if follower.applied != last or len(follower.inbox):
                last, quiet_since = follower.applied, time.perf_counter()
        out["catch_up_s"] = quiet_since - stop
        out["peak_rss_before_compare_mb"] = rss("VmHWM:")
        loop = asyncio.get_running_loop()
        dumped = await loop.run_in_executor(None, dump_routes, PATH)
        mine = follower.store.routes()
        a, b = Counter(mine), Counter(dumped)
        out["final_routes"] = len(mine)
        out["kernel_routes"] = len(dumped)
        out["only_in_model"] = sum((a - b).values())
        out["only_in_kernel"] = sum((b - a).values())
        out["equal"] = a == b
        out["peak_rss_mb"] = rss("VmHWM:")
        out["notice"] = follower.notice
    say(result=out)

asyncio.run(main())
"""


class Churn:
    """Writes route changes to ``ip -force -batch -`` at a steady rate, from a thread."""

    def __init__(self, ns: str, routes: int, rate: int) -> None:
        self.ns, self.routes, self.rate = ns, routes, rate
        self.written = 0
        self._stop = threading.Event()
        # never a pipe for its errors: a full one would stall ip
        self._errors = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed with the object)
        self._proc = subprocess.Popen(
            ["ip", "-n", ns, "-force", "-batch", "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self._errors,
            text=True,
        )
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _lines(self) -> list[str]:
        """Ten changes: 3 IPv4 replaces, 2 adds and 2 deletes, 2 IPv6, 1 in table 100."""
        rng, c = self._rng, self._count
        self._count += 1
        out = []
        for _ in range(3):
            i = rng.randrange(self.routes)
            a = (20 << 24) + (i << 8)
            gw = f"10.254.{rng.randrange(4)}.{2 + rng.randrange(200)}"
            out.append(f"route replace {a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.0/24 via {gw}")
        for j in (2 * c, 2 * c + 1):  # 100.64.0.0/10: clear of the big table (20/8 upwards)
            out.append(
                f"route add 100.{64 + (j >> 16) % 32}.{(j >> 8) & 255}.{j & 255}/32 via 10.254.1.7"
            )
            old = j - 20000
            if old >= 0:
                out.append(
                    f"route del 100.{64 + (old >> 16) % 32}.{(old >> 8) & 255}.{old & 255}/32"
                )
        n6 = c % 50000
        out.append(f"route add 2001:db8:a:{n6:x}::/64 via 2001:db8:fe::2")
        if c >= 10000:
            out.append(f"route del 2001:db8:a:{(c - 10000) % 50000:x}::/64")
        else:
            out.append(f"route replace 2001:db8:b::/64 via 2001:db8:fe::{2 + c % 100:x}")
        t = c % 20000
        verb = "add" if (c // 20000) % 2 == 0 else "del"
        out.append(f"route {verb} 100.96.{t >> 8}.{t & 255}/32 via 10.254.2.9 table 100")
        return out

    def _run(self) -> None:
        self._rng, self._count = random.Random(5), 0
        assert self._proc.stdin is not None
        start = time.perf_counter()
        while not self._stop.is_set():
            due = int((time.perf_counter() - start) * self.rate)
            chunk: list[str] = []
            while self.written + len(chunk) < due:
                chunk.extend(self._lines())
            if chunk:
                self._proc.stdin.write("\n".join(chunk) + "\n")
                self._proc.stdin.flush()
                self.written += len(chunk)
            time.sleep(0.005)
        self.seconds = time.perf_counter() - start

    def stop(self) -> tuple[float, int]:
        """Stop writing, let ip finish; the rate achieved (changes a second) and how many
        commands the kernel refused."""
        self._stop.set()
        self._thread.join()
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._proc.wait()
        self._errors.seek(0)
        refused = sum(1 for line in self._errors if line.startswith("Command failed"))
        return self.written / self.seconds, refused

    def kill(self) -> None:
        """Stop at once (on the way out after an error)."""
        self._stop.set()
        self._proc.kill()


def send(pipe: IO[str] | None, text: str) -> None:
    assert pipe is not None
    pipe.write(text + "\n")
    pipe.flush()


def expect(pipe: IO[str] | None, key: str) -> dict[str, object]:
    """The child's next JSON line that has ``key`` (others are passed through)."""
    assert pipe is not None
    while True:
        raw = pipe.readline()
        if not raw:
            raise RuntimeError(f"the app child ended before saying {key}")
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        if key in record:
            return dict(record)


def main() -> int:
    """Build, churn, measure, print, clean up."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--routes", type=int, default=1_000_000)
    parser.add_argument("--rate", type=int, default=10_000, help="route changes per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured churn time")
    args = parser.parse_args()
    ns = f"fsc-bchurn-{uuid.uuid4().hex[:8]}"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so the namespace is deleted
    ip("netns", "add", ns)
    child: subprocess.Popen[str] | None = None
    churn: Churn | None = None
    try:
        load_s = load_routes(ns, args.routes)
        ip("-n", ns, "addr", "add", "2001:db8:fe::1/64", "dev", "v0", "nodad")
        ip("-n", ns, "route", "add", "2001:db8:b::/64", "via", "2001:db8:fe::2")
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, ns, str(HERE.parent), str(args.seconds), str(HERE)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        expect(child.stdout, "loaded")
        churn = Churn(ns, args.routes, args.rate)
        send(child.stdin, "go")
        expect(child.stdout, "churn_measured")
        rate, refused = churn.stop()
        send(child.stdin, "stopped")
        result = expect(child.stdout, "result")["result"]
        child.wait(60)
        assert isinstance(result, dict)
        print(f"routes loaded:            {args.routes:,} ({load_s:.1f} s with ip -batch)")
        print(
            f"churn achieved:           {rate:,.0f} changes/s (asked {args.rate:,}; "
            f"{refused} refused by the kernel)"
        )
        report(result)
    finally:
        if churn is not None:
            churn.kill()
        if child is not None and child.poll() is None:
            child.kill()
        subprocess.run(["ip", "netns", "delete", ns], check=False)
    return 0


def report(r: dict[str, object]) -> None:
    """The figures, one per line."""
    lags = sorted(float(x) for x in r["lag_ms"])  # type: ignore[attr-defined]
    keys = r["keys_ms"]
    assert isinstance(keys, dict)
    print(f"app on screen:            {r['on_screen_s']:.1f} s, RSS {r['rss_loaded_mb']:.0f} MB")
    print(f"events applied:           {r['events_applied_per_s']:,.0f} /s")
    if lags:
        mid, worst = lags[len(lags) // 2], lags[-1]
        p90 = lags[int(len(lags) * 0.9)]
        print(
            f"model lag (marker):       median {mid:.0f} ms, p90 {p90:.0f} ms, "
            f"max {worst:.0f} ms, n={len(lags)}"
        )
        print(f"  lag samples in order:   {r['lag_ms']}")
    print(f"rows rebuild (last):      {r['rebuild_cost_ms']:.1f} ms")
    for name, (median, worst) in keys.items():
        print(f"key {name + ':':<21} {median:7.1f} ms median, {worst:7.1f} ms max")
    print(f"catch-up after churn:     {r['catch_up_s']:.2f} s")
    print(f"model vs fresh dump:      {'EQUAL' if r['equal'] else 'DIFFERENT'}", end=" ")
    print(f"({r['final_routes']:,} routes; only in model {r['only_in_model']}, ", end="")
    print(f"only in kernel {r['only_in_kernel']})")
    print(
        f"peak RSS (app child):     {r['peak_rss_before_compare_mb']:.0f} MB while churning, "
        f"{r['peak_rss_mb']:.0f} MB with the fresh dump held to compare"
    )
    if r.get("notice"):
        print(f"status notice:            {r['notice']}")


if __name__ == "__main__":
    sys.exit(main())
