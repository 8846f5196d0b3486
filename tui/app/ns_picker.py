"""The namespace picker: type to filter, natural order, identity and crossings under each.

Opens at once with what discovery knows (names, processes, hostname, container); each
namespace's veth crossings are read in a thread (links only) and appear when they arrive, so
a host with hundreds of namespaces never waits on them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.app.follow import NamespaceFollower
from tui.app.ns_rows import Row, rows
from tui.model import NamespaceInfo

# The text of a row: the picker is 78 columns at most (80 less the screen's margin), less its
# border, the list's padding and scrollbar.
ROW_WIDTH = 70


class NamespacePicker(ModalScreen[NamespaceInfo | None]):
    """Enter picks the highlighted namespace, Escape cancels; typing filters."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move('cursor_down')", show=False),
        Binding("up", "move('cursor_up')", show=False),
        Binding("pagedown", "move('page_down')", show=False),
        Binding("pageup", "move('page_up')", show=False),
    ]

    DEFAULT_CSS = """
    NamespacePicker { align: center middle; }
    NamespacePicker > Vertical {
        width: 78; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface;
    }
    NamespacePicker OptionList { height: auto; max-height: 18; border: none; }
    NamespacePicker Input, NamespacePicker Input:focus {
        border: none; height: 1; padding: 0 1; margin: 0 1; background: $boost;
    }
    NamespacePicker .picker-title { padding: 0 1; text-style: bold; }
    """

    def __init__(
        self,
        infos: Sequence[NamespaceInfo],
        unreadable: Mapping[int, str | None],
        current: NamespaceInfo | None,
        load_crossings: Callable[[], Mapping[int, Sequence[str]]] | None = None,
        *,
        looking: bool = False,
    ) -> None:
        super().__init__()
        self._unreadable = dict(unreadable)
        self._infos = list(infos)
        self._rows = rows(self._infos, self._unreadable, {})
        self._shown: list[Row] = list(self._rows)
        self._current = current.inode if current is not None else None
        self._load_crossings = load_crossings
        self._looking = looking  # the namespaces known so far, a fresh look under way

    def compose(self) -> ComposeResult:
        """Title, filter, list."""
        with Vertical():
            yield Static("", id="ns-title", classes="picker-title")
            yield Input(
                placeholder="type to filter: name, process, hostname, device", id="ns-filter"
            )
            yield OptionList(id="ns-list")

    def on_mount(self) -> None:
        """Show every namespace, the current one highlighted; crossings come later."""
        self._fill(keep=self._current)
        self.query_one(Input).focus()
        if self._load_crossings is not None and not self._looking:
            self._read_crossings(self._load_crossings)

    def found(
        self,
        infos: Sequence[NamespaceInfo],
        unreadable: Mapping[int, str | None],
        load_crossings: Callable[[], Mapping[int, Sequence[str]]] | None = None,
    ) -> None:
        """The fresh look answered: its namespaces replace those known when the picker
        opened (a deleted one goes), the filter and the highlighted one kept; crossings now.
        Before the picker is drawn, ``on_mount`` shows them; once it is closed, nothing."""
        self._looking = False
        self._infos, self._unreadable = list(infos), dict(unreadable)
        self._rows = rows(self._infos, self._unreadable, {})
        self._load_crossings = load_crossings
        if not self._shown_now():
            return
        self._fill(keep=self._highlighted_inode() or self._current)
        if load_crossings is not None:
            self._read_crossings(load_crossings)

    def _shown_now(self) -> bool:
        """Drawn and not closed: its widgets can be asked for (an answer from a thread may
        come before the picker is mounted, or after Escape closed it)."""
        return self.is_mounted and self.is_attached

    @work(thread=True, exclusive=True, group="ns-crossings", description="crossings")
    def _read_crossings(self, load: Callable[[], Mapping[int, Sequence[str]]]) -> None:
        found = load()
        self.app.call_from_thread(self._crossings_arrived, found)

    def _crossings_arrived(self, found: Mapping[int, Sequence[str]]) -> None:
        self._rows = rows(self._infos, self._unreadable, found)
        if self._shown_now():
            self._fill(keep=self._highlighted_inode())

    def _highlighted_inode(self) -> int | None:
        olist = self.query_one(OptionList)
        index = olist.highlighted
        if index is None or not 0 <= index < len(self._shown):
            return None
        return self._shown[index].info.inode

    def _fill(self, keep: int | None) -> None:
        """The rows matching the filter, keeping ``keep`` highlighted when it is shown."""
        text = self.query_one(Input).value
        self._shown = [row for row in self._rows if row.matches(text)]
        olist = self.query_one(OptionList)
        olist.clear_options()
        olist.add_options(
            Option(row.prompt(ROW_WIDTH), id=str(row.info.inode)) for row in self._shown
        )
        where = next((i for i, r in enumerate(self._shown) if r.info.inode == keep), 0)
        olist.highlighted = where if self._shown else None
        total = len(self._rows)
        title = "Namespaces (Enter switches, Escape cancels)"
        if self._looking:
            title = "Namespaces: looking for every namespace… (Escape cancels)"
        if text.strip():
            title = f"Namespaces: {len(self._shown)} of {total} match"
            if not self._shown:
                title += " (Backspace widens)"
        self.query_one("#ns-title", Static).update(title)

    def on_input_changed(self, event: Input.Changed) -> None:
        """Each key typed narrows (or widens) the list at once."""
        event.stop()
        self._fill(keep=self._highlighted_inode() or self._current)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the filter picks the highlighted namespace."""
        event.stop()
        self._pick(self.query_one(OptionList).highlighted)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A click (or Enter on the list) picks."""
        self._pick(event.option_index)

    def _pick(self, index: int | None) -> None:
        if index is not None and 0 <= index < len(self._shown):
            self.dismiss(self._shown[index].info)

    def action_move(self, how: str) -> None:
        """Arrows and pages move through the list while typing goes to the filter."""
        getattr(self.query_one(OptionList), f"action_{how}")()

    def action_cancel(self) -> None:
        """Escape leaves things as they were."""
        self.dismiss(None)


def pick_namespace(app: App[Any], follower: NamespaceFollower) -> None:
    """The picker opens at once with the namespaces known, then lists those that exist now
    (discovered afresh: one deleted since the start goes); type to filter; crossings are
    read once the list is fresh.  It never opens late, under keys typed since (an Escape
    meant for it)."""
    source = follower.source

    def unreadable(infos: Sequence[NamespaceInfo]) -> dict[int, str | None]:
        return {info.inode: source.unreadable(info) for info in infos}

    picker = NamespacePicker(
        follower.infos, unreadable(follower.infos), follower.info, looking=True
    )
    closed: list[bool] = []

    def picked(choice: NamespaceInfo | None) -> None:
        closed.append(True)
        if choice is not None and choice != follower.info:
            follower.switch_namespace(choice)

    def fresh(infos: list[NamespaceInfo]) -> None:
        if not closed:  # not picked from nor cancelled meanwhile
            picker.found(infos, unreadable(infos), lambda: source.crossings(infos))

    app.push_screen(picker, picked)
    follower.rediscover(fresh)
