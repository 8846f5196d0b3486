#!/usr/bin/env python3
"""Benchmark: a full-table flap under the live app (issue 13).

Creates its own namespace with N IPv4 routes (default 1,000,000), starts the app headless on
it in a child process (live, as a user would), then deletes every one of the N routes and adds
them back with ``ip -batch`` as fast as the kernel takes them, ``--rounds`` times in a row
(default 2).  Meanwhile the child presses keys all the time, as the terminal driver sends them
(the way ``bench_churn.py`` does: ``pilot.press`` waits for an idle app, which a flapping one
is not) and samples the status line.  Printed: the changes a second ``ip -batch`` reached (the
reference: the kernel's own pace), key latency p50/p99/max during the flaps, the time from the
last kernel change until the app's store equals a fresh dump of the namespace (the store's
last change before a dump found it equal), peak RSS of the app (and when the highest RSS
sampled was seen), whether a reload happened, every status notice seen in order with the
RSS then (timed from the first key, 5 s before the flap), and
where the app's time went (rows rebuilt, garbage collections).  The namespace is always
deleted.  ``--rcvbuf 65536`` gives the monitor a small socket buffer: overruns, re-reads and
what the status line said meanwhile.  Run as root:
``.venv/bin/python bench/bench_flap.py --routes 1000000``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_churn import expect, send  # noqa: E402
from bench_routes import GATEWAY_NETS, ip, load_routes  # noqa: E402

CHILD = r"""
import asyncio, os, sys, time
from collections import Counter
sys.path.insert(0, sys.argv[2])
sys.path.insert(0, sys.argv[4])
from textual import events
from tui.app.run import make_app
from tui.app.status import status_text
from tui.app.widgets.route_view import RouteView
from tui.kernel.live_source import LiveSource
from tui.kernel.netlink.route_dump import dump_routes

NS = sys.argv[1]
CENSUS = sys.argv[5] == "1"  # after long full collections (a pause of the UI thread each)
PATH = f"/run/netns/{NS}"

def monitor_busy(app):
    # the bench may look inside: is a dump (a reload) running or due?
    handle = app.main.follower.watch_handle
    monitor = getattr(handle, "_monitor", None)
    return monitor is not None and monitor.busy()

def status_line(app):
    return status_text(app.main.status_state()).status

from child_io import line, rss_mb as rss, say  # bench/child_io.py
from ui_probe import CENSUS_DUE, GC, KEY_SPANS, LONG, SAMPLES  # bench/ui_probe.py
from ui_probe import census, gc_in_keys, gc_watch, sample_ui

import gc, threading

