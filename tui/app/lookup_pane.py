"""The lookup pane: a destination field plus optional selectors, and the trace below them."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, OptionList, Static

FIELDS = (
    ("dst", "destination (Enter runs)", 28),
    ("from", "from", 16),
    ("iif", "iif", 9),
    ("oif", "oif", 9),
)
MORE_FIELDS = (
    ("mark", "mark", 9),
    ("tos", "tos", 6),
    ("uid", "uid", 7),
    ("ipproto", "proto", 8),
    ("sport", "sport", 7),
    ("dport", "dport", 7),
)


class LookupPane(Vertical):
    """Fields in two rows, then the trace (steps, verdict, the kernel's answer)."""

    # What the keys do here, for the footer (a field takes Enter itself: it submits).
    BINDINGS = [
        Binding("enter", "trace", "Trace"),
        Binding("ctrl+f", "path", "Follow path"),
        Binding("tab", "app.focus_next", "Next field"),
        Binding("escape", "app.close_pane", "Close"),
    ]

    class Requested(Message):
        """Enter was pressed in one of the fields."""

        def __init__(self, fields: dict[str, str]) -> None:
            self.fields = fields
            super().__init__()

    class PathRequested(Message):
        """ctrl+f: follow the packet of the fields across namespaces."""

        def __init__(self, fields: dict[str, str]) -> None:
            self.fields = fields
            super().__init__()

    class HopChosen(Message):
        """A hop of the shown path was highlighted."""

        def __init__(self, index: int) -> None:
            self.index = index
            super().__init__()

    def compose(self) -> ComposeResult:
        """Two rows of fields, then the trace."""
        with Horizontal(classes="lookup-row"):
            for key, placeholder, width in FIELDS:
                field = Input(
                    placeholder=placeholder, id=f"q-{key}", classes="lookup-field", compact=True
                )
                field.styles.width = width
                yield field
        with Horizontal(classes="lookup-row"):
            for key, placeholder, width in MORE_FIELDS:
                field = Input(
                    placeholder=placeholder, id=f"q-{key}", classes="lookup-field", compact=True
                )
                field.styles.width = width
                yield field
        yield OptionList(id="hops", compact=True)
        with VerticalScroll(id="trace-scroll"):
            yield Static("Type a destination and press Enter.", id="trace")

    def focus_destination(self) -> None:
        """Put the cursor in the destination field."""
        self.query_one("#q-dst", Input).focus()

    def fields(self) -> dict[str, str]:
        """The non-empty fields, by query key."""
        out: dict[str, str] = {}
        for key, _p, _w in FIELDS + MORE_FIELDS:
            value = self.query_one(f"#q-{key}", Input).value.strip()
            if value:
                out[key] = value
        return out

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in any field runs the lookup."""
        event.stop()
        self.action_trace()

    def action_trace(self) -> None:
        """Run the lookup with the fields as they are."""
        self.post_message(self.Requested(self.fields()))

    def action_path(self) -> None:
        """Follow the packet of the fields across namespaces."""
        self.post_message(self.PathRequested(self.fields()))

    def show_hops(self, prompts: list[Text]) -> None:
        """List a path's hops (moving through them shows each); none: hide the list."""
        hops = self.query_one("#hops", OptionList)
        hops.clear_options()
        hops.add_options(prompts)
        hops.display = bool(prompts)
        self.set_class(bool(prompts), "with-path")
        if prompts:
            hops.highlighted = 0
            hops.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Moving through the hops."""
        event.stop()
        self.post_message(self.HopChosen(event.option_index))

    def show(self, content: Text, *, keep_hops: bool = False) -> None:
        """Replace the trace text (and hide the hops unless asked to keep them)."""
        if not keep_hops:
            self.query_one("#hops", OptionList).display = False
            self.remove_class("with-path")
        self.query_one("#trace", Static).update(content)
        self.query_one("#trace-scroll", VerticalScroll).scroll_home(animate=False)
