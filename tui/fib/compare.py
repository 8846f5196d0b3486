"""Comparing the engine's verdict with the kernel's own ``ip route get`` answer (pure).

Both answers are plain dicts in the verdict's terms (``Verdict.to_json`` and
``KernelAnswer.to_json``); asking the kernel is the source's kernel capability's job.
"""

from __future__ import annotations

from typing import Any

from tui.fib.query import Query

COMPARED = ("type", "error", "table", "gateway", "dev", "prefsrc")


def differences(
    ours: dict[str, Any], kernel: dict[str, Any], query: Query | None = None
) -> list[str]:
    """The fields that differ, each as ``field: ours X, kernel Y``.

    On an error only the error is compared: the kernel says nothing else then.  The kernel
    reports no prefsrc on the input path, and none when it equals the asked ``from``
    (``rt_fill_info``), so that is what it means.  No table is None for us and 0 for the
    kernel (a route made without a lookup, such as to 0.0.0.0 through lo).
    """
    fields: tuple[str, ...] = COMPARED
    if kernel.get("error") or ours.get("error"):
        fields = ("error",)
    elif query is not None and query.iif is not None:
        fields = tuple(f for f in COMPARED if f != "prefsrc")
    elif query is not None and query.src is not None and kernel.get("prefsrc") is None:
        kernel = {**kernel, "prefsrc": query.src}
    out = []
    for name in fields:
        mine, theirs = ours.get(name), kernel.get(name)
        if name == "table" and not mine and not theirs:
            continue  # no table: the kernel says 0 (RTM_F_LOOKUP_TABLE without a lookup)
        if mine != theirs:
            out.append(f"{name}: ours {ours.get(name)!r}, kernel {kernel.get(name)!r}")
    return out
