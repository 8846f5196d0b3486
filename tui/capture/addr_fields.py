"""The field kinds of ``tui.capture.schema`` that depend on the record's family: addresses in
canonical text and prefix lengths (pure)."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tui.capture.addr_text import all_canonical
from tui.capture.fields import Int
from tui.capture.schema import MISSING, Ctx, Field, show

FAMILIES: dict[int, str] = {socket.AF_INET: "IPv4", socket.AF_INET6: "IPv6"}
AF_MPLS = 28  # an MPLS route's destination is a label, its length 20 bits
HOST_LEN: dict[int, int] = {socket.AF_INET: 32, socket.AF_INET6: 128, AF_MPLS: 20}
FAMILY_NAMES = {**FAMILIES, AF_MPLS: "MPLS"}


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
