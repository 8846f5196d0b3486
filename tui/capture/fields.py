"""The field kinds of ``tui.capture.schema`` for plain values: integers, strings, booleans,
choices, ranges, lists, hex bytes (pure).  Each checks a whole column at once; addresses and
prefix lengths, which depend on the record's family, are in ``addr_fields``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tui.capture.schema import U8, U32, Ctx, Field, show


@dataclass
class Int(Field):
    """An integer in ``lo..hi`` (JSON true/false are not integers); ``ref`` names a set of
    the context it must belong to."""

    lo: int = 0
    hi: int = U32
    ref: str | None = None
    unref: frozenset[int] = frozenset()  # values allowed without a referent (0: no device)
    kinds: tuple[type, ...] = (int,)

    def noun(self) -> str:
        return "an integer" + (" or null" if self.optional else "")

    def check_values(
        self, values: Sequence[Any], ctx: Ctx, full: Sequence[Any] | None
    ) -> tuple[int, str] | None:
        if values and (min(values) < self.lo or max(values) > self.hi):
            for i, v in enumerate(values):
                if not self.lo <= v <= self.hi:
                    return i, f"{show(v)} is out of range {self.lo}..{self.hi}"
        known = getattr(ctx, self.ref) if self.ref else None
        if known is not None and not set(values) <= known | self.unref:
            for i, v in enumerate(values):
                if v not in known and v not in self.unref:
                    return i, f"{v} is not the index of a link of this namespace"
        return None


@dataclass
class Str(Field):
    """A string of at most ``max_len`` characters (non-empty unless ``empty``)."""

    max_len: int = 4096
    empty: bool = True
    kinds: tuple[type, ...] = (str,)

    def noun(self) -> str:
        return "a string" + (" or null" if self.optional else "")

    def check_values(
        self, values: Sequence[Any], ctx: Ctx, full: Sequence[Any] | None
    ) -> tuple[int, str] | None:
        if values and max(map(len, values)) > self.max_len:
            for i, v in enumerate(values):
                if len(v) > self.max_len:
                    return i, f"a string of {len(v)} characters (at most {self.max_len})"
        if not self.empty and "" in values:
            return values.index(""), "an empty string"
        return None


@dataclass
class Bool(Field):
    """true or false."""

    kinds: tuple[type, ...] = (bool,)

    def noun(self) -> str:
        return "true or false"


@dataclass
class OneOf(Int):
    """An integer among ``choices`` (with their names for messages)."""

    choices: dict[int, str] = field(default_factory=dict)

    def check_values(
        self, values: Sequence[Any], ctx: Ctx, full: Sequence[Any] | None
    ) -> tuple[int, str] | None:
        if not set(values) <= self.choices.keys():
            wanted = ", ".join(f"{k} ({n})" for k, n in self.choices.items())
            for i, v in enumerate(values):
                if v not in self.choices:
                    return i, f"{show(v)} is not one of {wanted}"
        return None


@dataclass
class Pair(Field):
    """``[lo, hi]``: two integers in ``0..top`` with lo <= hi (port and uid ranges)."""

    top: int = U32
    kinds: tuple[type, ...] = (list,)

    def noun(self) -> str:
        return "a [low, high] pair" + (" or null" if self.optional else "")

    def check_values(
        self, values: Sequence[Any], ctx: Ctx, full: Sequence[Any] | None
    ) -> tuple[int, str] | None:
        for i, v in enumerate(values):
            ok = len(v) == 2 and all(type(x) is int for x in v)
            if not (ok and 0 <= v[0] <= v[1] <= self.top):
                return i, f"{show(v)} is not a range 0 <= low <= high <= {self.top}"
        return None


@dataclass
class ListOf(Field):
    """A list of at most ``max_items`` items of one type: strings of at most ``max_len``
    characters (names, paths), or with ``item=int`` integers in ``0..hi`` (a resilient
    group's bucket table)."""

    item: type = str
    max_len: int = 4096
    hi: int = U32
    max_items: int = 4096
    kinds: tuple[type, ...] = (list,)

    def noun(self) -> str:
        return "a list of strings" if self.item is str else "a list of integers"

    def check_values(
        self, values: Sequence[Any], ctx: Ctx, full: Sequence[Any] | None
    ) -> tuple[int, str] | None:
        top, hi = self.max_len, self.hi

        def good_str(x: Any) -> bool:
            return type(x) is str and len(x) <= top

        def good_int(x: Any) -> bool:
            return type(x) is int and 0 <= x <= hi

        if self.item is str:
            good, what = good_str, f"not a list of strings of at most {top} characters"
        else:
            good, what = good_int, f"not a list of integers 0..{hi}"
        for i, v in enumerate(values):
            if len(v) > self.max_items:
                return i, f"a list of {len(v)} items (at most {self.max_items})"
            if not all(map(good, v)):
                return i, what
        return None


@dataclass
class Hex(Str):
    """Bytes kept raw as lowercase hex text (attributes not understood, encap payloads)."""

    max_len: int = 2 * 65535

    def noun(self) -> str:
        return "a hex string" + (" or null" if self.optional else "")

    def check_values(
        self, values: Sequence[Any], ctx: Ctx, full: Sequence[Any] | None
    ) -> tuple[int, str] | None:
        bad = super().check_values(values, ctx, full)
        if bad is not None:
            return bad
        for i, v in enumerate(values):
            if len(v) % 2 or _HEX.fullmatch(v) is None:
                return i, f"{show(v)} is not hex bytes"
        return None


_HEX = re.compile("[0-9a-f]*")


@dataclass
class IntOrName(Field):
    """An integer in ``0..hi`` or a short name (a route metric: RTAX_CC_ALGO is a name)."""

    hi: int = U32
    max_len: int = 16
    kinds: tuple[type, ...] = (int, str)

    def noun(self) -> str:
        return "an integer or a name"

    def check_values(
        self, values: Sequence[Any], ctx: Ctx, full: Sequence[Any] | None
    ) -> tuple[int, str] | None:
        for i, v in enumerate(values):
            if type(v) is int and not 0 <= v <= self.hi:
                return i, f"{show(v)} is out of range 0..{self.hi}"
            if type(v) is str and not 0 < len(v) <= self.max_len:
                return i, f"{show(v)} is not a name of 1..{self.max_len} characters"
        return None


def u32(optional: bool = False) -> Int:
    """An unsigned 32-bit kernel number (tables, marks, priorities, flags)."""
    return Int(hi=U32, optional=optional)


def u8(optional: bool = False) -> Int:
    """An unsigned 8-bit kernel number (tos, protocol, scope)."""
    return Int(hi=U8, optional=optional)
