"""``lookup --batch``: every line is answered on its own, whatever the lines around it hold.

Run on the made-up capture (no kernel needed): a generated batch of 100,000 lines with 1% bad
ones, invalid UTF-8 in the middle, a 50 MB line, loose JSON types, and a query the engine
raises on; what error messages echo stays one short line without control bytes.
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.patience import PATIENCE
from tui.cli.answers import Lookups
from tui.cli.batch import MAX_LINE, read_lines, run_batch
from tui.fib.engine import Engine
from tui.fib.query import Query
from tui.fib.trace import Trace
from tui.source import CaptureSource

FIXTURE = str(Path(__file__).resolve().parents[1] / "fixtures" / "edge-router.json")
ADDRS4 = ["198.51.100.10", "10.20.0.1", "10.99.0.2", "172.17.0.1", "192.0.2.1"]
DEVS = ["eth0", "eth1", "wg0", "docker0", "eth2", "lo"]


def fibscope(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], input=stdin, capture_output=True, timeout=5 * PATIENCE
    )


def good_query(rng: random.Random) -> dict[str, Any]:
    """A valid query: destinations all over, sometimes a source, input device, mark, ports."""
    if rng.random() < 0.15:
        q: dict[str, Any] = {"dst": f"2001:db8:{rng.randrange(0, 0x20):x}::{rng.randrange(1, 9)}"}
    else:
        first = rng.choice((10, 172, 192, 198, 203, 8))
        q = {"dst": f"{first}.{rng.randrange(256)}.0.{rng.randrange(1, 255)}"}
        if rng.random() < 0.3:
            q["from"] = rng.choice(ADDRS4)
        if rng.random() < 0.2:
            q["iif"] = rng.choice(DEVS[:5])
            q["from"] = f"10.{rng.randrange(256)}.0.9"
        if rng.random() < 0.2:
            q["mark"] = rng.choice((0, 1, 7, "0x10"))
        if rng.random() < 0.2:
            q["ipproto"], q["dport"] = "tcp", rng.choice((22, 443))
    return q


BAD_LINES: list[bytes] = [
    b"{not json",
    b'{"dst": "10.1.1.1", "mark": ""}',
    b'{"dst": "10.1.1.1", "tos": false}',
    b'{"dst": "10.1.1.1", "src": "10.20.0.1", "from": "10.20.0.1"}',
    b'{"dst": "10.1.1.1", "mark": ' + b"9" * 5000 + b"}",
    b'{"dst": "10.1.1.1", "mark": 1e999}',
    b"[" * 20000 + b"]" * 20000,
    b'{"dst": "10.1.\xff.1"}',
    b'["10.1.1.1"]',
    b'{"dst": "10.1.1.1", "colour": "red"}',
    b'{"dst": "10.1.1.1", "iif": "nodev"}',
    b'{"dst": "10.1.1.1", "from": "fd00::1"}',
    b'{"dst": "\\u001b]0;PWN\\u0007\\n' + b"A" * 3000 + b'"}',
]


def test_a_100k_line_batch_with_1_percent_bad_lines(tmp_path: Path) -> None:
    rng = random.Random(11)
    lines: list[bytes] = []
    good: dict[int, dict[str, Any]] = {}
    bad: set[int] = set()
    for number in range(1, 100_001):
        if rng.random() < 0.01:
            lines.append(rng.choice(BAD_LINES))
            bad.add(number)
        else:
            query = good_query(rng)
            lines.append(json.dumps(query).encode())
            good[number] = query
    path = tmp_path / "q.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    proc = fibscope("lookup", "--batch", str(path), "--state", FIXTURE)
    assert proc.returncode == 2  # some lines were bad
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == 100_000  # one answer per line, in order
    assert 800 < len(bad) < 1200
    for number, answer in enumerate(out, 1):
        if number in bad:
            assert answer["line"] == number and len(answer) == 2 and "input_error" in answer
        else:
            assert answer["query"]["dst"] == Query.from_mapping(good[number]).dst, number
    errors = proc.stderr.decode().splitlines()
    assert len(errors) == len(bad) and all(line.startswith("fibscope: ") for line in errors)
    assert b"\x1b" not in proc.stderr and b"\x1b" not in proc.stdout
    assert max(len(line) for line in errors) < 1000
    # A sample of good lines asked one by one: the same answers.
    for number in random.Random(5).sample(sorted(good), 25):
        query = good[number]
        args = ["lookup", query["dst"], "--state", FIXTURE, "--json"]
        for key in ("from", "iif", "mark", "ipproto", "dport"):
            if key in query:
                args += [f"--{key}", str(query[key])]
        alone = fibscope(*args)
        assert alone.returncode in (0, 1), alone.stderr
        single = json.loads(alone.stdout)
        del single["steps"]
        assert single == out[number - 1], query


def test_invalid_utf8_in_the_middle(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_bytes(b'{"dst": "10.64.1.1"}\n\xff\xfe\x80 garbage\n{"dst": "10.64.1.2"}\n')
    proc = fibscope("lookup", "--batch", str(path), "--state", FIXTURE)
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o.get("query", {}).get("dst") for o in out] == ["10.64.1.1", None, "10.64.1.2"]
    assert out[1] == {"line": 2, "input_error": "not valid UTF-8 (byte 1)"}
    assert proc.returncode == 2 and proc.stderr.decode().count("\n") == 1


def test_a_50_mb_line_is_refused_and_not_echoed(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    with path.open("wb") as fh:
        fh.write(b'{"dst": "10.64.1.1"}\n{"dst": "')
        fh.write(b"9" * (50 << 20))
        fh.write(b'"}\n{"dst": "10.64.1.2"}\n')
    proc = fibscope("lookup", "--batch", str(path), "--state", FIXTURE)
    assert proc.returncode == 2
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert out[1] == {"line": 2, "input_error": f"line longer than {MAX_LINE} bytes"}
    assert out[2]["query"]["dst"] == "10.64.1.2"
    assert len(proc.stdout) < 5000 and len(proc.stderr) < 200


def test_stdin_stream_and_blank_lines() -> None:
    stdin = b'\n{"dst": "10.64.1.1"}\n   \n{"dst": "10.67.0.1"}'  # no newline at the end
    proc = fibscope("lookup", "--batch", "-", "--state", FIXTURE, stdin=stdin)
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["query"]["dst"] for o in out] == ["10.64.1.1", "10.67.0.1"]
    assert out[1]["result"]["error"] == "EHOSTUNREACH"
    assert proc.returncode == 1 and proc.stderr == b""


def test_read_lines_keeps_memory_bounded() -> None:
    data = b"a" * 10 + b"\n" + b"b" * 100 + b"\n" + b"c" * 16 + b"\n" + b"d" * 17
    got = list(read_lines(io.BytesIO(data), limit=16))
    assert got == [(1, b"a" * 10 + b"\n"), (2, None), (3, b"c" * 16 + b"\n"), (4, None)]


class RaisingEngine(Engine):
    """An engine with a bug for one destination.  No real query may make the engine raise
    (each such bug is fixed when found), so this stands in for the next unknown one."""

    def lookup(self, query: Query, steps: bool = True) -> Trace:
        if query.dst == "10.66.6.6":
            raise ValueError("not an IPv4 address")
        return super().lookup(query, steps)


def test_a_query_the_engine_raises_on_gets_an_error_object(
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = CaptureSource.open(FIXTURE)
    info = source.namespaces()[0]
    state = source.read(info).state
    assert state is not None
    lookups = Lookups(RaisingEngine(state), None, {}, source.table_names())
    batch = io.StringIO()
    lines = b'{"dst": "10.64.1.1"}\n{"dst": "10.66.6.6"}\n{"dst": "10.64.1.2"}\n'
    stdin = io.BytesIO(lines)
    monkey = pytest.MonkeyPatch()
    monkey.setattr(sys, "stdin", io.TextIOWrapper(stdin))
    try:
        status = run_batch("-", lookups, False, batch)
    finally:
        monkey.undo()
    out = [json.loads(line) for line in batch.getvalue().splitlines()]
    assert out[1] == {"line": 2, "error": "internal error: ValueError: not an IPv4 address"}
    assert out[0]["query"]["dst"] == "10.64.1.1" and out[2]["query"]["dst"] == "10.64.1.2"
    assert status == 2
    assert (
        capsys.readouterr().err
        == "fibscope: -:2: internal error: ValueError: not an IPv4 address\n"
    )
