"""The engine's answer: the steps it took (sentences plus data) and the verdict.

A lookup is only useful if a network engineer can check it, so every decision the kernel makes
becomes one ``Step``; the ``Verdict`` carries what ``ip route get`` would print.  Steps are
built only when asked for (``Tracer.on``): a batch of a million lookups must not pay for text.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from typing import Any

from tui.fib.query import Query
from tui.fib.via import via_words
from tui.model import Route

# Step kinds, one per kind of decision (the UI can colour or filter on them).
RULE = "rule"
TABLE = "table"
ROUTE = "route"
NEXTHOP = "nexthop"
PATH = "path"
SOURCE = "source"
CHECK = "check"
NOTE = "note"
VERDICT = "verdict"

ERRNO_TEXT = {
    errno.ENETUNREACH: "Network is unreachable",
    errno.EHOSTUNREACH: "No route to host",
    errno.EACCES: "Permission denied",
    errno.EINVAL: "Invalid argument",
    errno.EXDEV: "Invalid cross-device link",
    errno.ENODEV: "No such device",
}


def errno_name(code: int) -> str:
    """ENETUNREACH for 101."""
    return errno.errorcode.get(code, str(code))


@dataclass(frozen=True, slots=True)
class Step:
    """One decision, as a sentence, with the data behind it."""

    kind: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """``{kind, text, ...data}``: the shape of an element of ``steps``."""
        out: dict[str, Any] = {"kind": self.kind, "text": self.text}
        out.update(self.data)
        return out


@dataclass(frozen=True, slots=True)
class Verdict:
    """What happens to the packet: the ``result`` object of the JSON output.

    ``type`` is the route type (unicast, local, broadcast, multicast) or, for an error, the type
    of what refused it (blackhole, unreachable, prohibit), ``None`` when nothing matched.
    ``action`` is set on the input path only: deliver, forward or drop.
    """

    type: str | None
    error: int = 0
    table: int | None = None
    rule: int | None = None
    prefix: str | None = None
    gateway: str | None = None
    dev: str | None = None
    prefsrc: str | None = None
    action: str | None = None

    @property
    def error_name(self) -> str | None:
        """The errno name (ENETUNREACH) or None when a route was found."""
        return errno_name(self.error) if self.error else None

    def to_json(self) -> dict[str, Any]:
        """The ``result`` member of ``--json``."""
        out: dict[str, Any] = {
            "type": self.type,
            "error": self.error_name,
            "table": self.table,
            "rule": self.rule,
            "prefix": self.prefix,
            "gateway": self.gateway,
            "dev": self.dev,
            "prefsrc": self.prefsrc,
        }
        if self.action is not None:
            out["action"] = self.action
        return out

    def words(self, query: Query, table_names: dict[int, str] | None = None) -> str:
        """The verdict in ``ip route get`` words."""
        if self.error:
            text = f"{ERRNO_TEXT.get(self.error, self.error_name)} ({self.error_name})"
            if self.type:
                text = f"{self.type}: {text}"
            if self.action:
                text = f"{self.action}: {text}"
            return text + self.matched_words(table_names)
        parts: list[str] = []
        if self.action:
            parts.append(self.action + ":")
        if self.type and self.type != "unicast":
            parts.append(self.type)
        parts.append(query.dst)
        if self.gateway:
            parts.append(via_words(query.family, self.gateway))
        if self.dev:
            parts += ["dev", self.dev]
        if self.prefsrc:
            parts += ["src", self.prefsrc]
        if self.prefix is None:  # no route decided (e.g. on-link through oif): only the table
            if self.table is not None:
                parts += ["table", (table_names or {}).get(self.table, str(self.table))]
            if self.rule is not None:
                parts += ["rule", str(self.rule)]
        return " ".join(parts) + self.matched_words(table_names)

    def matched_words(self, table_names: dict[int, str] | None = None) -> str:
        """The route that decided and where it was found, as ``ip route get ... fibmatch``
        names it: `` — 10.64.0.0/10 in table main (rule 100)``; "" when no route decided."""
        if self.prefix is None:
            return ""
        text = f" \u2014 {self.prefix}"
        if self.table is not None:
            text += f" in table {(table_names or {}).get(self.table, str(self.table))}"
        if self.rule is not None:
            text += f" (rule {self.rule})"
        return text


@dataclass(frozen=True, slots=True)
class Trace:
    """A whole answer: the query, whether it is predicted, the verdict and the steps.

    ``route`` is the routing table entry that decided (what ``ip route get ... fibmatch``
    answers), None when no route did (an error before any lookup, on-link through oif).
    """

    query: Query
    verdict: Verdict
    steps: tuple[Step, ...] = ()
    predicted: bool = True
    reason: str | None = None
    # The next hops the kernel chooses among when the choice is not predicted.
    candidates: tuple[dict[str, Any], ...] = ()
    route: Route | None = None

    @property
    def ok(self) -> bool:
        """A route was found (exit status 0)."""
        return not self.verdict.error

    def to_json(self, with_steps: bool = True) -> dict[str, Any]:
        """The ``--json`` object: query, predicted (+reason), result, steps."""
        out: dict[str, Any] = {"query": self.query.to_json(), "predicted": self.predicted}
        if not self.predicted:
            out["reason"] = self.reason
        if self.candidates:
            out["candidates"] = [dict(c) for c in self.candidates]
        out["result"] = self.verdict.to_json()
        if with_steps:
            out["steps"] = [s.to_json() for s in self.steps]
        return out


class Tracer:
    """Collects steps (when ``on``) and the reasons a result cannot be predicted."""

    __slots__ = ("candidates", "matched", "on", "steps", "unpredicted")

    def __init__(self, on: bool = True) -> None:
        self.on = on
        self.steps: list[Step] = []
        self.unpredicted: list[str] = []
        self.candidates: list[dict[str, Any]] = []
        self.matched: Route | None = None  # the entry the rule walk found (fib_lookup)

    def add(self, kind: str, text: str, **data: Any) -> None:
        """Record a step (callers test ``on`` first when the text is costly to build)."""
        if self.on:
            self.steps.append(Step(kind, text, data))

    def unpredictable(self, reason: str) -> None:
        """The kernel decides this from something the state does not hold."""
        if reason not in self.unpredicted:
            self.unpredicted.append(reason)
        if self.on:
            self.steps.append(Step(NOTE, f"not predictable: {reason}", {"predicted": False}))
