"""What every benchmark's app child does to talk to its parent and measure itself: its
memory from /proc, one JSON line to the parent, a line from the parent without blocking the
app's event loop.  Imported by the children (their ``sys.path`` holds this folder)."""

from __future__ import annotations

import asyncio
import json
import sys


def rss_mb(field: str = "VmHWM:") -> float:
    """This process's memory in MB: ``VmHWM:`` the peak, ``VmRSS:`` now."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    return 0.0


def say(**kw: object) -> None:
    """One JSON line to the parent (``bench_churn.expect`` reads it)."""
    print(json.dumps(kw), flush=True)


async def line() -> str:
    """The parent's next line (it says when the churn or the flap starts and ends)."""
    return await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
