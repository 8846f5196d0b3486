"""``fibscope path`` as text: one line per hop, one per crossing, the end, the netfilter note."""

from __future__ import annotations

from collections.abc import Mapping

from tui.formats.safe_text import safe_text
from tui.names import table_name
from tui.path.result import DELIVERED, LEFT_HOST, NETFILTER_NOTE, Hop, PathResult
from tui.path.walk import drop_reason


def _route_words(hop: Hop, names: Mapping[int, str], with_main: bool) -> str:
    verdict = hop.trace.verdict
    parts: list[str] = []
    if verdict.gateway:
        parts += ["via", verdict.gateway]
    if verdict.dev:
        parts += ["dev", verdict.dev]
    if verdict.prefsrc and hop.iif is None:
        parts += ["src", verdict.prefsrc]
    where = [verdict.prefix or "?"]
    if verdict.table is not None and (with_main or verdict.table != 254):
        where.append(f"table {table_name(verdict.table, names)}")
    return " ".join(parts) + f" ({', '.join(where)})"


def hop_text(hop: Hop, names: Mapping[int, str], first_arrival: bool, holder: str | None) -> str:
    """What one namespace does with the packet, in one line."""
    verdict = hop.trace.verdict
    if hop.iif is None:
        head = "sent"
    else:
        head = f"arrives on {hop.iif}" + (f" from {hop.src}" if first_arrival and hop.src else "")
    if verdict.error:
        return f"{head}: dropped: {drop_reason(hop.trace)}"
    if verdict.action == "deliver" or verdict.type in ("local", "broadcast"):
        on = f"{hop.trace.query.dst} is on {holder}" if holder else f"a {verdict.type} route"
        return f"{head}: delivered ({on})"
    if verdict.action == "drop":
        return f"{head}: dropped: {verdict.words(hop.trace.query, dict(names))}"
    word = "forwarded " if hop.iif is not None else ""
    return f"{head}: {word}{_route_words(hop, names, hop.iif is None)}"


def _kernel_words(hop: Hop) -> str:
    if hop.kernel is None:
        return ""
    if hop.followed_kernel:
        return f"kernel chose dev {hop.kernel.get('dev')} (followed)"
    if hop.agree:
        return "kernel agrees"
    return "KERNEL DISAGREES: " + "; ".join(hop.differences)


def _plural(n: int) -> str:
    return f"{n} hop" if n == 1 else f"{n} hops"


def end_text(result: PathResult) -> str:
    """The closing line."""
    end = result.end
    n = _plural(len(result.hops))
    if end.kind == DELIVERED:
        return f"delivered in {end.netns} after {n}"
    if end.kind == LEFT_HOST:
        return f"left the host from {end.netns} after {n}: {end.reason}"
    tail = f" (candidates: {', '.join(end.candidates)})" if end.candidates else ""
    return f"{end.kind} in {end.netns} after {n}: {end.reason}{tail}"


def header(result: PathResult) -> str:
    """``path DEST from NS`` plus the selectors given."""
    q = result.query
    extra: list[str] = []
    for word, value in (
        ("src", q.src),
        ("iif", q.iif),
        ("mark", hex(q.mark) if q.mark else None),
        ("tos", hex(q.tos) if q.tos else None),
        ("uid", q.uid),
        ("ipproto", q.ipproto),
        ("sport", q.sport),
        ("dport", q.dport),
    ):
        if value is not None:
            extra += [word, str(value)]
    tail = f" ({' '.join(extra)})" if extra else ""
    return f"path {q.dst} from {result.start}{tail}"


def printable(text: str) -> str:
    """Names come from the kernel and capture files: shown escaped by the one sanitiser
    (an undecodable byte as ``\\xff``, not its surrogate's code)."""
    return safe_text(text)


def path_lines(result: PathResult, names: Mapping[int, str], steps: bool = False) -> list[str]:
    """The whole text output, every line made printable."""
    holders = {len(result.hops): result.end.dev} if result.end.kind == DELIVERED else {}
    width = max((len(h.netns) for h in result.hops), default=0)
    texts = []
    first_arrival = True
    for number, hop in enumerate(result.hops, 1):
        texts.append(
            hop_text(hop, names, first_arrival and hop.iif is not None, holders.get(number))
        )
        if hop.iif is not None:
            first_arrival = False
    text_width = max((len(t) for t in texts), default=0)
    lines = [header(result)]
    for number, (hop, text) in enumerate(zip(result.hops, texts, strict=True), 1):
        kernel = _kernel_words(hop)
        line = f"{number:>2} {hop.netns:<{width}}   {text}"
        if kernel:
            line = f"{number:>2} {hop.netns:<{width}}   {text:<{text_width}}   {kernel}"
        lines.append(line)
        if steps:
            lines.extend(f"      {step.text}" for step in hop.trace.steps)
        if hop.crossing is not None:
            lines.append(f"   {hop.crossing.how}")
    lines.append(end_text(result))
    lines.append(NETFILTER_NOTE)
    return [printable(line) for line in lines]
