"""``fibscope lookup``: the engine's trace for one query or a batch, optionally checked
against the kernel's own answer.

Exit status: 0 a route was found, 1 the verdict is an error, 2 bad input, 3 ``--verify``
found the kernel answering otherwise.
"""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from tui.cli.answers import DISAGREE, ERROR_VERDICT, FOUND, Lookups
from tui.cli.batch import run_batch
from tui.cli.common import CommandError, open_source, query_from_args, read_namespace
from tui.fib.compare import differences
from tui.fib.engine import Engine
from tui.fib.query import Query, QueryError
from tui.fib.trace import Trace
from tui.formats.candidates import candidate_lines, disagrees
from tui.formats.safe_text import safe_text
from tui.model import NetnsState
from tui.source.verify import Verifier


def query_of(args: argparse.Namespace, state: NetnsState | None = None) -> Query:
    """The query the command line asks (QueryError on bad input).  ``--vrf NAME`` is what
    ``ip route get ... vrf NAME`` sends: the VRF device as the oif."""
    if not args.dest:
        raise QueryError("a destination is needed (or --batch FILE)")
    oif = args.oif
    vrf = getattr(args, "vrf", None)
    if vrf is not None:
        if oif is not None:
            raise QueryError("--vrf and --oif both set the output device: give one")
        links = state.links if state is not None else ()
        if not any(link.name == vrf and link.kind == "vrf" for link in links):
            raise QueryError(f"--vrf: {vrf!r} is not a VRF device of this namespace")
        oif = vrf
    return query_from_args(args, oif)


def print_human(lookups: Lookups, trace: Trace, out: TextIO) -> bool | None:
    """Steps, then the verdict, then the kernel's answer and whether they agree.  Returns
    False for a disagreement (exit 3), None when the kernel was not asked."""
    out.write(f"lookup {safe_text(trace.query.words())}\n")
    for step in trace.steps:
        out.write(f"  {safe_text(step.text)}\n")
    if not trace.predicted:
        out.write(f"NOT PREDICTED: {safe_text(trace.reason or '')}\n")
    kernel = lookups.kernel(trace.query) if lookups.verifier is not None else None
    for line in candidate_lines(trace.candidates, kernel):
        out.write(safe_text(line) + "\n")
    if kernel is None:
        return None
    diff = differences(trace.verdict.to_json(), kernel, trace.query)
    if kernel["error"]:
        words = f"error {kernel['error']}"
    else:
        parts = [kernel["type"] if kernel["type"] != "unicast" else "", trace.query.dst]
        for key, word in (("gateway", "via"), ("dev", "dev"), ("prefsrc", "src")):
            if kernel[key]:
                parts += [word, str(kernel[key])]
        if kernel["table"]:  # 0: the kernel made the route without a table (ip shows none)
            parts += ["table", lookups.names.get(kernel["table"], str(kernel["table"]))]
        words = " ".join(p for p in parts if p)
    out.write(f"Kernel: {safe_text(words)}\n")
    if not diff:
        out.write("Agree: yes\n")
        return True
    if not disagrees(trace.predicted, trace.candidates, kernel):
        # Not a disagreement: fibscope said it cannot know, and the kernel took a candidate.
        out.write("Agree: not predicted; the kernel took one of the candidates listed\n")
        return True
    out.write(f"Agree: NO ({'; '.join(diff)})\n")
    return False


def cmd_lookup(args: argparse.Namespace, out: TextIO) -> int:
    """Run one lookup or a batch; exit 0 found, 1 an error verdict, 2 bad input, 3 the
    kernel disagrees (--verify)."""
    source = open_source(args.state)
    kernel = source.kernel() if args.verify else None
    if args.verify and kernel is None:
        raise CommandError("--verify asks the live kernel: it cannot be used with --state")
    ns = read_namespace(source, args.netns)
    assert ns.state is not None
    names = source.table_names()
    lookups = Lookups(
        Engine(ns.state, names),
        Verifier(kernel, ns.info, ns.state) if kernel is not None else None,
        ns.state.link_names(),
        names,
    )
    if args.batch:
        return run_batch(args.batch, lookups, args.steps, out)
    try:
        query = query_of(args, ns.state)
        if args.json:
            answer = lookups.answer(query, steps=True)
        else:
            trace = lookups.engine.lookup(query)
    except QueryError as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        json.dump(answer.data, out)
        out.write("\n")
        return answer.status
    agree = print_human(lookups, trace, out)
    if agree is False:
        return DISAGREE
    return FOUND if trace.ok else ERROR_VERDICT
