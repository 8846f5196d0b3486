"""Bad input: one line on stderr naming the problem, exit status 2, never a traceback."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.capture.test_capture import sample_host
from tests.patience import PATIENCE
from tui import capture


def fibscope(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, text=True, timeout=PATIENCE
    )


@pytest.fixture
def capture_file(tmp_path: Path) -> str:
    path = tmp_path / "host.json"
    buf = io.StringIO()
    capture.write(sample_host(), buf)
    path.write_text(buf.getvalue())
    return str(path)


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert lines[0].startswith("fibscope: ")
    for word in words:
        assert word in lines[0]


def test_version_and_help() -> None:
    assert fibscope("--version").stdout.startswith("fibscope ")
    out = fibscope("--help").stdout
    for command in ("namespaces", "routes", "rules", "lookup", "capture", "--state"):
        assert command in out


def test_unknown_namespace() -> None:
    assert_one_line_error(
        fibscope("routes", "--netns", "no-such-netns-xyz"), "unknown namespace", "no-such-netns-xyz"
    )


def test_missing_capture() -> None:
    assert_one_line_error(fibscope("routes", "--state", "/nonexistent.json"), "no such file")


def test_corrupt_capture(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert_one_line_error(fibscope("rules", "--state", str(bad)), "not valid JSON")


def test_unknown_table(capture_file: str) -> None:
    assert_one_line_error(
        fibscope("routes", "--state", capture_file, "--table", "nosuch"), 'invalid table "nosuch"'
    )


def test_bad_option() -> None:
    assert_one_line_error(fibscope("routes", "--format", "xml"), "invalid choice")


def test_capture_namespace_that_could_not_be_read(capture_file: str) -> None:
    assert_one_line_error(
        fibscope("routes", "--state", capture_file, "--netns", "net:[4026531999]"), "root is needed"
    )


def test_views_work_from_a_capture(capture_file: str) -> None:
    out = fibscope("routes", "--state", capture_file, "--netns", "blue", "--table", "vpn")
    assert out.returncode == 0, out.stderr
    assert "10.9.0.0/16" in out.stdout and "nexthop via 10.0.0.2 dev eth0 weight 3" in out.stdout
    data = json.loads(fibscope("namespaces", "--state", capture_file, "--format", "json").stdout)
    assert [ns["label"] for ns in data] == ["blue", "net:[4026531999]"]
    assert data[0]["processes"][0]["name"] == "sleep"
    assert data[1]["error"] == "root is needed"