async def main():
    rcvbuf = int(sys.argv[3]) or None  # small: overruns forced, reloads seen
    CENSUS_DUE.clear()
    app = make_app(LiveSource(rcvbuf=rcvbuf), NS)
    out = {}
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.query_one(RouteView)
        while view.rows is None or view.rows.row_count < 1000:
            await pilot.pause(0.05)
        out["rss_loaded_mb"] = rss("VmRSS:")
        say(loaded=True)

        stop = asyncio.Event()
        keys_done = asyncio.Event()  # set before the bench's own compare blocks the loop
        keys = {}
        quiet_keys = {}  # the same keys on the quiet app first: the machine's own floor
        phase = [quiet_keys]
        all_spans = []  # (start, end) of every key during the flaps
        mid_census = []  # --census: after a long full collection, what the collector holds
        notices = []  # (seconds since the first key, notice, status, RSS MB) at each change
        rss_top = [0.0, 0.0, ""]  # the highest RSS sampled (MB), when, and the notice then
        store_changes = []  # monotonic times the store changed (object or version)
        t0 = time.monotonic()

        async def sampler():
            last_notice, last_store = None, None
            while not stop.is_set():
                sync = app.main.follower.inbox.sync_text()  # "reloading…" etc.
                notice = " · ".join(x for x in (sync, app.main.follower.notice) if x)
                now_rss = rss("VmRSS:")  # (a read of /proc every 10 ms: 50 us)
                if notice != last_notice:
                    at = round(time.monotonic() - t0, 2)
                    notices.append((at, notice, status_line(app), round(now_rss)))
                    last_notice = notice
                if now_rss > rss_top[0] and not keys_done.is_set():  # (not the bench's compare)
                    rss_top[:] = [now_rss, round(time.monotonic() - t0, 2), notice]
                if CENSUS and CENSUS_DUE and len(mid_census) < 3:  # what a long one walked
                    mid_census.append((round(time.monotonic() - t0, 1), CENSUS_DUE[-1], census()))
                    CENSUS_DUE.clear()
                now_store = (id(app.main.follower.store), app.main.follower.store.version)
                if now_store != last_store:
                    store_changes.append(time.monotonic())
                    last_store = now_store
                await asyncio.sleep(0.01)

        def nowhere_to_go(key):
            # a cursor key on an empty table, or at its edge (a re-read's empty table put
            # the cursor back on the first row between a down and the next up: that up
            # waited 10 s for a move that cannot happen)
            count = view.rows.row_count if view.rows is not None else 0
            if key == "up":
                return count < 2 or view.cursor == 0
            return key == "down" and (count < 2 or view.cursor >= count - 1)

        async def press(name, key, effect):
            before = (view.cursor, app.main.mode)
            done = asyncio.Event()
            t = time.perf_counter()
            app._driver.send_message(events.Key(key, key if len(key) == 1 else None))
            app.call_later(lambda: view.call_later(done.set))  # both queues crossed
            while time.perf_counter() - t < 10:
                if effect is None or effect(before):
                    if effect is not None or done.is_set():
                        break
                elif done.is_set() and nowhere_to_go(key):
                    break  # handled: the cursor has nowhere to move that way
                await asyncio.sleep(0.001)
            phase[0].setdefault(name, []).append((time.perf_counter() - t) * 1000)
            if phase[0] is keys:
                all_spans.append((t, time.perf_counter()))
            if phase[0] is keys and time.perf_counter() - t > 0.1:
                KEY_SPANS.append((t, time.perf_counter()))

        async def presser():
            plan = [
                ("no_op_key", "f12", None),
                ("down", "down", lambda b: view.cursor == b[0] + 1),
                ("up", "up", lambda b: view.cursor == b[0] - 1),
                ("toggle_view", "v", lambda b: app.main.mode != b[1]),
            ]
            i = 0
            while not keys_done.is_set():
                name, key, effect = plan[i % len(plan)]
                await press(name, key, effect)
                i += 1
                await asyncio.sleep(0.05)

        tasks = [asyncio.create_task(sampler()), asyncio.create_task(presser())]
        await line()  # the flap has started
        phase[0] = keys
        cpu0, wall0, load0 = time.process_time(), time.perf_counter(), os.getloadavg()[0]
        sampling = threading.Event()
        sampler_thread = threading.Thread(
            target=sample_ui, args=(sampling, threading.main_thread().ident), daemon=True
        )
        sampler_thread.start()
        gc.callbacks.append(gc_watch)
        costs = []  # rows rebuilds during the flap (ms)
        done_orig = app.main.rows.pacer.done
        def done(cost):
            costs.append(cost * 1000)
            done_orig(cost)
        app.main.rows.pacer.done = done
        reply = await line()  # the flap has ended: when the kernel made its last change
        out["cpu_share"] = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
        out["load"] = (load0, os.getloadavg()[0])
        last_kernel = float(reply)
        # converged: quiet (nothing queued, no dump running, the store unchanged) for 2 s
        deadline = time.monotonic() + 120
        result_equal = False
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            quiet = time.monotonic() - store_changes[-1] if store_changes else 99
            f = app.main.follower
            if quiet < 2.0 or len(f.inbox) or monitor_busy(app) or f.pending:
                continue
            out.setdefault("peak_rss_mb", rss("VmHWM:"))
            keys_done.set()
            sampling.set()
            if gc_watch in gc.callbacks:  # the bench's own dump and compare are not the app's
                gc.callbacks.remove(gc_watch)
            loop = asyncio.get_running_loop()
            marker = (id(app.main.follower.store), app.main.follower.store.version)
            dumped = await loop.run_in_executor(None, dump_routes, PATH)
            if (id(app.main.follower.store), app.main.follower.store.version) != marker:
                continue  # it changed meanwhile: look again
            a, b = Counter(app.main.follower.store.routes()), Counter(dumped)
            result_equal = a == b
            out["final_routes"] = len(app.main.follower.store)
            out["kernel_routes"] = len(dumped)
            out["only_in_model"] = sum((a - b).values())
            out["only_in_kernel"] = sum((b - a).values())
            if result_equal:
                break
        stop.set()
        sampling.set()
        await asyncio.gather(*tasks)
        slow = Counter()
        for t_start, t_end in KEY_SPANS:
            for t, what in SAMPLES:
                if t_start <= t <= t_end:
                    slow[what] += 1
        out["slow_key_samples"] = slow.most_common(12)
        out["equal"] = result_equal
        out["converged_s"] = max(0.0, store_changes[-1] - last_kernel) if store_changes else 0.0
        out["keys_ms"] = keys
        out["quiet_keys_ms"] = quiet_keys
        out["gc"] = GC
        out["gc_long"] = sorted(LONG, key=lambda c: -c[2])[:12]
        out["gc_long_count"] = Counter(f"gen{c[1]} {'ui' if c[5] else 'other'}" for c in LONG)
        out["gc_in_slow_keys"] = gc_in_keys(all_spans, 0.02)
        out["rebuild_ms"] = (len(costs), max(costs, default=0.0), sum(costs))
        out["notices"] = notices
        out["rss_top"] = rss_top
        out["final_status"] = status_line(app)
        monitor = getattr(app.main.follower.watch_handle, "_monitor", None)
        out["loads"] = getattr(monitor, "loads", None)
        out["frozen"] = gc.get_freeze_count()
        out["gc_census"] = census()
        out["mid_census"] = mid_census
        if gc_watch in gc.callbacks:  # the collection below is the bench's, not the app's
            gc.callbacks.remove(gc_watch)
        gc.unfreeze()  # what freezing kept from the collector: cycles it never saw
        gc.set_debug(gc.DEBUG_SAVEALL)
        out["pinned"] = gc.collect()
        out["pinned_types"] = Counter(type(o).__name__ for o in gc.garbage).most_common(8)
        gc.garbage.clear()
        gc.set_debug(0)
    say(result=out)

