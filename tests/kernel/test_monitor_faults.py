"""The monitor under faults: overruns, nexthop objects, namespaces that go away, permission
lost.  Each is reported once, the followed routes end equal to the kernel's (or the namespace
is said to be gone), and nothing escapes as a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.kernel.follow import Follower, assert_equal_to_kernel
from tests.kernel.test_monitor import build, force_batch, route_ops
from tests.netns_helpers import delete_netns, requires_netns, temp_netns
from tests.patience import PATIENCE, wait_until
from tui.kernel.monitor import OVERRUN
from tui.source.events import SETTLED, Snapshot

pytestmark = requires_netns
ROOT = Path(__file__).resolve().parents[2]


def test_overrun_is_reported_and_resynced() -> None:
    """A tiny receive buffer and a monitor held in ``emit`` while thousands of routes
    change: the kernel drops events (ENOBUFS); the monitor says so and re-reads."""
    with temp_netns("fsf") as ns:
        build(ns)
        with Follower(ns.path, rcvbuf=4096) as follower:
            follower.wait_loaded()
            follower.gate.clear()  # the next emit blocks: the socket fills up
            ns.ip("route", "add", "10.99.0.0/24", "via", "10.1.0.2")
            time.sleep(0.3)
            ns.batch(
                f"route add 10.{100 + i // 250}.{i % 250}.0/24 via 10.1.0.2" for i in range(3000)
            )
            ns.batch(f"route add 2001:db8:99:{i:x}::/64 via 2001:db8:1::2" for i in range(2000))
            ns.batch(f"route del 10.{100 + i // 250}.{i % 250}.0/24" for i in range(0, 3000, 3))
            follower.gate.set()
            assert_equal_to_kernel(follower, ns.path)
            overruns = [p for p in follower.problems if p.text == OVERRUN]
            assert overruns and not any(p.fatal for p in follower.problems)
            assert follower.snapshots >= 2
            last = [e for e in follower.events if isinstance(e, Snapshot)][-1]
            assert last.reason in (OVERRUN, SETTLED)


def test_reload_during_churn_ends_equal() -> None:
    """An overrun while changes keep pouring in: the reload reads the dump on the event
    socket with the events in between, and ends equal once the churn stops.  (IPv6 entries
    a dump hides between ECMP siblings cannot be re-read: the churn makes none.)"""
    with temp_netns("fsf") as ns:
        build(ns)
        ns.batch(f"route add 10.{100 + i // 250}.{i % 250}.0/24 via 10.1.0.2" for i in range(20000))
        with Follower(ns.path, rcvbuf=1 << 16) as follower:
            follower.wait_loaded()
            stop = threading.Event()
            batches = [0]

            def churn() -> None:
                seed = 0
                while not stop.is_set():
                    seed += 1
                    force_batch(ns, route_ops(seed, 300, v6_apart=True))
                    batches[0] += 1

            def after_batches(count: int) -> None:
                """Wait for ``count`` more batches of the churn (counted, not timed)."""
                goal = batches[0] + count
                wait_until(lambda: batches[0] >= goal, "churn batches")

            worker = threading.Thread(target=churn)
            worker.start()
            try:
                after_batches(1)
                follower.gate.clear()  # stall the monitor: the socket overflows
                after_batches(4)  # 1200 changes stalled: far past a 64 KiB buffer
                follower.gate.set()
                # The reload runs while the churn goes on: wait for it, then more churn.
                wait_until(lambda: follower.snapshots >= 2, "the reload after the overrun")
                after_batches(2)
            finally:
                stop.set()
                worker.join()
            assert_equal_to_kernel(follower, ns.path)
            assert any(p.text == OVERRUN for p in follower.problems)
            assert not any(p.fatal for p in follower.problems)


def test_nexthop_objects_changing_are_followed() -> None:
    """Routes follow their nexthop objects without route events (a group member removed,
    an object deleted): the monitor reloads."""
    with temp_netns("fsf") as ns:
        build(ns)
        for line in (
            "nexthop add id 1 via 10.1.0.2 dev va",
            "nexthop add id 2 via 10.2.0.2 dev vb",
            "nexthop add id 3 group 1/2",
            "route add 10.80.0.0/24 nhid 3",
            "route add 10.80.1.0/24 nhid 1",
            "route add 10.80.2.0/24 via 10.2.0.9",
        ):
            ns.ip(*line.split())
        with Follower(ns.path) as follower:
            follower.wait_loaded()
            for step in (
                "nexthop replace id 1 via 10.1.0.3 dev va",
                "nexthop del id 2",
                "nexthop del id 1",
            ):
                ns.ip(*step.split())
                assert_equal_to_kernel(follower, ns.path)
            assert not follower.problems


def test_deleted_namespace_is_reported_once_and_the_monitor_ends() -> None:
    with temp_netns("fsf") as ns:
        build(ns)
        with Follower(ns.path) as follower:
            follower.wait_loaded()
            delete_netns(ns.name)
            follower.thread.join(PATIENCE)  # a bound for a hung test, not a speed limit
            assert not follower.thread.is_alive()
            assert len(follower.problems) == 1
            problem = follower.problems[0]
            assert problem.fatal and problem.gone and "gone" in problem.text


def test_namespace_of_an_exiting_process_is_reported_gone() -> None:
    """An unnamed namespace held only by a process (a container): the process exits."""
    proc = subprocess.Popen(["unshare", "--net", "sleep", "300"])
    try:
        path = f"/proc/{proc.pid}/ns/net"
        wait_until(lambda: os.readlink(path) != os.readlink("/proc/self/ns/net"), "unshare entered")
        with Follower(path) as follower:
            follower.wait_loaded()
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            follower.thread.join(PATIENCE)  # a bound for a hung test, not a speed limit
            assert not follower.thread.is_alive()
            assert [p.gone for p in follower.problems] == [True]
    finally:
        proc.kill()
        proc.wait()


CHILD = r"""
import json, os, sys, threading, time
sys.path.insert(0, sys.argv[2])
from tui.kernel.monitor import Monitor
from tui.source.events import Problem, Snapshot
seen = []
def emit(event):
    # Said before it is noted as seen: the main thread prints as soon as it sees a snapshot,
    # and two prints racing interleave their newlines.
    if isinstance(event, Problem):
        print(json.dumps({"problem": event.text, "fatal": event.fatal}), flush=True)
    elif isinstance(event, Snapshot):
        print(json.dumps({"snapshot": True}), flush=True)
    seen.append(type(event).__name__)
