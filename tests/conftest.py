"""Suite-wide set-up: the ``kernel`` marker decides whether a test may be skipped; the
protocol name table (process state, like iproute2's) is reset after every test so one that
reads name files or opens a capture cannot change another's output; and every test process
reads iproute2 name files of its own, never the host's.

Another program may change /etc/iproute2 while the suite runs (a test once failed when
rt_tables.d changed between two calls).  FIBSCOPE_IPROUTE2_DIR points fibscope (and every
``python -m tui`` the tests start: they inherit it) at a private directory holding the names
Debian ships, made from fibscope's own tables; ``ip`` commands that print names read the same
directory (``tests.netns_helpers.ip`` bind-mounts it in a mount namespace of their own).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest

from tests.netns_helpers import have_netns_privilege
from tui.kernel.name_files import ENV_DIR
from tui.names import (
    BUILTIN_TABLE_NAMES,
    DSFIELD_NAMES,
    GROUP_NAMES,
    PROTO_NAMES,
    PROTOCOLS,
    REALM_FILE,
    SCOPE_NAMES,
)


def _private_iproute2() -> str:
    base = tempfile.mkdtemp(prefix="fsc-iproute2-")
    atexit.register(shutil.rmtree, base, True)
    os.chmod(base, 0o755)
    files = {
        "rt_tables": BUILTIN_TABLE_NAMES,
        "rt_protos": PROTO_NAMES,
        "rt_scopes": SCOPE_NAMES,
        "rt_dsfield": DSFIELD_NAMES,
        "rt_realms": REALM_FILE,
        "group": GROUP_NAMES,
    }
    for name, table in files.items():
        with open(os.path.join(base, name), "w", encoding="utf-8") as fh:
            fh.writelines(
                f"{number:#x}\t{text}\n" if name == "rt_dsfield" else f"{number}\t{text}\n"
                for number, text in sorted(table.items())
            )
    for sub in ("rt_tables.d", "rt_protos.d"):
        os.mkdir(os.path.join(base, sub))
    for root, dirs, entries in os.walk(base):
        for entry in dirs + entries:
            os.chmod(os.path.join(root, entry), 0o755)
    return base


os.environ[ENV_DIR] = _private_iproute2()


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