asyncio.run(main())
"""


QUIET_SECONDS = 5.0


def batch_files(routes: int) -> tuple[str, str]:
    """Two ``ip -batch`` files: delete every route of the big table, add them back (the
    same routes ``load_routes`` made)."""
    dels = tempfile.NamedTemporaryFile("w", prefix="fsc-flap-", suffix=".del", delete=False)  # noqa: SIM115
    adds = tempfile.NamedTemporaryFile("w", prefix="fsc-flap-", suffix=".add", delete=False)  # noqa: SIM115
    with dels, adds:
        base = 20 << 24
        for i in range(routes):
            a = base + (i << 8)
            dst = f"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.0/24"
            dels.write(f"route del {dst}\n")
            adds.write(f"route add {dst} via 10.254.{i % GATEWAY_NETS}.{2 + i % 200}\n")
    return dels.name, adds.name


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main() -> int:
    """Build, flap, measure, print, clean up."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--routes", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2, help="flaps in a row")
    parser.add_argument(
        "--tree",
        default=str(HERE.parent),
        help="the fibscope tree whose app is measured (default: this one; e.g. /work/main)",
    )
    parser.add_argument(
        "--rcvbuf",
        type=int,
        default=0,
        help="the monitor's socket buffer in bytes (0: the app's own; small forces overruns)",
    )
    parser.add_argument(
        "--census",
        action="store_true",
        help="after the first 3 full collections of 25 ms CPU or more, list what the "
        "collector holds (each a pause of the app: keys are slower)",
    )
    args = parser.parse_args()
    census = "1" if args.census else "0"
    ns = f"fsc-bflap-{uuid.uuid4().hex[:8]}"
    ip("netns", "add", ns)
    child: subprocess.Popen[str] | None = None
    files: tuple[str, str] | None = None
    try:
        load_s = load_routes(ns, args.routes)
        files = batch_files(args.routes)
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, ns, args.tree, str(args.rcvbuf), str(HERE), census],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        expect(child.stdout, "loaded")
        time.sleep(QUIET_SECONDS)  # keys on the quiet app first: the reference
        send(child.stdin, "go")
        phases: list[tuple[str, float]] = []
        for _ in range(args.rounds):
            for name, path in (("delete", files[0]), ("add", files[1])):
                start = time.perf_counter()
                ip("-n", ns, "-batch", path)
                phases.append((name, time.perf_counter() - start))
        if child.poll() is not None:
            raise RuntimeError(f"the app child ended during the flap (exit {child.returncode})")
        send(child.stdin, repr(time.monotonic()))
        result = expect(child.stdout, "result")["result"]
        child.wait(60)
        assert isinstance(result, dict)
        print(f"tree measured:            {args.tree}")
        print(f"routes loaded:            {args.routes:,} ({load_s:.1f} s with ip -batch)")
        for n, (name, seconds) in enumerate(phases):
            rate = args.routes / seconds
            print(
                f"flap {n // 2 + 1} {name + ':':<8}         {seconds:.2f} s, "
                f"{rate:,.0f} changes/s (ip -batch)"
            )
        report(result)
    finally:
        if child is not None and child.poll() is None:
            child.kill()
        subprocess.run(["ip", "netns", "delete", ns], check=False)
        for path in files or ():
            Path(path).unlink(missing_ok=True)
    return 0


