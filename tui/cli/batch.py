"""``fibscope lookup --batch FILE``: one JSON query per line in, one JSON answer per line out,
in order."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from tui.cli.answers import BAD_INPUT, DISAGREE, ERROR_VERDICT, FOUND, Lookups
from tui.cli.common import CommandError
from tui.fib.query import Query, QueryError


def run_batch(path: str, lookups: Lookups, steps: bool, out: TextIO) -> int:
    """Answer every line; the exit status is the worst of all lines (2 a bad line, then 3 a
    disagreement, then 1 an error verdict)."""
    try:
        fh = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from None
    seen: set[int] = set()
    with fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                if not isinstance(data, dict):
                    raise QueryError("a line must be a JSON object")
                answer = lookups.answer(Query.from_mapping(data), steps)
            except (QueryError, json.JSONDecodeError) as exc:
                print(f"fibscope: {path}:{number}: {exc}", file=sys.stderr)
                out.write(json.dumps({"line": number, "input_error": str(exc)}) + "\n")
                seen.add(BAD_INPUT)
                continue
            out.write(json.dumps(answer.data) + "\n")
            seen.add(answer.status)
    for status in (BAD_INPUT, DISAGREE, ERROR_VERDICT):
        if status in seen:
            return status
    return FOUND
