"""What every subcommand shares: the one-line error, opening the source, reading a namespace."""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

from tui.formats.safe_text import safe_text
from tui.model import Namespace
from tui.source import CaptureSource, Source, SourceError, find_namespace

if TYPE_CHECKING:  # the lookup engine is imported by the commands that look up (not the app)
    from tui.fib.query import Query

MESSAGE_LIMIT = 300  # characters of an error message; input echoed in it is cut to fit


class CommandError(Exception):
    """A failure to report in one line (exit status 2)."""


def one_line(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` safe to print as one line: what does not print (newlines, ESC, DEL, C1,
    undecodable bytes) escaped by ``safe_text``, cut to ``limit`` characters with a note of
    how much was left out.  Messages echo user input; a 50 MB line or an escape sequence must
    not reach the terminal."""
    shown = safe_text(text[:limit] if len(text) > limit else text)
    if len(text) > limit:
        shown += f"... ({len(text) - limit} more characters)"
    return shown


def open_source(state_file: str | None) -> Source:
    """The capture file when one is given, else the live kernel."""
    if state_file:
        try:
            return CaptureSource.open(state_file)
        except SourceError as exc:
            raise CommandError(str(exc)) from None
    from tui.kernel.live_source import LiveSource

    return LiveSource()


def read_namespace(source: Source, name: str | None) -> Namespace:
    """The state of the namespace a user named; CommandError when it cannot be read."""
    try:
        info = find_namespace(source.namespaces(), name)
    except SourceError as exc:
        raise CommandError(str(exc)) from None
    ns = source.read(info)
    if ns.state is None:
        raise CommandError(f"namespace {info.label}: {ns.error}")
    return ns


def write_lines(lines: Iterable[str], out: TextIO) -> None:
    """Each line followed by a newline, a block of lines per write (not two writes per line:
    1M lines add up; nor one: the whole text of a full table would sit in memory twice)."""
    it = iter(lines)
    while block := list(itertools.islice(it, 16384)):
        out.write("\n".join(block) + "\n")


def query_from_args(args: argparse.Namespace, oif: str | None = None) -> Query:
    """The query the packet options of ``lookup`` and ``path`` ask (QueryError on bad input);
    ``oif``: the output device, which only ``lookup`` takes."""
    from tui.fib.query import Query

    return Query(
        dst=args.dest,
        src=args.src,
        iif=args.iif,
        oif=oif,
        mark=args.mark if args.mark is not None else 0,
        tos=args.tos if args.tos is not None else 0,
        uid=args.uid,
        ipproto=args.ipproto,
        sport=args.sport,
        dport=args.dport,
        dscp=args.dscp,
        flowlabel=args.flowlabel,
    )
