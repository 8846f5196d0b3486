"""`fibscope --netns X`: the CLI has just found the namespaces to check the name; the app's
first screen uses that list instead of looking again (re-discovery, for the picker, still
looks afresh)."""

from __future__ import annotations

from tests.app.helpers import fixture_app, loaded
from tui.model import NamespaceInfo


async def test_the_first_screen_uses_the_namespaces_just_found() -> None:
    app = fixture_app("blue")
    source = app.main.follower.source
    known = source.namespaces()
    app.main.follower.known = known
    asked: list[int] = []
    discover = source.namespaces

    def counted() -> list[NamespaceInfo]:
        asked.append(1)
        return discover()

    source.namespaces = counted  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        follower = app.main.follower
        assert asked == [] and follower.infos == known and follower.known is None
        assert follower.info is not None and follower.info.label == "blue"
        await pilot.press("n")  # the picker looks again
        await loaded(pilot)
        assert asked == [1]
