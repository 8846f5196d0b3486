"""What the terminal can take, decided before Textual is imported (it reads its colour
setting once, at import)."""

from __future__ import annotations

import os
import sys

PLAIN_TERMS = ("dumb", "vt52", "vt100", "vt102", "vt220", "ansi")


def rich_terminal() -> bool:
    """False for terminals that know no mouse tracking nor true colour (TERM=dumb, vt100)."""
    return os.environ.get("TERM", "dumb") not in PLAIN_TERMS


def prepare_terminal() -> str | None:
    """Why the app cannot run here (stdin or stdout is not a terminal), or None after
    keeping a plain terminal to the 16 standard colours."""
    if not sys.stdout.isatty():
        return "the app needs a terminal: stdout is not one (the commands print text: see --help)"
    if not sys.stdin.isatty():
        return "the app needs a terminal: stdin is not one"
    if not rich_terminal():
        os.environ.setdefault("TEXTUAL_COLOR_SYSTEM", "standard")
    return None
