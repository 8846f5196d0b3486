"""ruff and mypy run with the tests, so one command checks everything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.patience import PATIENCE

ROOT = Path(__file__).resolve().parents[2]


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=5 * PATIENCE,
    )


def test_ruff_is_clean() -> None:
    proc = run("ruff", "check", "tui", "tests", "bench", "scripts")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_is_clean() -> None:
    proc = run("mypy")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_worker_names_itself() -> None:
    """Textual's ``@work`` describes a worker by the repr of its arguments unless given a
    description: a state of a million routes made that a 500 MB string per lookup."""
    missing = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "tui").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if line.strip().startswith("@work(") and "description=" not in line
    ]
    assert not missing, "@work without description= at " + ", ".join(missing)
