"""Whether a column of address texts is as ``inet_ntop`` writes them, at C speed (pure).

A full table's destination column holds a million IPv4 addresses: ``inet_pton`` then
``inet_ntop`` of each costs ~0.5 s; one possessive regex over the joined column ~0.07 s.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Sequence
from itertools import repeat

# IPv4 addresses as inet_ntop writes them (no leading zeros, octets 0..255; ASCII digits
# only), one per line: possessive, so a million are matched in one pass, no backtracking.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}"
_IPV4S = re.compile(rf"(?:{_IPV4}\n)*+{_IPV4}")
_REGEX_FROM = 64  # fewer: checked one by one (gateways repeat: each distinct one once)


def all_canonical(family: int, texts: Sequence[str]) -> bool:
    """True if every text is an address of ``family`` in canonical form (an empty column
    too); a caller then looks for the first one that is not."""
    if not texts:
        return True
    if family == socket.AF_INET and len(texts) > _REGEX_FROM:
        text = "\n".join(texts)  # a newline inside a value shows in the count
        return text.count("\n") == len(texts) - 1 and _IPV4S.fullmatch(text) is not None
    unique = list(set(texts))
    try:
        ntop, pton = socket.inet_ntop, socket.inet_pton
        return list(map(ntop, repeat(family), map(pton, repeat(family), unique))) == unique
    except (OSError, ValueError):
        return False
