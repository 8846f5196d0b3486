"""A small column-wise validator for decoded JSON (pure, no I/O).

A capture is untrusted input, and a full-table host's capture holds a million routes, so the
checks run a column at a time: a whole column's types are one ``set(map(type, ...))``, its
range one ``min``/``max``, its addresses one ``map(inet_pton, ...)``, all at C speed; only a
column that fails is walked in Python to name the first bad record.  The same fields check
objects (links, rules, ...) once they are put in columns.  Each field says what it accepts
and how its value becomes the model's (lists become tuples, nested objects dataclasses).

A failure is a ``SchemaError`` naming where (``namespaces[0].state.routes[12].dst_len``) and
what (``33 is out of range 0..32 for IPv4``).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from tui.capture.addr_text import all_canonical

FAMILIES: dict[int, str] = {socket.AF_INET: "IPv4", socket.AF_INET6: "IPv6"}
AF_MPLS = 28  # an MPLS route's destination is a label, its length 20 bits
HOST_LEN: dict[int, int] = {socket.AF_INET: 32, socket.AF_INET6: 128, AF_MPLS: 20}
FAMILY_NAMES = {**FAMILIES, AF_MPLS: "MPLS"}
U8, U16, U32, U64 = 2**8 - 1, 2**16 - 1, 2**32 - 1, 2**64 - 1
S32 = (-(2**31), 2**31 - 1)


class SchemaError(Exception):
    """Where and what: ``str()`` is ``"<where>: <what>"``."""

    def __init__(self, where: str, what: str) -> None:
        super().__init__(f"{where}: {what}")
        self.where, self.what = where, what


class _Missing:
    """An object's key that is absent (its default applies); never a value of JSON."""


MISSING = _Missing()
_NONE = type(None)
_NOTHING = frozenset({_NONE, _Missing})


def show(value: Any) -> str:
    """A value as an error message quotes it: short (the input may be huge)."""
    if isinstance(value, list):
        small = len(value) <= 4 and all(isinstance(x, (int, str)) for x in value)
        return show_short(repr(value)) if small else "a list"
    if isinstance(value, dict):
        return "an object"
    return show_short(repr(value))


def show_short(text: str) -> str:
    """At most 40 characters of ``text``."""
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass
class Ctx:
    """What cross-field checks see: the column of families and the namespace's ifindexes."""

    family: Sequence[Any] | None = None
    links: set[int] | None = None


@dataclass
class Field:
    """One value's type (``kinds``), whether null is allowed, and a check of the rest."""

    kinds: tuple[type, ...] = ()
    optional: bool = False
    convert: Callable[[Any], Any] | None = None  # JSON value -> model value (None: as is)

    @cached_property
    def _types(self) -> tuple[frozenset[type], frozenset[type]]:
        """(the kinds of a present value, every type allowed), worked out once per field."""
        kinds = {*self.kinds, tuple} if list in self.kinds else set(self.kinds)  # a document
        # built in memory (not parsed) may hold tuples where JSON has lists
        allowed = {*kinds, _Missing} | ({_NONE} if self.optional else set())
        return frozenset(kinds), frozenset(allowed)

    def check(self, values: Sequence[Any], ctx: Ctx) -> tuple[int, str] | None:
        """The first bad value's index and what is wrong, or None."""
        kinds, allowed = self._types
        types = set(map(type, values))
        if not types <= allowed:
            for i, value in enumerate(values):
                if type(value) not in allowed:
                    return i, f"{show(value)} is not {self.noun()}"
        if types <= _NOTHING:  # all null or absent, which is allowed: nothing to check
            return None
        if types <= kinds:
            present: Sequence[Any] = values
            full = None
        else:  # nulls and absent keys have nothing more to check
            present = [v for v in values if v is not None and v is not MISSING]
            full = values
        bad = self.check_values(present, ctx, full)
        if bad is not None and full is not None:
            return place(full, bad[0]), bad[1]
        return bad

    def noun(self) -> str:
        """What the field holds, for messages."""
        return "a " + "/".join(k.__name__ for k in self.kinds) + (" or null" * self.optional)

    def check_values(
        self, values: Sequence[Any], ctx: Ctx, full: Sequence[Any] | None
    ) -> tuple[int, str] | None:
        """Values of the right type, none null: further checks (``full``: the column they
        were taken from when it held nulls, None when it is ``values`` itself)."""
        return None


