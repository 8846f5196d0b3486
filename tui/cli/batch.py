"""``fibscope lookup --batch FILE``: one JSON query per line in, one JSON answer per line out,
in order, each line on its own.

Lines are read as bytes, one at a time (never the whole file, never more than
``MAX_LINE`` bytes of one line), and every line gets an answer: a bad line (too long, not
UTF-8, not JSON, too deeply nested, a number too big, a wrong type or value) is
``{"line": N, "input_error": "..."}``, a query the engine could not answer
``{"line": N, "error": "..."}``; the lines after it are answered as usual.  What an error
message echoes of the input is cut short and escaped (``one_line``).
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Callable, Iterator
from typing import BinaryIO, TextIO

from tui.cli.answers import BAD_INPUT, DISAGREE, ERROR_VERDICT, FOUND, Lookups
from tui.cli.batch_fast import FastBatch
from tui.cli.common import CommandError, one_line
from tui.fib.query import Query, QueryError

MAX_LINE = 64 * 1024  # bytes; a query line is well under 1 KiB
_CHUNK = 1 << 16


class LineError(ValueError):
    """A line that is not a query (the message is for ``input_error``)."""


def read_lines(fh: BinaryIO, limit: int = MAX_LINE) -> Iterator[tuple[int, bytes | None]]:
    """(number, line) for every line; ``None`` for a line longer than ``limit`` bytes, whose
    rest is skipped a chunk at a time (never held in memory)."""
    number = 0
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        number += 1
        if line.endswith(b"\n") or len(line) <= limit:
            yield number, line
            continue
        while not line.endswith(b"\n"):  # the rest of an overlong line
            line = fh.readline(_CHUNK)
            if not line:
                break
        yield number, None


def parse_line(line: bytes | None) -> Query | None:
    """The query of one line, None for a blank line; LineError or QueryError when bad."""
    if line is None:
        raise LineError(f"line longer than {MAX_LINE} bytes")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LineError(f"not valid UTF-8 (byte {exc.start + 1})") from None
    if not text.strip():
        return None
    try:
        data = json.loads(text)
    except RecursionError:
        raise LineError("not valid JSON: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, or an integer of thousands of digits
        raise LineError(f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise QueryError("a line must be a JSON object")
    return Query.from_mapping(data)


def _interactive(fh: BinaryIO) -> bool:
    """Input from a pipe or terminal: someone may wait for each answer before writing the
    next question, so answers are flushed one by one."""
    try:
        return not stat.S_ISREG(os.fstat(fh.fileno()).st_mode)
    except (OSError, ValueError):
        return True


Answered = tuple[str, int]  # an answer's JSON line and its exit status


def _quick(answer: Callable[..., Answered | None], *args: object) -> Answered | None:
    """The fast path's answer, or None: the engine answers (also when the fast path fails)."""
    try:
        return answer(*args)
    except Exception:
        return None


def _answered(
    number: int,
    line: bytes | None,
    lookups: Lookups,
    steps: bool,
    quick: FastBatch | None,
    where: str,
) -> Answered | None:
    """One line answered (the fast path for a parsed query, else the engine), or its error
    object (said on stderr too); None for a blank line."""
    try:
        query = parse_line(line)
        if query is None:
            return None
        got = _quick(quick.parsed, query, line) if quick is not None else None
        if got is not None:
            return got
        answer = lookups.answer(query, steps)
        return json.dumps(answer.data) + "\n", answer.status
    except (LineError, QueryError) as exc:
        problem = {"line": number, "input_error": one_line(str(exc))}
    except CommandError as exc:  # the kernel could not be asked (--verify)
        problem = {"line": number, "error": one_line(str(exc))}
    except Exception as exc:  # one query must never end the batch
        text = f"internal error: {type(exc).__name__}: {exc}"
        problem = {"line": number, "error": one_line(text)}
    message = problem.get("input_error") or problem.get("error")
    print(f"fibscope: {where}:{number}: {message}", file=sys.stderr)
    return json.dumps(problem) + "\n", BAD_INPUT


def run_batch(
    path: str, lookups: Lookups, steps: bool, out: TextIO, fast: bool | FastBatch = True
) -> int:
    """Answer every line; the exit status is the worst of all lines (2 a line not answered,
    then 3 a disagreement, then 1 an error verdict).  Without --steps and --verify, lines
    go through the fast path first (``tui.cli.batch_fast``; ``fast=False``: never; a
    ``FastBatch`` given is used, and keeps its counts)."""
    try:
        fh = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from None
    where = one_line(path, 100)
    seen: set[int] = set()
    flush = _interactive(fh)
    quick: FastBatch | None = None
    if fast is not False and not steps and lookups.verifier is None:
        quick = fast if isinstance(fast, FastBatch) else FastBatch(lookups)
    with fh:
        for number, line in read_lines(fh):
            got = _quick(quick.line, line) if quick is not None and line is not None else None
            if got is None:
                got = _answered(number, line, lookups, steps, quick, where)
                if got is None:
                    continue  # a blank line
            out.write(got[0])
            seen.add(got[1])
            if flush:
                out.flush()
    for status in (BAD_INPUT, DISAGREE, ERROR_VERDICT):
        if status in seen:
            return status
    return FOUND