monitor = Monitor(sys.argv[1], emit)
thread = threading.Thread(target=monitor.run, daemon=True)
thread.start()
while "Snapshot" not in seen:
    time.sleep(0.02)
os.setresgid(65534, 65534, 65534)
os.setresuid(65534, 65534, 65534)  # every thread loses root (glibc applies it to all)
print(json.dumps({"dropped": True}), flush=True)
thread.join(float(sys.argv[3]))
print(json.dumps({"alive": thread.is_alive()}), flush=True)
"""


def test_permission_lost_is_reported_once_without_a_traceback() -> None:
    """The process stops being root while following: the next re-read cannot enter the
    namespace; that is said once and the monitor ends (the process carries on)."""
    with temp_netns("fsf") as ns:
        build(ns)
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, ns.path, str(ROOT), str(PATIENCE)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            lines = [json.loads(child.stdout.readline()) for _ in range(2)]
            assert lines == [{"snapshot": True}, {"dropped": True}]
            ns.ip("link", "set", "vb", "down")  # a link event: the small state is re-read
            out, err = child.communicate(timeout=2 * PATIENCE)
        finally:
            child.kill()
        records = [json.loads(line) for line in out.splitlines()]
        problems = [r for r in records if "problem" in r]
        assert len(problems) == 1 and problems[0]["fatal"], records
        assert "cannot read the namespace" in problems[0]["problem"]
        assert records[-1] == {"alive": False}
        assert "Traceback" not in err, err
