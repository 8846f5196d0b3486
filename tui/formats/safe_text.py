"""Text from the kernel, /proc, a capture or the user made safe for a terminal (pure, the one
place it is done).

Any process can name itself anything (``prctl(PR_SET_NAME)``), a link name may hold control
bytes and a capture file may hold whatever its author typed.  Printed raw, ``ESC ] 0 ; ...``
retitles the operator's terminal and ``ESC [ 2 J`` clears it.  Every such text goes through
``safe_text`` before it reaches a terminal: characters that do not print (controls, format
characters such as bidi overrides, separators) become ``\\x1b``/``\\u202e`` escapes, bytes
that were not valid UTF-8 (decoded as lone surrogates, ``surrogateescape``) become ``\\xff``,
as ``ps`` and ``ip`` show them.  JSON output does not use this: JSON has escapes of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

K = TypeVar("K")


def _escape(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the undecodable byte itself
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def safe_text(text: str) -> str:
    """``text`` with every character that does not print, and every undecodable byte, shown
    as an escape (a name that prints as it is comes back unchanged, at C speed)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def safe_names(names: Mapping[K, str]) -> dict[K, str]:
    """A number -> name mapping (links, tables) with every name made safe."""
    return {key: safe_text(name) for key, name in names.items()}
