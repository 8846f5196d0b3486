"""The next hops a lookup could not choose between, and which one the kernel took (pure).

When the kernel picks by flow hash (or by state no dump shows), the trace is not predicted and
carries its candidates; with ``--verify`` the kernel's own answer says which one it took.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def candidate_words(candidate: Mapping[str, Any]) -> str:
    """``via 10.1.0.254 dev e1 weight 1 (50.0% of flows)``."""
    parts = []
    if candidate.get("gateway"):
        parts += ["via", str(candidate["gateway"])]
    parts += ["dev", str(candidate.get("dev")), "weight", str(candidate.get("weight"))]
    share = candidate.get("share")
    if isinstance(share, int | float):
        parts.append(f"({share:.1%} of flows)")
    return " ".join(parts)


def kernel_pick(candidates: Sequence[Mapping[str, Any]], kernel: Mapping[str, Any]) -> int | None:
    """The index of the candidate the kernel's answer went to (None: none of them)."""
    if kernel.get("error"):
        return None
    for number, candidate in enumerate(candidates):
        if candidate.get("dev") == kernel.get("dev") and candidate.get("gateway") == kernel.get(
            "gateway"
        ):
            return number
    return None


def candidate_lines(
    candidates: Sequence[Mapping[str, Any]], kernel: Mapping[str, Any] | None
) -> list[str]:
    """Text lines: each candidate, and with a kernel answer the one it took."""
    if not candidates:
        return []
    lines = ["Candidates:"]
    took = kernel_pick(candidates, kernel) if kernel is not None else None
    for number, candidate in enumerate(candidates):
        mark = "  <- the kernel took this one" if number == took else ""
        lines.append(f"  {number + 1}. {candidate_words(candidate)}{mark}")
    if kernel is not None and took is None and not kernel.get("error"):
        lines.append("  the kernel took none of these")
    return lines


def disagrees(predicted: bool, candidates: Sequence[Any], kernel: Mapping[str, Any] | None) -> bool:
    """Whether answers that differ are a disagreement (exit 3, DISAGREE): not when fibscope
    left the choice to the flow hash (``predicted: false`` with candidates) and the kernel
    took one of the candidates."""
    if kernel is None:
        return False
    hashed = not predicted and bool(candidates)
    return not (hashed and kernel_pick(candidates, kernel) is not None)