def place(full: Sequence[Any], k: int) -> int:
    """Where in ``full`` its ``k``-th present (not null, not absent) value is."""
    return [i for i, v in enumerate(full) if v is not None and v is not MISSING][k]


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


def _families(
    values: Sequence[Any], ctx: Ctx, full: Sequence[Any] | None, fixed: int | None
) -> Sequence[Any]:
    """The family of each present value: ``fixed``, or the record's (its family column)."""
    if fixed is not None:
        return [fixed] * len(values)
    fams = ctx.family
    assert fams is not None, "a family-dependent field needs the family column"
    if full is None:
        return fams
    return [f for f, v in zip(fams, full, strict=True) if v is not None and v is not MISSING]


@dataclass
class Addr(Field):
    """An address in canonical text (as ``inet_ntop`` writes it) of the record's family, or
    of either family when ``any_family`` (a gateway may be of the other family)."""

    any_family: bool = False
    family: int | None = None  # a fixed family, when the record has no family field
    kinds: tuple[type, ...] = (str,)

    def noun(self) -> str:
        return "an address string" + (" or null" if self.optional else "")

    def check_values(
        self, values: Sequence[Any], ctx: Ctx, full: Sequence[Any] | None
    ) -> tuple[int, str] | None:
        if self.any_family:
            fams: Sequence[Any] = [socket.AF_INET6 if ":" in v else socket.AF_INET for v in values]
        else:
            fams = _families(values, ctx, full, self.family)
        kinds = set(fams)
        for fam in kinds & FAMILIES.keys():
            mine = (
                values
                if len(kinds) == 1
                else [v for f, v in zip(fams, values, strict=True) if f == fam]
            )
            good = all_canonical(fam, mine)
            if not good:
                for i, (f, v) in enumerate(zip(fams, values, strict=True)):
                    if f == fam and not _is_canonical(f, v):
                        what = (
                            f"{show(v)} is not an {FAMILIES[fam]} address as the kernel writes it"
                        )
                        return i, what
        if AF_MPLS in kinds:
            for i, (f, v) in enumerate(zip(fams, values, strict=True)):
                if f == AF_MPLS and not (v.isascii() and v.isdigit() and str(int(v)) == v):
                    return i, f"{show(v)} is not an MPLS label"
                if f == AF_MPLS and int(v) >= 1 << 20:
                    return i, f"{show(v)} is not an MPLS label (20 bits)"
        return None


def _canonical(family: int, text: str) -> str:
    return socket.inet_ntop(family, socket.inet_pton(family, text))


def _is_canonical(family: int, text: str) -> bool:
    try:
        return _canonical(family, text) == text
    except (OSError, ValueError):
        return False


@dataclass
class PrefixLen(Int):
    """A prefix length: 0..32 for IPv4, 0..128 for IPv6 (the record's family)."""

    hi: int = 128
    family: int | None = None  # a fixed family, when the record has no family field

    def check_values(
        self, values: Sequence[Any], ctx: Ctx, full: Sequence[Any] | None
    ) -> tuple[int, str] | None:
        if not values or (min(values) >= 0 and max(values) <= 20):
            return None
        fams = _families(values, ctx, full, self.family)
        if min(values) >= 0 and max(values) <= 32 and AF_MPLS not in set(fams):
            return None
        for i, (f, v) in enumerate(zip(fams, values, strict=True)):
            top = HOST_LEN.get(f, 128)
            if not 0 <= v <= top:
                return i, f"{v} is out of range 0..{top} for {FAMILY_NAMES.get(f, 'its family')}"
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
