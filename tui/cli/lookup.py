"""``fibscope lookup``: the engine's trace for one query or a batch, optionally checked
against the kernel's own answer."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from tui.cli.common import CommandError, open_source, read_namespace
from tui.fib.compare import differences
from tui.fib.engine import Engine
from tui.fib.query import Query, QueryError
from tui.fib.trace import Trace
from tui.formats.candidates import candidate_lines, kernel_pick
from tui.source.verify import Verifier


def query_of(args: argparse.Namespace) -> Query:
    """The query the command line asks (QueryError on bad input)."""
    if not args.dest:
        raise QueryError("a destination is needed (or --batch FILE)")
    return Query(
        dst=args.dest,
        src=args.src,
        iif=args.iif,
        oif=args.oif,
        mark=args.mark or 0,
        tos=args.tos or 0,
        uid=args.uid,
        ipproto=args.ipproto,
        sport=args.sport,
        dport=args.dport,
        dscp=args.dscp,
        flowlabel=args.flowlabel,
    )


def result_json(trace: Trace, verifier: Verifier | None, steps: bool) -> dict[str, Any]:
    """The --json / --batch object, with ``kernel`` and ``agree`` when verifying."""
    out = trace.to_json(with_steps=steps)
    if verifier is not None:
        kernel = verifier.ask(trace.query)
        out["kernel"] = kernel
        out["agree"] = not differences(out["result"], kernel, trace.query)
        if trace.candidates:
            out["kernel_candidate"] = kernel_pick(trace.candidates, kernel)
    return out


def print_human(
    trace: Trace, verifier: Verifier | None, names: dict[int, str], out: TextIO
) -> None:
    """Steps, then the verdict, then the kernel's answer and whether they agree."""
    out.write(f"lookup {trace.query.words()}\n")
    for step in trace.steps:
        out.write(f"  {step.text}\n")
    if not trace.predicted:
        out.write(f"NOT PREDICTED: {trace.reason}\n")
    kernel = verifier.ask(trace.query) if verifier is not None else None
    for line in candidate_lines(trace.candidates, kernel):
        out.write(line + "\n")
    if kernel is not None:
        diff = differences(trace.verdict.to_json(), kernel, trace.query)
        if kernel["error"]:
            words = f"error {kernel['error']}"
        else:
            parts = [kernel["type"] if kernel["type"] != "unicast" else "", trace.query.dst]
            for key, word in (("gateway", "via"), ("dev", "dev"), ("prefsrc", "src")):
                if kernel[key]:
                    parts += [word, str(kernel[key])]
            parts += ["table", names.get(kernel["table"], str(kernel["table"]))]
            words = " ".join(p for p in parts if p)
        out.write(f"Kernel: {words}\n")
        out.write("Agree: yes\n" if not diff else f"Agree: NO ({'; '.join(diff)})\n")


def cmd_lookup(args: argparse.Namespace, out: TextIO) -> int:
    """Run one lookup or a batch; exit 0 found, 1 an error verdict, 2 bad input."""
    source = open_source(args.state)
    kernel = source.kernel() if args.verify else None
    if args.verify and kernel is None:
        raise CommandError("--verify asks the live kernel: it cannot be used with --state")
    ns = read_namespace(source, args.netns)
    assert ns.state is not None
    names = source.table_names()
    engine = Engine(ns.state, names)
    verifier = Verifier(kernel, ns.info, ns.state) if kernel is not None else None
    if args.batch:
        return _batch(args, engine, verifier, out)
    try:
        trace = engine.lookup(query_of(args))
    except QueryError as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        json.dump(result_json(trace, verifier, True), out)
        out.write("\n")
    else:
        print_human(trace, verifier, names, out)
    return 0 if trace.ok else 1


def _batch(args: argparse.Namespace, engine: Engine, verifier: Verifier | None, out: TextIO) -> int:
    """One JSON query per line in, one JSON result per line out, in order."""
    try:
        fh = sys.stdin if args.batch == "-" else open(args.batch, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise CommandError(f"{args.batch}: {exc.strerror}") from None
    status = 0
    with fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                if not isinstance(data, dict):
                    raise QueryError("a line must be a JSON object")
                trace = engine.lookup(Query.from_mapping(data), steps=args.steps)
            except (QueryError, json.JSONDecodeError) as exc:
                print(f"fibscope: {args.batch}:{number}: {exc}", file=sys.stderr)
                out.write(json.dumps({"line": number, "input_error": str(exc)}) + "\n")
                status = 2
                continue
            out.write(json.dumps(result_json(trace, verifier, args.steps)) + "\n")
            if not trace.ok and status == 0:
                status = 1
    return status
