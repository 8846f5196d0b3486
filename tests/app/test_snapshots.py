"""Snapshots of every screen from the made-up edge-router capture, at 80x24 and 120x40."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.app.helpers import fixture_app, loaded

SnapCompare = Callable[..., bool]
SIZES = [(80, 24), (120, 40)]


def keys_then_settle(*keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """A run_before that waits for loading, presses keys, and waits again."""

    async def run(pilot: Pilot[None]) -> None:
        await loaded(pilot)
        if keys:
            await pilot.press(*keys)
        await loaded(pilot)

    return run


SCREENS: dict[str, tuple[str, ...]] = {
    "routes_route_n": (),
    "routes_ip": ("v",),
    "routes_ipv6": ("6",),
    "rules": ("r",),
    "links": ("i",),
    "help": ("question_mark",),
    "namespaces": ("n",),
    "tables": ("t",),
    "filter_address": ("slash", *"10.64.1.1", "enter"),
    "sorted_by_destination": ("s",),
    "lookup_trace": ("l", *"10.64.1.1", "enter"),
    "lookup_forward": ("l", *"203.0.113.9", "tab", *"10.20.0.77", "tab", *"eth1", "enter"),
    "lookup_bad_input": ("l", *"10.1.x", "enter"),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_screen(snap_compare: SnapCompare, screen: str, size: tuple[int, int]) -> None:
    app: Any = fixture_app()
    assert snap_compare(app, terminal_size=size, run_before=keys_then_settle(*SCREENS[screen]))


def test_container_namespace_from_the_command_line(snap_compare: SnapCompare) -> None:
    app: Any = fixture_app("net:[4026532410]")
    assert snap_compare(app, terminal_size=(80, 24), run_before=keys_then_settle())


def test_unreadable_namespace_says_why(snap_compare: SnapCompare) -> None:
    app: Any = fixture_app("net:[4026532477]")
    assert snap_compare(app, terminal_size=(80, 24), run_before=keys_then_settle())