def report(r: dict[str, object]) -> None:
    """The figures, one per line."""
    for title, field in (("during the flaps", "keys_ms"), ("quiet app, same run", "quiet_keys_ms")):
        keys = r[field]
        assert isinstance(keys, dict)
        print(f"keys {title}:")
        every = [ms for samples in keys.values() for ms in samples]
        for name, samples in [*keys.items(), ("all keys", every)]:
            print(
                f"  {name + ':':<23} p50 {percentile(samples, 0.5):6.1f} ms, "
                f"p99 {percentile(samples, 0.99):6.1f} ms, max {max(samples):6.1f} ms, "
                f"n={len(samples)}"
            )
    print(
        f"model = fresh dump:       {'EQUAL' if r['equal'] else 'DIFFERENT'} "
        f"{r['converged_s']:.2f} s after the last kernel change "
        f"({r.get('final_routes', 0):,} routes; only in model {r.get('only_in_model')}, "
        f"only in kernel {r.get('only_in_kernel')})"
    )
    print(
        f"peak RSS (app child):     {r.get('peak_rss_mb', 0):.0f} MB "
        f"(on screen before: {r['rss_loaded_mb']:.0f} MB)"
    )
    top = r["rss_top"]
    assert isinstance(top, list)
    top_mb, top_s, top_notice = float(top[0]), float(top[1]), str(top[2])
    print(
        f"  highest RSS sampled:    {top_mb:.0f} MB at {top_s:.2f} s ({top_notice or 'no notice'})"
    )
    rebuilt = r["rebuild_ms"]
    assert isinstance(rebuilt, list)
    n, longest, total = int(rebuilt[0]), float(rebuilt[1]), float(rebuilt[2])
    print(f"rows rebuilt:             {n} times, longest {longest:.0f} ms, {total:.0f} ms in all")
    for gen, got in sorted(r["gc"].items()):  # type: ignore[attr-defined]
        count, total_ms, longest_ms = got[:3]
        cpu = (
            f" (CPU {got[3]:.0f} ms in all, longest {got[4]:.0f} ms; {got[5]} off the UI thread)"
            if len(got) > 3
            else ""
        )
        print(
            f"gc generation {gen}:          {count} collections, {total_ms:.0f} ms in all, "
            f"longest {longest_ms:.0f} ms{cpu}"
        )
    print(
        f"frozen for the collector: {r['frozen']:,} objects at the end, of which garbage "
        f"cycles {r['pinned']:,} (found by a full collection after unfreezing): "
        f"{r['pinned_types']}"
    )
    load = r["load"]
    assert isinstance(load, list)
    load0, load1 = float(load[0]), float(load[1])
    print(
        f"machine during the flaps:  load average {load0:.1f} -> {load1:.1f} (2 cores); the app "
        f"used {r['cpu_share']:.0%} of a core"
    )
    print("collections of 5 ms or more (wall), by generation and thread:", r["gc_long_count"])
    print("longest collections (generation, wall ms, CPU ms, objects collected, on UI thread):")
    for _, gen, wall, cpu, collected, ui in r["gc_long"]:  # type: ignore[attr-defined]
        print(f"  gen{gen} {wall:7.1f} {cpu:7.1f} {collected:8d} {'ui' if ui else 'other'}")
    print(f"unfrozen objects at the end: {r['gc_census']}")
    for t, cpu, got in r["mid_census"]:  # type: ignore[attr-defined]
        print(f"  after a full collection of {cpu:.0f} ms CPU at {t} s: {got}")
    print(f"slowest 2 % of keys, time inside collections of 5 ms+: {r['gc_in_slow_keys']}")
    print("what the UI thread did during keys slower than 100 ms (5 ms samples):")
    for what, count in r["slow_key_samples"]:  # type: ignore[attr-defined]
        print(f"  {count:6d}  {what}")
    print(f"full loads (monitor):     {r['loads']} (1 = no reload)")
    print("status notices, in order (seconds from the first key; the flap began 5 s later):")
    for t, notice, _, rss_mb in r["notices"]:  # type: ignore[attr-defined]
        print(f"  {t:7.2f}  {rss_mb:5d} MB  {notice or '(none)'}")
    print(f"final status line:        {r['final_status']}")


if __name__ == "__main__":
    sys.exit(main())
