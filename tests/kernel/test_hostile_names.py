"""Names chosen by someone else never reach the operator's terminal raw.

A process in a test namespace names itself with escape sequences and a byte that is not
UTF-8 (``prctl(PR_SET_NAME)``), a veth gets an escape sequence in its name (the kernel allows
any byte but '/', ':' and white space): ``fibscope`` prints them escaped (``\\x1b``,
``\\xff``), JSON keeps them as JSON escapes, and a strict UTF-8 stdout does not crash it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.netns_helpers import Netns, requires_netns, temp_netns
from tests.patience import PATIENCE

pytestmark = requires_netns

# 15 bytes at most (TASK_COMM_LEN - 1): an OSC title change, a clear screen, a bad byte.
EVIL_COMM = b"\x1b]0;PWN\x07\x1b[2J\xff"
EVIL_LINK = "e\x1b]0;PWN\x07"  # 9 bytes
BAD_UTF8_LINK = "x\udcffy"  # the bytes x, 0xff, y (Python's surrogate escape of 0xff)
NAMER = (
    "import ctypes, sys, time\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "name = bytes.fromhex(sys.argv[1])\n"
    "assert libc.prctl(15, ctypes.c_char_p(name), 0, 0, 0) == 0\n"  # PR_SET_NAME
    "print('named', flush=True)\n"
    "time.sleep(600)\n"
)


@pytest.fixture(scope="module")
def hostile_ns() -> Iterator[tuple[Netns, int]]:
    """A namespace holding a process with an evil name and a veth with an evil name."""
    with temp_netns("fsc-evil") as ns:
        ns.veth(EVIL_LINK, "evil1")
        ns.ip("addr", "add", "10.9.0.1/24", "dev", EVIL_LINK)
        ns.veth(BAD_UTF8_LINK, "evil2")
        ns.ip("addr", "add", "10.10.0.1/24", "dev", BAD_UTF8_LINK)
        proc = subprocess.Popen(
            ["ip", "netns", "exec", ns.name, sys.executable, "-c", NAMER, EVIL_COMM.hex()],
            stdout=subprocess.PIPE,
        )
        try:
            assert proc.stdout is not None and proc.stdout.readline() == b"named\n"
            with open(f"/proc/{proc.pid}/comm", "rb") as fh:
                assert fh.read().rstrip(b"\n") == EVIL_COMM
            yield ns, proc.pid
        finally:
            proc.kill()
            proc.wait()


def _fibscope(*args: str) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8:strict", LC_ALL="C.UTF-8")
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, timeout=PATIENCE, env=env
    )


def test_namespaces_listing_escapes_process_names(hostile_ns: tuple[Netns, int]) -> None:
    ns, _ = hostile_ns
    proc = _fibscope("namespaces")
    assert proc.returncode == 0, proc.stderr
    assert b"\x1b" not in proc.stdout and b"\x07" not in proc.stdout and b"\xff" not in proc.stdout
    line = next(x for x in proc.stdout.decode().splitlines() if x.startswith(ns.name))
    assert "\\x1b]0;PWN\\x07\\x1b[2J\\xff" in line
    assert proc.stderr == b""


def test_json_keeps_json_escapes(hostile_ns: tuple[Netns, int]) -> None:
    ns, pid = hostile_ns
    proc = _fibscope("namespaces", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert b"\x1b" not in proc.stdout
    listing = json.loads(proc.stdout)
    mine = next(n for n in listing if n["label"] == ns.name)
    names = {p["pid"]: p["name"] for p in mine["processes"]}
    # The bad byte comes back as Python's surrogate escape of it: the name as the kernel has it.
    assert names[pid].encode("utf-8", "surrogateescape") == EVIL_COMM


@pytest.mark.parametrize(
    "args",
    [
        ("routes",),
        ("routes", "--format", "route-n"),
        ("routes", "--table", "all"),
        ("routes", "--format", "json"),
        ("rules",),
        ("lookup", "10.9.0.7"),
        ("lookup", "10.10.0.7"),
        ("routes", "-6", "--format", "route-n"),
    ],
)
def test_link_names_are_escaped(hostile_ns: tuple[Netns, int], args: tuple[str, ...]) -> None:
    ns, _ = hostile_ns
    proc = _fibscope(*args, "--netns", ns.name)
    assert proc.returncode in (0, 1), proc.stderr
    assert b"\x1b" not in proc.stdout and b"\x07" not in proc.stdout
    assert b"\xff" not in proc.stdout
    if args[0] == "routes" and "json" in args:
        assert b"e\\u001b]0;PWN\\u0007" in proc.stdout and b"x\\udcffy" in proc.stdout
    elif args[0] == "routes":
        assert b"e\\x1b]0;PWN\\x07" in proc.stdout and b"x\\xffy" in proc.stdout
    elif args == ("lookup", "10.9.0.7"):
        assert b"e\\x1b]0;PWN\\x07" in proc.stdout
    elif args[0] == "lookup":
        assert b"x\\xffy" in proc.stdout


def test_a_capture_of_them_is_shown_escaped_too(
    hostile_ns: tuple[Netns, int], tmp_path: os.PathLike[str]
) -> None:
    ns, _ = hostile_ns
    path = os.path.join(tmp_path, "evil.json")
    assert _fibscope("capture", "--netns", ns.name, "-o", path).returncode == 0
    for args in (("namespaces",), ("routes", "--netns", ns.name)):
        proc = _fibscope(*args, "--state", path)
        assert proc.returncode == 0, proc.stderr
        assert b"\x1b" not in proc.stdout and b"\\x1b]0;PWN" in proc.stdout
