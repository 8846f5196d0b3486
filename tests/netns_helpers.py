"""Throw-away network namespaces for tests that need a real kernel.

Every namespace gets a unique name (``fsc-`` + 8 hex digits) so parallel runs (xdist) and a
crashed earlier run never collide, and it is deleted in a ``finally`` even when the test fails.
``ip`` always runs with an argument list, never through a shell.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from tests.patience import PATIENCE

NETNS_DIR = "/run/netns"


class IpError(RuntimeError):
    """An ``ip`` command failed; the message carries its arguments and stderr."""


def have_netns_privilege() -> bool:
    """Namespaces need root (CAP_SYS_ADMIN) and the ``ip`` binary."""
    return os.geteuid() == 0 and shutil.which("ip") is not None


# Kernel tests carry the ``kernel`` marker; tests/conftest.py skips them without root (never
# under CI=true, where a missing privilege must fail loudly rather than pass quietly).
requires_netns = pytest.mark.kernel


# ``ip`` with the tests' own name files on /etc/iproute2 (a mount namespace of its own).
_IP_PRIVATE = (
    "import os, subprocess, sys\n"
    "subprocess.run(['mount', '--bind', sys.argv[1], '/etc/iproute2'], check=True)\n"
    "os.execvp('ip', ['ip', *sys.argv[2:]])\n"
)
_PRINTS_NAMES = {"show", "list", "ls", "lst", "get"}


def ip_argv(*args: str) -> list[str]:
    """The command line of ``ip ARGS``: a command that prints names reads the same name
    files as fibscope (FIBSCOPE_IPROUTE2_DIR, set for every test), not the host's."""
    confdir = os.environ.get("FIBSCOPE_IPROUTE2_DIR")
    if confdir is None or not _PRINTS_NAMES & set(args) or os.geteuid() != 0:
        return ["ip", *args]
    wrapper = [sys.executable, "-I", "-S", "-c", _IP_PRIVATE, confdir, *args]
    return ["unshare", "--mount", "--propagation", "private", *wrapper]


