"""Answering lookups for the CLI, one or a batch: the engine's answer as the JSON object,
with the route that decided and, with --verify, the kernel's answer and whether they agree.

Exit statuses: 0 a route was found, 1 the verdict is an error, 2 bad input, 3 ``--verify``
found the kernel answering otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui.cli.common import CommandError
from tui.fib.compare import differences
from tui.fib.engine import Engine
from tui.fib.query import Query
from tui.fib.trace import Trace
from tui.formats.candidates import disagrees, kernel_pick
from tui.formats.json_view import route_json
from tui.source import SourceError
from tui.source.verify import Verifier

FOUND, ERROR_VERDICT, BAD_INPUT, DISAGREE = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class Answer:
    """One answered query: the JSON object and whether the kernel agreed (None: not asked)."""

    trace: Trace
    data: dict[str, Any]
    agree: bool | None

    kernel: dict[str, Any] | None = None

    @property
    def status(self) -> int:
        """The exit status this answer alone gives."""
        if self.agree is False and disagrees(
            self.trace.predicted, self.trace.candidates, self.kernel
        ):
            return DISAGREE
        return FOUND if self.trace.ok else ERROR_VERDICT


@dataclass(frozen=True, slots=True)
class Lookups:
    """Everything a namespace's lookups need: the indexed engine, the kernel to ask (with
    --verify), and the names to show."""

    engine: Engine
    verifier: Verifier | None
    devs: dict[int, str]
    names: dict[int, str]

    def kernel(self, query: Query) -> dict[str, Any]:
        """The kernel's answer (``verifier`` is set); CommandError when it cannot be asked."""
        assert self.verifier is not None
        try:
            return self.verifier.ask(query)
        except SourceError as exc:
            raise CommandError(str(exc)) from None

    def answer(self, query: Query, steps: bool) -> Answer:
        """The --json / --batch object: query, predicted, result (with the route that
        decided), steps, and ``kernel``/``agree`` when verifying."""
        trace = self.engine.lookup(query, steps=steps)
        data = trace.to_json(with_steps=steps)
        route = trace.route
        data["result"]["route"] = (
            route_json(route, self.devs, self.names) if route is not None else None
        )
        agree: bool | None = None
        kernel: dict[str, Any] | None = None
        if self.verifier is not None:
            kernel = self.kernel(query)
            data["kernel"] = kernel
            agree = not differences(trace.verdict.to_json(), kernel, query)
            data["agree"] = agree
            if trace.candidates:
                data["kernel_candidate"] = kernel_pick(trace.candidates, kernel)
        return Answer(trace, data, agree, kernel)
