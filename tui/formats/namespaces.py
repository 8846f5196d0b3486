"""The ``fibscope namespaces`` listing (text and JSON), pure."""

from __future__ import annotations

from typing import Any

from tui.formats.safe_text import safe_text
from tui.model import AF_INET, AF_INET6, Namespace

# {inode: counts} given by a reader that counted without building the routes.
Counted = dict[int, dict[str, int]]


def _counts(ns: Namespace, counted: Counted | None = None) -> dict[str, int] | None:
    if counted is not None:
        return counted.get(ns.info.inode)
    if ns.state is None:
        return None
    st = ns.state
    return {
        "routes4": sum(1 for r in st.routes if r.family == AF_INET),
        "routes6": sum(1 for r in st.routes if r.family == AF_INET6),
        "rules4": sum(1 for r in st.rules if r.family == AF_INET),
        "rules6": sum(1 for r in st.rules if r.family == AF_INET6),
        "links": len(st.links),
    }


def namespaces_json(
    namespaces: list[Namespace],
    crossings: dict[int, list[str]] | None = None,
    counted: Counted | None = None,
) -> list[dict[str, Any]]:
    """One object per namespace: names, inode, processes, counts or the error, and its veths'
    crossings (``eth0 <-> node:cali7``; null when the namespace was not read).  ``counted``
    replaces counting each state's routes (a listing read without them)."""
    crossings = crossings or {}
    out = []
    for ns in namespaces:
        info = ns.info
        out.append(
            {
                "label": info.label,
                "names": list(info.names),
                "inode": info.inode,
                "host": info.is_host,
                "paths": list(info.paths),
                "processes": [
                    {"pid": p.pid, "name": p.name, "cmdline": p.cmdline} for p in info.processes
                ],
                "hostname": info.hostname,
                "container": info.container,
                "pod_uid": info.pod_uid,
                "counts": _counts(ns, counted),
                "crossings": crossings.get(info.inode),
                "error": ns.error,
            }
        )
    return out


def _process_summary(ns: Namespace, limit: int = 4) -> str:
    names: list[str] = []
    for proc in ns.info.processes:
        if proc.name not in names:
            names.append(proc.name)
    shown = ", ".join(safe_text(name) for name in names[:limit])
    if len(names) > limit:
        shown += f", +{len(names) - limit} more"
    return shown or "-"


def namespaces_text(
    namespaces: list[Namespace],
    crossings: dict[int, list[str]] | None = None,
    limit: int = 6,
    counted: Counted | None = None,
) -> list[str]:
    """A table a person reads: one line per namespace, its veths' crossings under it
    (``counted`` as in ``namespaces_json``)."""
    crossings = crossings or {}
    header = (
        f"{'NAMESPACE':<20} {'INODE':>11} {'PROCS':>5} {'ROUTES4':>7} {'ROUTES6':>7} "
        f"{'RULES':>5}  PROCESSES"
    )
    lines = [header]
    for ns in namespaces:
        counts = _counts(ns, counted)
        label = ns.info.label
        if ns.info.is_host and ns.info.names:
            label += f" ({', '.join(ns.info.names)})"
        elif len(ns.info.names) > 1:
            label += f" ({', '.join(ns.info.names[1:])})"
        label = safe_text(label)
        if counts is None:
            nums = f"{'-':>7} {'-':>7} {'-':>5}"
        else:
            rules = counts["rules4"] + counts["rules6"]
            nums = f"{counts['routes4']:>7} {counts['routes6']:>7} {rules:>5}"
        procs = len(ns.info.processes)
        line = f"{label:<20} {ns.info.inode:>11} {procs:>5} {nums}  {_process_summary(ns)}"
        if ns.error:
            line += f"  [{safe_text(ns.error)}]"
        lines.append(line)
        what = [
            f"{word} {value}"
            for word, value in (
                ("hostname", ns.info.hostname),
                ("container", ns.info.container),
                ("pod", ns.info.pod_uid),
            )
            if value
        ]
        if what:
            lines.append(safe_text(f"    {', '.join(what)}"))  # a container names itself
        shown = crossings.get(ns.info.inode) or []
        if shown:
            more = f", +{len(shown) - limit} more" if len(shown) > limit else ""
            lines.append(safe_text(f"    {', '.join(shown[:limit])}{more}"))
    return lines
