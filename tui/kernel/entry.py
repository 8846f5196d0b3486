"""Where to enter a namespace: its bind mount or /proc path, and whether we may."""

from __future__ import annotations

import os

from tui.kernel.namespaces import is_own
from tui.kernel.netns import NetnsError
from tui.model import NamespaceInfo

NEEDS_ROOT = "root is needed to read another namespace"


def may_enter(info: NamespaceInfo) -> bool:
    """Our own namespace is always readable; entering another one takes root."""
    return is_own(info) or os.geteuid() == 0


def path_of(info: NamespaceInfo) -> str | None:
    """Where to enter ``info`` (None: our own); NetnsError when it cannot be entered."""
    if is_own(info):
        return None
    if not may_enter(info):
        raise NetnsError(NEEDS_ROOT)
    for path in info.paths:
        if os.path.exists(path):
            return path
    raise NetnsError("namespace has gone")
