"""A network namespace that only another mount namespace's bind mount holds: the case a
discovery finds only by reading other mount namespaces' mount tables (a container runtime's
own mount namespace holding its pods' namespaces)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.netns_helpers import ip, temp_netns

# In its own mount namespace: a tmpfs over /mnt (ours is untouched), the namespace bound there.
MOUNT = """
import subprocess, sys
subprocess.run(["mount", "-t", "tmpfs", "fsd", "/mnt"], check=True)
open("/mnt/net", "w").close()
subprocess.run(["mount", "--bind", sys.argv[1], "/mnt/net"], check=True)
print("ready", flush=True)
sys.stdin.read()
"""
UNSHARE_MOUNT = ["unshare", "--mount", "--propagation", "private", sys.executable, "-c", MOUNT]


@contextmanager
def child(argv: list[str]) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """A process we start (and end, by its pid) that prints one line when ready."""
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        yield proc, line
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass(frozen=True)
class Hidden:
    """The namespace's inode and where the holder's mount namespace shows it to us."""

    inode: int
    pid: int

    @property
    def path(self) -> str:
        return f"/proc/{self.pid}/root/mnt/net"


@contextmanager
def hidden_netns(prefix: str = "fsh") -> Iterator[Hidden]:
    """A new namespace bound at /mnt/net in a process's own mount namespace, its name in
    /run/netns deleted: nothing else holds it (no process is in it)."""
    with temp_netns(prefix) as ns:
        inode = os.stat(ns.path).st_ino
        with child([*UNSHARE_MOUNT, ns.path]) as (proc, ready):
            assert ready == "ready"
            ip("netns", "delete", ns.name)
            yield Hidden(inode, proc.pid)
