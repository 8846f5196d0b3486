"""Text from the kernel, /proc or a capture made safe for a terminal (pure, one place).

Any process can name itself anything (``prctl(PR_SET_NAME)``), a link name may hold control
bytes and a capture file may hold whatever its author typed.  Printed raw, ``ESC ] 0 ; ...``
retitles the operator's terminal and ``ESC [ 2 J`` clears it.  Every such text goes through
``safe_text`` before it reaches a terminal: control characters become ``\\x1b``-style escapes,
bytes that were not valid UTF-8 (decoded by Python as lone surrogates, ``surrogateescape``)
become ``\\xff``, as ``ps`` and ``ip`` show them.  JSON output does not use this: JSON has
escapes of its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar

K = TypeVar("K")

# C0 and C1 controls, DEL, surrogates (undecodable bytes), and the format characters that
# reorder or hide text (bidi overrides and isolates, line/paragraph separators, zero widths).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)
# The same, minus the newline and tab that a whole formatted text may hold.
_UNSAFE_IN_LINES = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the undecodable byte itself
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def safe_text(text: str) -> str:
    """``text`` with every control character and undecodable byte shown as an escape."""
    if text.isascii() and text.isprintable():
        return text
    return _UNSAFE.sub(_escape, text)


def safe_lines(text: str) -> str:
    """A whole formatted text made safe, keeping its newlines and tabs (a last line of
    defence at the output: fields are escaped where they are formatted)."""
    if _UNSAFE_IN_LINES.search(text) is None:
        return text
    return _UNSAFE_IN_LINES.sub(_escape, text)


def safe_names(names: Mapping[K, str]) -> dict[K, str]:
    """A number -> name mapping (links, tables) with every name made safe."""
    return {key: safe_text(name) for key, name in names.items()}
