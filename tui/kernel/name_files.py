"""iproute2's name files, found where the installed ``ip`` (6.1) looks for them.

iproute2 6.1 reads only its CONFDIR, ``/etc/iproute2`` (later versions also read
``/usr/share/iproute2``): ``rt_protos`` and then every ``rt_protos.d/*.conf`` in directory
order (readdir, unsorted; a later file's name for a number wins).  ``FIBSCOPE_IPROUTE2_DIR``
replaces the directory (tests point it at a private copy; users at a host's copied config).
"""

from __future__ import annotations

import os

from tui.table_files import parse_id_names

ENV_DIR = "FIBSCOPE_IPROUTE2_DIR"
CONFDIR = "/etc/iproute2"


def iproute2_dir() -> str:
    """The directory name files are read from: the override, else ip 6.1's CONFDIR."""
    return os.environ.get(ENV_DIR) or CONFDIR


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return None


def conf_d_files(directory: str) -> list[str]:
    """``*.conf`` files of a ``.d`` directory as rtnl_rtprot_initialize takes them: readdir
    order, names not starting with a dot and longer than ``.conf``."""
    try:
        entries = os.listdir(directory)  # readdir order, as ip walks it
    except OSError:
        return []
    return [
        os.path.join(directory, name)
        for name in entries
        if not name.startswith(".") and len(name) > 5 and name.endswith(".conf")
    ]


def read_proto_names(confdir: str | None = None) -> dict[int, str]:
    """Protocol names from ``rt_protos`` and ``rt_protos.d/*.conf`` (missing files: none)."""
    base = confdir or iproute2_dir()
    names: dict[int, str] = {}
    for path in [os.path.join(base, "rt_protos"), *conf_d_files(os.path.join(base, "rt_protos.d"))]:
        text = _read(path)
        if text is not None:
            names.update(parse_id_names(text))
    return names
