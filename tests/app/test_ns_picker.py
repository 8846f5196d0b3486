"""The namespace picker on a made-up calico node: natural order, filtering as you type,
identity and veth crossings under each namespace, all within 80 columns."""

from __future__ import annotations

import dataclasses
import io
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from tests.app.helpers import loaded
from tests.path.made import calico
from tests.patience import PATIENCE, wait_until_async
from tui import capture
from tui.app.app import FibscopeApp
from tui.app.ns_picker import ROW_WIDTH, NamespacePicker
from tui.app.ns_rows import natural_key, ordered
from tui.app.run import make_app
from tui.model import HostState, NamespaceInfo, Process
from tui.source import CaptureSource

SnapCompare = Callable[..., bool]
CONTAINER = "containerd:" + "ab" * 32
POD_UID = "5f0c4e4a-1b2c-4d5e-8f90-0123456789ab"


def made_node() -> HostState:
    """Pods 10, 2 and 1 (made in that order) on a calico node, pod 2 with its identity, and
    a namespace whose name carries markup and a control character."""
    made = calico((10, 2, 1))
    made.ns("odd[b]x\x1b")
    host = made.build()
    named = []
    for ns in host.namespaces:
        info = ns.info
        if info.label == "fbkpod2":
            info = dataclasses.replace(
                info,
                hostname="web-2",
                container=CONTAINER,
                pod_uid=POD_UID,
                processes=(Process(4242, "nginx", "nginx: master"),),
            )
        named.append(dataclasses.replace(ns, info=info))
    return dataclasses.replace(host, namespaces=tuple(named))


@pytest.fixture
def node_capture(tmp_path: Path) -> str:
    path = tmp_path / "calico-node.json"
    buf = io.StringIO()
    capture.write(made_node(), buf)
    path.write_text(buf.getvalue())
    return str(path)


def node_app(path: str) -> FibscopeApp:
    return make_app(CaptureSource.open(path), None, live=False)


def shown(app: FibscopeApp) -> list[str]:
    """The labels listed now, in order (each option's first line, first word)."""
    olist = app.screen.query_one(OptionList)
    return [str(olist.get_option_at_index(i).prompt).split()[0] for i in range(olist.option_count)]


def prompts(app: FibscopeApp) -> list[str]:
    olist = app.screen.query_one(OptionList)
    return [str(olist.get_option_at_index(i).prompt) for i in range(olist.option_count)]


def on_main(app: FibscopeApp) -> bool:
    """No picker (nor anything else) over the main screen."""
    return app.screen is app.main


def title(app: FibscopeApp) -> str:
    return str(app.screen.query_one("#ns-title", Static).render())


def test_natural_order_host_first() -> None:
    labels = ["pod10", "Pod2", "pod1", "a", "pod2b", "pod02"]
    assert sorted(labels, key=natural_key) == ["a", "pod1", "Pod2", "pod02", "pod2b", "pod10"]
    infos = [NamespaceInfo(dev=4, inode=i, names=(n,)) for i, n in enumerate(["x2", "x10", "x1"])]
    host = NamespaceInfo(dev=4, inode=99, is_host=True)
    assert [i.label for i in ordered([*infos, host])] == ["host", "x1", "x2", "x10"]


async def test_picker_lists_naturally_with_identity_and_crossings(node_capture: str) -> None:
    app = node_app(node_capture)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("n")
        await loaded(pilot)  # the crossings are read in a worker
        assert isinstance(app.screen, NamespacePicker)
        assert shown(app) == ["host", "fbkpod1", "fbkpod2", "fbkpod10", "odd[b]x\\x1b"]
        texts = prompts(app)
        pod2 = texts[2].splitlines()
        assert pod2[0].endswith("  1 proc")
        assert pod2[1].startswith("  nginx, hostname web-2, container containerd:abababababab")
        assert pod2[1].endswith("…")  # the pod UID and crossing do not fit: cut, not wrapped
        assert texts[1].splitlines()[1] == "  eth0 <-> host:cali1"
        node_line = texts[0].splitlines()[1]
        assert node_line.startswith("  cali10 <-> fbkpod10:eth0, cali2 <-> fbkpod2:eth0")
        for text in texts:
            assert all(cell_len(line) <= ROW_WIDTH for line in text.splitlines())
        assert "\x1b" not in "".join(texts)


