"""What the UI thread of an app under test is doing, for ``bench_flap.py``'s child: garbage
collections (wall and CPU time, and on which thread) and 5 ms samples of the UI thread's
stack (what slow keys waited for)."""

from __future__ import annotations

import faulthandler
import gc
import os
import tempfile
import threading
import time
from collections import Counter, deque

MAIN_ID = threading.main_thread().ident

# generation -> [collections, total ms, longest ms, CPU ms, longest CPU ms, off the UI thread]
GC: dict[int, list[float]] = {}
_gc_start = [0.0, 0.0]
# every collection longer than LONG_MS (wall): (end time, generation, wall ms, CPU ms,
# objects collected, on the UI thread); slow keys are matched against them
LONG_MS = 5.0
LONG: list[tuple[float, int, float, float, int, bool]] = []
CENSUS_DUE: list[float] = []  # CPU ms of full collections long enough for a census (--census)
SAMPLES: list[tuple[float, str]] = []  # (time, what the UI thread was doing)
KEY_SPANS: list[tuple[float, float]] = []  # (start, end) of keys slower than 100 ms


def gc_watch(phase: str, info: dict[str, int]) -> None:
    """A ``gc.callbacks`` entry.  Wall time is what a key waits; CPU time (of the collecting
    thread) is the work itself, without the time the machine gave other processes."""
    if phase == "start":
        _gc_start[0], _gc_start[1] = time.perf_counter(), time.thread_time()
        return
    ms = (time.perf_counter() - _gc_start[0]) * 1000
    cpu = (time.thread_time() - _gc_start[1]) * 1000
    got = GC.setdefault(info["generation"], [0, 0.0, 0.0, 0.0, 0.0, 0])
    got[0] += 1
    got[1] += ms
    got[2] = max(got[2], ms)
    got[3] += cpu
    got[4] = max(got[4], cpu)
    got[5] += threading.get_ident() != MAIN_ID
    if info["generation"] == 2 and cpu >= 25:
        CENSUS_DUE.append(cpu)
    if ms >= LONG_MS:
        end = time.perf_counter()
        ui = threading.get_ident() == MAIN_ID
        LONG.append((end, info["generation"], ms, cpu, info.get("collected", 0), ui))


def gc_in_keys(spans: list[tuple[float, float]], share: float) -> dict[str, object]:
    """Of the slowest ``share`` of key spans: how many, their total ms, and the ms of them
    spent inside long collections (``LONG``), by generation and thread."""
    slowest = sorted(spans, key=lambda s: s[0] - s[1])[: max(1, int(len(spans) * share))]
    inside: dict[str, float] = {}
    for start, end in slowest:
        for c_end, gen, wall, _, _, ui in LONG:
            overlap = min(end, c_end) - max(start, c_end - wall / 1000)
            if overlap > 0:
                key = f"gen{gen} {'ui' if ui else 'other'}"
                inside[key] = round(inside.get(key, 0.0) + overlap * 1000, 1)
    total = round(sum(e - s for s, e in slowest) * 1000, 1)
    return {"keys": len(slowest), "ms": total, "in_gc_ms": inside}


def census() -> dict[str, object]:
    """What the collector's oldest generation holds (not frozen: a full collection walks all
    of it): how many objects, of which kinds, the biggest containers; and the young ones."""
    old = gc.get_objects(2)
    kinds = Counter(type(o).__name__ for o in old).most_common(8)
    sizable = (list, dict, tuple, set, deque)
    big = sorted(((len(o), type(o).__name__) for o in old if isinstance(o, sizable)), reverse=True)
    young = len(gc.get_objects(0)) + len(gc.get_objects(1))
    return {
        "old": len(old),
        "young": young,
        "kinds": kinds,
        "biggest": big[:5],
        "threshold": gc.get_threshold(),
    }


def main_frames(text: str, main_id: int) -> list[tuple[str, str]]:
    """The UI thread's stack in faulthandler's dump: (file, function), innermost first."""
    head = f"0x{main_id:016x}"
    out: list[tuple[str, str]] = []
    inside = False
    for row in text.splitlines():
        if row.startswith(("Thread 0x", "Current thread 0x")):
            inside = row.split(" (")[0].endswith(head)
        elif inside and row.startswith("  File "):
            name = row.rsplit(" in ", 1)[-1]
            out.append((row.split('"')[1] if '"' in row else "", name))
    return out


def sample_ui(stop: threading.Event, main_id: int) -> None:
    """Every 5 ms until ``stop``: what the UI thread runs (its innermost fibscope function
    and innermost function).  faulthandler walks the threads' frames in C with the GIL
    held: walking another thread's frames from Python (f_back) is unsafe on 3.11 (it
    crashed the child)."""
    fd = os.open(tempfile.gettempdir(), os.O_RDWR | os.O_TMPFILE, 0o600)
    last = time.perf_counter()
    try:
        while not stop.is_set():
            time.sleep(0.005)
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            faulthandler.dump_traceback(fd, all_threads=True)
            now = time.perf_counter()
            frames = main_frames(os.pread(fd, 1 << 20, 0).decode("utf-8", "replace"), main_id)
            mine = next((f"tui:{name}" for path, name in frames if "/tui/" in path), None)
            what = f"{mine or '-'} / {frames[0][1] if frames else '-'}"
            if now - last > 0.05:
                what = "GIL held long (C code or GC), then " + what
            SAMPLES.append((now, what))
            last = now
    finally:
        os.close(fd)
