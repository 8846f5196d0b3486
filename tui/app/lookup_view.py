"""Turning a lookup Trace (and the kernel's answer) into the text of the lookup pane (pure)."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from tui.fib.compare import differences
from tui.fib.lookup import src_text
from tui.fib.trace import Trace
from tui.formats.candidates import candidate_lines, disagrees
from tui.formats.safe_text import safe_text
from tui.model import Route

STEP_STYLES = {"verdict": "bold", "note": "italic yellow"}


def trace_text(
    trace: Trace, kernel: dict[str, Any] | None, kernel_error: str | None = None
) -> Text:
    """The answer first (verdict, the kernel's own answer, agree or not), then every step in
    the order the kernel takes them."""
    text = Text()
    text.append(f"lookup {safe_text(trace.query.words())}\n", style="bold")
    verdict = next((step for step in trace.steps if step.kind == "verdict"), None)
    if verdict is not None:
        text.append(f"{safe_text(verdict.text)}\n", style="bold green" if trace.ok else "bold red")
    if not trace.predicted:
        text.append(f"not predicted: {safe_text(trace.reason or '')}\n", style="bold yellow")
    for line in candidate_lines(trace.candidates, kernel if not kernel_error else None):
        text.append(f"{safe_text(line)}\n", style="yellow")
    if kernel_error:
        text.append(f"kernel: not asked ({kernel_error})\n", style="yellow")
    elif kernel is not None:
        diff = differences(trace.verdict.to_json(), kernel, trace.query)
        words = kernel["error"] or " ".join(
            f"{k} {kernel[k]}"
            for k in ("type", "gateway", "dev", "prefsrc", "table")
            if kernel[k] is not None
        )
        text.append(f"kernel: {safe_text(words)}  ", style="bold")
        if diff and not disagrees(trace.predicted, trace.candidates, kernel):
            text.append("not predicted: the kernel took a listed candidate", style="bold yellow")
        elif diff:
            text.append(f"DISAGREE ({'; '.join(diff)})", style="bold red")
        else:
            text.append("agree", style="bold green")
        text.append("\n")
    steps = [step for step in trace.steps if step.kind != "verdict"]
    for i, step in enumerate(steps, 1):
        text.append(f"{i:>2}. {safe_text(step.text)}\n", style=STEP_STYLES.get(step.kind, ""))
    return text


def winning_route(trace: Trace, routes: list[Route]) -> Route | None:
    """The route of the verdict among ``routes`` (same table and prefix; same gateway when
    the verdict names one)."""
    verdict = trace.verdict
    if verdict.prefix is None or verdict.table is None:
        return None
    dst, _, plen = verdict.prefix.partition("/")
    dst = (
        "0.0.0.0"
        if dst == "default" and trace.query.family == 2
        else ("::" if dst == "default" else dst)
    )
    candidates = [
        r
        for r in routes
        if r.table == verdict.table and r.dst == dst and str(r.dst_len) == (plen or str(r.dst_len))
    ]
    if any(r.src_len for r in candidates):
        # IPv6 source routes share a destination: the chosen route's words name its `from`.
        chosen = next(
            (str(s.data["route"]) for s in reversed(trace.steps) if "route" in s.data), ""
        )
        wanted = [
            r
            for r in candidates
            if (f" {src_text(r)} " in f"{chosen} " if r.src_len else " from " not in chosen)
        ]
        candidates = wanted or candidates
    for route in candidates:
        gateways = {route.gateway, *(nh.gateway for nh in route.multipath)}
        if verdict.gateway is None or verdict.gateway in gateways:
            return route
    return candidates[0] if candidates else None
