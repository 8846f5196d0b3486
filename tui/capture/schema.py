"""A small column-wise validator for decoded JSON (pure, no I/O).

A capture is untrusted input, and a full-table host's capture holds a million routes, so the
checks run a column at a time: a whole column's types are one ``set(map(type, ...))``, its
range one ``min``/``max``, its addresses one ``map(inet_pton, ...)``, all at C speed; only a
column that fails is walked in Python to name the first bad record.  The same fields check
objects (links, rules, ...) once they are put in columns.  Each field says what it accepts
and how its value becomes the model's (lists become tuples, nested objects dataclasses).
This module holds what every field shares; the kinds are in ``fields`` (plain values) and
``addr_fields`` (addresses and prefix lengths, by the record's family).

A failure is a ``SchemaError`` naming where (``namespaces[0].state.routes[12].dst_len``) and
what (``33 is out of range 0..32 for IPv4``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

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
