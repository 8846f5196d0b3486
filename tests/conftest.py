"""Suite-wide set-up: the ``kernel`` marker decides whether a test may be skipped, and the
protocol name table (process state, like iproute2's) is reset after every test so one that
reads name files or opens a capture cannot change another's output."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.netns_helpers import have_netns_privilege
from tui.names import PROTOCOLS


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip kernel tests without root, except under CI, where they must run (or fail)."""
    if have_netns_privilege() or os.environ.get("CI") == "true":
        return
    skip = pytest.mark.skip(reason="needs root and iproute2 to create network namespaces")
    for item in items:
        if item.get_closest_marker("kernel") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _protocol_names() -> Iterator[None]:
    saved = dict(PROTOCOLS.files), PROTOCOLS.loaded
    yield
    PROTOCOLS.files, PROTOCOLS.loaded = saved
