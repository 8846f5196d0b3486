"""A path (``tui.path``) as the lookup pane shows it: one option per hop, and the summary."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text

from tui.app.lookup_view import trace_text
from tui.path.result import DELIVERED, LEFT_HOST, NETFILTER_NOTE, Hop, PathResult
from tui.path.text import end_text, header, hop_text, printable


def hop_prompts(result: PathResult, names: Mapping[int, str]) -> list[Text]:
    """Each hop as an option: its line, and the crossing under it."""
    prompts: list[Text] = []
    first_arrival = True
    last = len(result.hops)
    for number, hop in enumerate(result.hops, 1):
        holder = result.end.dev if number == last and result.end.kind == DELIVERED else None
        line = hop_text(hop, names, first_arrival and hop.iif is not None, holder)
        if hop.iif is not None:
            first_arrival = False
        text = Text(printable(f"{number:>2} {hop.netns}  {line}"), no_wrap=True)
        if hop.kernel is not None:
            agree = hop.agree or hop.followed_kernel
            text.append(
                "  kernel agrees" if agree else "  KERNEL DISAGREES",
                style="green" if agree else "bold red",
            )
        if hop.crossing is not None:
            text.append("\n   " + printable(hop.crossing.how), style="dim")
        prompts.append(text)
    return prompts


def path_summary(result: PathResult, hop: Hop | None = None) -> Text:
    """The heading, how the path ends, the netfilter note; then the chosen hop's trace."""
    ok = result.end.kind in (DELIVERED, LEFT_HOST) and not result.disagrees
    text = Text()
    text.append(printable(header(result)) + "\n", style="bold")
    text.append(printable(end_text(result)) + "\n", style="bold green" if ok else "bold red")
    text.append(NETFILTER_NOTE + "\n", style="italic")
    if hop is not None:
        text.append(f"\nhop in {printable(hop.netns)}:\n", style="bold")
        kernel = hop.kernel if hop.kernel is not None and "type" in hop.kernel else None
        text.append_text(trace_text(hop.trace, kernel))
    return text