def ip(*args: str, check: bool = True) -> str:
    """Run ``ip ARGS`` (no shell) and return its stdout; raise IpError with stderr on failure."""
    proc = subprocess.run(ip_argv(*args), capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise IpError(f"ip {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout


def unique_name(prefix: str = "fsc") -> str:
    """A namespace (or link) name no other run will pick."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Netns:
    """A named namespace created by :func:`temp_netns`; helpers run ``ip -n NAME ...``."""

    name: str

    @property
    def path(self) -> str:
        """The bind mount that ``entered()`` and ``setns`` take."""
        return f"{NETNS_DIR}/{self.name}"

    def ip(self, *args: str, check: bool = True) -> str:
        """``ip -n NAME ARGS``: stdout as text."""
        return ip("-n", self.name, *args, check=check)

    def ip_json(self, *args: str) -> Any:
        """``ip -n NAME -j ARGS`` parsed (empty output gives an empty list)."""
        out = ip("-n", self.name, "-j", *args)
        return json.loads(out) if out.strip() else []

    def batch(self, lines: Iterable[str]) -> None:
        """Feed many commands to one ``ip -n NAME -batch FILE``: fast bulk loading."""
        with tempfile.NamedTemporaryFile("w", prefix="fsc-batch-", suffix=".txt") as fh:
            for line in lines:
                fh.write(line)
                fh.write("\n")
            fh.flush()
            ip("-n", self.name, "-batch", fh.name)

    def veth(self, name: str, peer: str, *, peer_ns: Netns | None = None, up: bool = True) -> None:
        """A veth pair ``name``/``peer`` (``dummy`` has no module here); peer may live elsewhere.

        A veth has carrier only while both ends are up: leave the peer down (``up=False`` then
        bring up ``name`` alone) to get a link whose routes are ``linkdown``.
        """
        self.ip("link", "add", name, "type", "veth", "peer", "name", peer)
        if peer_ns is not None:
            self.ip("link", "set", peer, "netns", peer_ns.name)
        if up:
            self.ip("link", "set", name, "up")
            (peer_ns or self).ip("link", "set", peer, "up")

    def ifindex(self, dev: str) -> int:
        """The ifindex of ``dev`` in this namespace."""
        links = self.ip_json("link", "show", "dev", dev)
        return int(links[0]["ifindex"])

    def link_names(self) -> dict[int, str]:
        """ifindex → name for every link of the namespace."""
        return {int(link["ifindex"]): str(link["ifname"]) for link in self.ip_json("link", "show")}

    def exec(self, *argv: str) -> str:
        """Run a program inside the namespace (``ip netns exec``; argument list, no shell)."""
        return ip("netns", "exec", self.name, *argv)


#: What ``python -m tui`` imports: copied for a user who cannot read the checkout or venv.
RUNTIME_MODULES = (
    "tui", "textual", "rich", "pyroute2", "psutil", "markdown_it", "mdurl", "platformdirs",
    "typing_extensions", "pygments", "linkify_it", "uc_micro", "mdit_py_plugins",
)  # fmt: skip
_runtime: dict[int, tuple[str, str]] = {}


def _setpriv(user: int) -> list[str]:
    return ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"]


def user_runtime(user: int) -> tuple[str, str]:
    """(an interpreter ``user`` may run, a world-readable directory holding a copy of fibscope
    and what it imports).  A checkout or venv in a directory only root may enter (``mktemp
    -d``, /root/src) cannot be imported by an unprivileged user: the copy can.  Made once per
    process, removed at exit."""
    if user in _runtime:
        return _runtime[user]
    base = tempfile.mkdtemp(prefix="fsc-runtime-")
    atexit.register(shutil.rmtree, base, True)
    os.chmod(base, 0o755)
    for name in RUNTIME_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        if spec.submodule_search_locations:
            src = os.path.dirname(spec.origin)
            shutil.copytree(src, os.path.join(base, name), ignore=_NO_CACHE)
        else:
            shutil.copy(spec.origin, base)
    for root, dirs, files in os.walk(base):
        for entry in dirs + files:
            os.chmod(os.path.join(root, entry), 0o755)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [sys.executable, os.path.realpath(sys.executable), f"/usr/bin/{version}"]
    for python in candidates:
        probe = subprocess.run(
            [*_setpriv(user), python, "-I", "-S", "-c", "pass"], capture_output=True, check=False
        )
        if probe.returncode == 0:
            _runtime[user] = (python, base)
            return python, base
    raise RuntimeError(f"no Python interpreter that user {user} may run: {candidates}")


_NO_CACHE = shutil.ignore_patterns("__pycache__")


def as_user(argv: list[str], user: int | None) -> list[str]:
    """``argv`` (``python ...``) run as ``user`` (uid and gid, no groups) through setpriv,
    with the user's own copy of fibscope (``user_runtime``); as is for None."""
    if user is None:
        return argv
    python, base = user_runtime(user)
    assert argv[0] == sys.executable, "as_user runs Python programs"
    boot = f"import sys; sys.path.insert(0, {base!r}); sys.argv[0] = 'fibscope'; "
    rest = argv[1:]
    if rest[:2] == ["-m", "tui"]:
        code = boot + "from tui.cli import main; sys.exit(main(sys.argv[1:]))"
        return [*_setpriv(user), python, "-I", "-S", "-c", code, *rest[2:]]
    assert rest[0] == "-c", "as_user runs 'python -m tui ...' or 'python -c CODE'"
    return [*_setpriv(user), python, "-I", "-S", "-c", boot + rest[1], *rest[2:]]


def run_fibscope(*args: str, user: int | None = None) -> subprocess.CompletedProcess[str]:
    """``fibscope ARGS`` in a child process (``python -m tui``), as ``user`` when given."""
    argv = as_user([sys.executable, "-m", "tui", *args], user)
    return subprocess.run(argv, capture_output=True, text=True, timeout=PATIENCE, cwd="/")


def delete_netns(name: str) -> None:
    """Delete a namespace if it still exists (idempotent, never raises on 'not found')."""
    if os.path.exists(f"{NETNS_DIR}/{name}"):
        ip("netns", "delete", name, check=False)


@contextmanager
def temp_netns(prefix: str = "fsc", *, lo_up: bool = True) -> Iterator[Netns]:
    """Create a uniquely named namespace and delete it afterwards, whatever happens.

    IPv6 duplicate address detection is off in it: a link's link-local address (and its
    ``local`` route) would otherwise appear a second or two after the link comes up, and two
    reads a moment apart (ours and ``ip``'s) would disagree now and then.
    """
    name = unique_name(prefix)
    ip("netns", "add", name)
    try:
        ns = Netns(name)
        ns.exec(
            "sysctl",
            "-q",
            "-w",
            "net.ipv6.conf.all.accept_dad=0",
            "net.ipv6.conf.default.accept_dad=0",
        )
        if lo_up:
            ns.ip("link", "set", "lo", "up")
        yield ns
    finally:
        delete_netns(name)
