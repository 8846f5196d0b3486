"""How long loading (and validating) a big capture takes.

Builds a made-up host with ROUTES IPv4 routes (a full-table router: gateways, devices, some
multipath and metrics) plus a few IPv6 ones, writes it as a capture, and times
``tui.capture.load`` (best of REPEAT).  Run: ``python bench/bench_capture_load.py [ROUTES]``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

from tui import capture
from tui.model import (
    AF_INET,
    AF_INET6,
    HostState,
    Link,
    Namespace,
    NamespaceInfo,
    NetnsState,
    Nexthop,
    Route,
)

REPEAT = 3


def big_host(count: int) -> HostState:
    """A host whose one namespace has ``count`` IPv4 routes over 4 links."""
    links = tuple(Link(i, f"eth{i}", 0x11043, "UP") for i in range(1, 5))
    routes: list[Route] = []
    for i in range(count):
        a, b, c = (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF
        dst = f"{1 + a % 223}.{b}.{c}.0"
        if i % 50 == 0:
            multipath = (Nexthop("192.0.2.1", 1), Nexthop("192.0.2.2", 2, 2))
            routes.append(Route(AF_INET, 254, 1, dst, 24, protocol=186, multipath=multipath))
        else:
            routes.append(
                Route(
                    AF_INET,
                    254,
                    1,
                    dst,
                    24,
                    protocol=186,
                    priority=20,
                    gateway=f"192.0.2.{1 + i % 4}",
                    oif=1 + i % 4,
                    metrics=((2, 1400),) if i % 7 == 0 else (),
                )
            )
    for i in range(min(count // 10, 65534)):
        routes.append(
            Route(AF_INET6, 254, 1, f"2001:db8:{i + 1:x}::", 48, oif=1, gateway="fe80::1")
        )
    state = NetnsState(links=links, routes=tuple(routes))
    info = NamespaceInfo(dev=4, inode=4026531840, is_host=True)
    return HostState(namespaces=(Namespace(info, state),), hostname="bench")


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    host = big_host(count)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.json")
        with open(path, "w", encoding="utf-8") as fh:
            capture.write(host, fh)
        size = os.path.getsize(path)
        best = float("inf")
        for _ in range(REPEAT):
            start = time.perf_counter()
            loaded = capture.load(path)
            best = min(best, time.perf_counter() - start)
            assert loaded.namespaces[0].state is not None
            assert len(loaded.namespaces[0].state.routes) == len(host.namespaces[0].state.routes)  # type: ignore[union-attr]
            del loaded
    print(f"{count:,} routes, {size / 1e6:.1f} MB: load {best:.2f} s (best of {REPEAT})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
