"""Suite-wide set-up: the ``kernel`` marker decides whether a test may be skipped."""

from __future__ import annotations

import os

import pytest

from tests.netns_helpers import have_netns_privilege


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip kernel tests without root, except under CI, where they must run (or fail)."""
    if have_netns_privilege() or os.environ.get("CI") == "true":
        return
    skip = pytest.mark.skip(reason="needs root and iproute2 to create network namespaces")
    for item in items:
        if item.get_closest_marker("kernel") is not None:
            item.add_marker(skip)
