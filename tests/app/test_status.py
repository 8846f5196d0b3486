"""The title and status line from a state object alone: no app runs."""

from __future__ import annotations

from dataclasses import replace

from tui.app.modes import Mode
from tui.app.pacing import INDEXING
from tui.app.status import StatusState, status_text
from tui.model import AF_INET, AF_INET6

BASE = StatusState(
    label="host",
    family=AF_INET,
    table=254,
    table_label="main",
    mode=Mode.ROUTE_N,
    live=True,
    live_text="live",
    paused=False,
    notice="",
    filter_text=None,
    sort="kernel",
    reverse=False,
    last_change="12:00:01",
    held=0,
    shown=3,
    total=3,
    partial=False,
    has_state=True,
    source_live=True,
    source_description="this machine",
)


def test_plain_live_table() -> None:
    text = status_text(BASE)
    assert text.title == "fibscope  host · main (254) · IPv4 · route -n"
    assert text.status == "netns host  │  table main  │  3 routes  │  live  │  changed 12:00:01"
    assert text.empty == ""


def test_filter_sort_pause_and_held_updates_in_their_order() -> None:
    state = replace(
        BASE,
        filter_text="within 10.0.0.0/8",
        shown=1,
        partial=True,
        sort="metric",
        reverse=True,
        paused=True,
        held=4,
        notice="filtering…",
    )
    assert status_text(state).status == (
        "netns host  │  table main  │  1+ of 3 routes  │  filtering…  │  filter within "
        "10.0.0.0/8  │  sort metric ↓  │  paused  │  changed 12:00:01  │  4 updates held"
    )


def test_ip_form_names_the_table_and_a_capture_its_file() -> None:
    state = replace(
        BASE,
        mode=Mode.IP,
        table=100,
        table_label="100",
        live=False,
        live_text="offline: capture",
        source_live=False,
        source_description="capture edge.json",
        total=1,
    )
    text = status_text(state)
    assert text.title == "fibscope  host · 100 (100) · IPv4 · ip route · capture edge.json"
    assert text.status == "netns host  │  table 100  │  1 route  │  offline: capture"


def test_ipv6_route_n_shows_every_table_without_a_number() -> None:
    state = replace(BASE, family=AF_INET6, table_label="all tables", shown=0, total=0)
    text = status_text(state)
    assert text.title == "fibscope  host · all tables · IPv6 · route -n"
    assert text.empty == "No table has IPv6 routes."
    assert text.status.startswith("netns host  │  all tables  │  0 routes  │")


def test_empty_view_says_why() -> None:
    empty = replace(BASE, shown=0, total=0)
    assert status_text(empty).empty == "Table main has no IPv4 routes."
    assert status_text(replace(empty, filter_text="“x”")).empty == (
        "No route passes the filter: “x”."
    )
    assert status_text(replace(empty, has_state=False, label=None)).empty == "Nothing to show."
    assert status_text(replace(empty, notice="reading host…")).empty == "reading host…"


def test_hostile_names_are_escaped() -> None:
    state = replace(BASE, label="evil\x1b[2J", table_label="t\x07", notice="gone\x1b]0;x\x07")
    text = status_text(state)
    for line in (text.title, text.status):
        assert "\x1b" not in line and "\x07" not in line
    assert status_text(replace(BASE, label=None)).status.startswith("netns -  │")


def test_an_empty_view_while_reloading_never_says_the_table_has_no_routes() -> None:
    """A big table is let go when its re-read begins (issue 13): zero rows then mean nothing."""
    state = replace(BASE, shown=0, total=0, sync="reloading…")
    text = status_text(state)
    assert text.empty == "The routes are being re-read from the kernel."
    assert "reloading…" in text.status
    assert status_text(replace(state, sync="")).empty == "Table main has no IPv4 routes."


def test_indexing_says_so_and_rows_waiting_for_the_index_have_no_count() -> None:
    shown = replace(BASE, shown=1_000_004, total=1_000_004, sync=INDEXING)
    assert status_text(shown).status == (
        "netns host  │  table main  │  1,000,004 routes  │  indexing…  │  live  │  changed 12:00:01"
    )
    waiting = replace(shown, shown=0, total=0, filter_text="within 10.0.0.0/8")
    text = status_text(waiting)
    assert text.status == (
        "netns host  │  table main  │  indexing…  │  filter within 10.0.0.0/8  │  live  │  "
        "changed 12:00:01"
    )
    assert text.empty == "The routes are being indexed: filters and sorts apply once they are."
