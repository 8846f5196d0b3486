"""Modal pickers for a namespace or a table: keyboard-first lists."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


class Picker(ModalScreen[str | None]):
    """A titled list; Enter picks (returns the option id), Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    Picker { align: center middle; }
    Picker > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface;
    }
    Picker OptionList { height: auto; max-height: 18; border: none; }
    Picker .picker-title { padding: 0 1; text-style: bold; }
    """

    def __init__(self, title: str, options: list[tuple[str, str]], current: str | None) -> None:
        super().__init__()
        self._title = title
        self._options = options
        self._current = current

    def compose(self) -> ComposeResult:
        """Title and list."""
        with Vertical():
            yield Static(self._title, classes="picker-title")
            yield OptionList(
                *[Option(text, id=oid) for oid, text in self._options], id="picker-list"
            )

    def on_mount(self) -> None:
        """Start on the current entry."""
        olist = self.query_one(OptionList)
        for i, (oid, _text) in enumerate(self._options):
            if oid == self._current:
                olist.highlighted = i
        olist.focus()
        # A long list (a host of many containers) shows the current entry, not its top:
        # scrolled once laid out, when the list knows its height.
        self.call_after_refresh(olist.scroll_to_highlight, top=True)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter or click picks."""
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Escape leaves things as they were."""
        self.dismiss(None)