async def test_typing_filters_and_enter_switches(node_capture: str) -> None:
    app = node_app(node_capture)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("n")
        await loaded(pilot)
        await pilot.press(*"pod1")  # the node too: its crossings name pod1 and pod10
        assert shown(app) == ["host", "fbkpod1", "fbkpod10"]
        assert title(app) == "Namespaces: 3 of 5 match"
        await pilot.press("0")
        assert shown(app) == ["host", "fbkpod10"]
        await pilot.press("backspace", "backspace", "backspace")
        assert shown(app) == ["host", "fbkpod1", "fbkpod2", "fbkpod10"]
        app.screen.query_one(Input).value = ""
        await pilot.press(*"web-2")  # the hostname
        assert shown(app) == ["fbkpod2"]
        app.screen.query_one(Input).value = ""
        await pilot.press(*"cali10")  # a crossing: the node's device
        assert shown(app) == ["host", "fbkpod10"]
        await pilot.press(*"zz")
        assert shown(app) == []
        assert title(app) == "Namespaces: 0 of 5 match (Backspace widens)"
        await pilot.press("enter")  # nothing to pick: the picker stays
        assert isinstance(app.screen, NamespacePicker)
        app.screen.query_one(Input).value = ""
        await pilot.press(*"POD", "down", "down", "down", "enter")  # case does not matter
        await loaded(pilot)
        assert app.main.follower.info is not None and app.main.follower.info.label == "fbkpod10"


async def test_escape_keeps_the_namespace(node_capture: str) -> None:
    app = node_app(node_capture)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("n")
        await loaded(pilot)  # the picker opens once the namespaces are discovered afresh
        await pilot.press(*"pod2", "escape")
        await loaded(pilot)
        assert not isinstance(app.screen, NamespacePicker)
        assert app.main.follower.info is not None and app.main.follower.info.label == "host"


def test_snapshot_typed(snap_compare: SnapCompare, node_capture: str) -> None:
    app: Any = node_app(node_capture)

    async def run(pilot: Pilot[None]) -> None:
        await loaded(pilot)
        await pilot.press("n")
        await loaded(pilot)
        await pilot.press(*"pod")
        await loaded(pilot)

    before: Callable[[Pilot[None]], Awaitable[None]] = run
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


async def test_the_picker_opens_at_once_and_an_escape_typed_before_the_fresh_look_counts(
    node_capture: str,
) -> None:
    """`n` opens the picker with the namespaces known, saying it looks for every one; an
    Escape before that look answers closes it for good (it never opens late, under the keys
    typed since); the next `n` lists what the fresh look found (a namespace gone since)."""
    app = node_app(node_capture)
    follower = app.main.follower
    gate = threading.Event()
    namespaces = follower.source.namespaces

    def slow() -> list[NamespaceInfo]:
        gate.wait(PATIENCE)
        return [info for info in namespaces() if info.label != "fbkpod10"]

    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        follower.source.namespaces = slow  # type: ignore[method-assign]
        await pilot.press("n")
        assert isinstance(app.screen, NamespacePicker)
        assert title(app) == "Namespaces: looking for every namespace… (Escape cancels)"
        assert "fbkpod10" in shown(app)
        await pilot.press("escape")
        assert on_main(app)
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert on_main(app)
        await pilot.press("n")
        await app.workers.wait_for_complete()
        await loaded(pilot)
        assert isinstance(app.screen, NamespacePicker)
        assert title(app) == "Namespaces (Enter switches, Escape cancels)"
        assert shown(app) == ["host", "fbkpod1", "fbkpod2", "odd[b]x\\x1b"]


async def test_answers_for_a_closed_picker_are_dropped(node_capture: str) -> None:
    """The crossings read for a picker arrive after an Escape closed it (seen on a loaded
    machine: the app crashed asking the closed picker for its list); the fresh look answers
    a picker not drawn yet: it shows them once drawn."""
    app = node_app(node_capture)
    follower = app.main.follower
    gate = threading.Event()
    crossings = follower.source.crossings

    def slow(infos: Any) -> Any:
        gate.wait(PATIENCE)
        return crossings(infos)

    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        follower.source.crossings = slow  # type: ignore[method-assign]
        await pilot.press("n")
        await wait_until_async(lambda: "looking" not in title(app), "the fresh look answered")
        await pilot.press("escape")
        assert on_main(app)
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and on_main(app)

        picker = NamespacePicker(follower.infos, {}, follower.info, looking=True)
        fewer = [info for info in follower.infos if info.label != "fbkpod10"]
        picker.found(fewer, {}, None)  # before it is drawn
        await app.push_screen(picker)
        await pilot.pause()
        assert shown(app) == ["host", "fbkpod1", "fbkpod2", "odd[b]x\\x1b"]
        assert title(app) == "Namespaces (Enter switches, Escape cancels)"
