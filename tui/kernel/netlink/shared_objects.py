"""Making a million routes cheap: address texts and multipath next hop tuples interned in
bounded dicts, and frozen dataclasses filled through a mutable twin with the same slots (the
frozen ``__init__`` pays ``object.__setattr__`` per field); the twin is checked at import,
with a fallback."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import fields
from typing import Any, cast

from tui.model import AF_INET, AF_INET6, Nexthop, Route

# An address attribute's length -> its family (for inet_ntop).
FAMILY_BY_LEN = {4: socket.AF_INET, 16: socket.AF_INET6}


class _Hops(dict[tuple[Nexthop, ...], tuple[Nexthop, ...]]):
    """Multipath next hop tuples, interned: a million ECMP routes over the same gateways
    share a few tuples instead of holding ~190 bytes of next hops each.  Bounded."""

    limit = 1 << 16

    def __call__(self, hops: tuple[Nexthop, ...]) -> tuple[Nexthop, ...]:
        shared = self.get(hops)
        if shared is not None:
            return shared
        if len(self) >= self.limit:
            self.clear()
        self[hops] = hops
        return hops


HOPS = _Hops()


class _AddrText(dict[bytes, str]):
    """Address bytes → canonical text, interned so a million routes share a few strings.

    Bounded, so streaming a dump of unique addresses keeps constant memory.
    """

    limit = 1 << 16

    def __missing__(self, key: bytes) -> str:
        if len(self) >= self.limit:
            self.clear()
        text = socket.inet_ntop(FAMILY_BY_LEN[len(key)], key)
        self[key] = text
        return text


class _V4Prefix(dict[bytes, str]):
    """First two bytes of an IPv4 address → ``"a.b."`` (at most 65536 entries).

    With ``OCTET_DOT`` and ``OCTET`` this formats a unique destination in ~70 ns where
    ``inet_ntop`` takes ~150 ns.
    """

    def __missing__(self, key: bytes) -> str:
        text = f"{key[0]}.{key[1]}."
        self[key] = text
        return text


ADDRS = _AddrText()
V4_PREFIX = _V4Prefix()
OCTET = tuple(str(i) for i in range(256))
OCTET_DOT = tuple(f"{i}." for i in range(256))
DEFAULT_DST = {AF_INET: "0.0.0.0", AF_INET6: "::"}


def _twin(cls: type) -> type | None:
    """A plain class with the very slot layout of ``cls`` (None if it has no own slots)."""
    slots = cls.__dict__.get("__slots__")
    if not isinstance(slots, tuple) or cls.__bases__ != (object,):
        return None
    return type(f"_{cls.__name__}Twin", (), {"__slots__": slots})


def twin_works(cls: type, twin: type | None) -> bool:
    """True if a twin filled field by field, then re-classed, equals the real construction."""
    if twin is None:
        return False
    names = [f.name for f in fields(cls)]
    try:
        obj: Any = object.__new__(twin)
        for i, name in enumerate(names):
            setattr(obj, name, i)
        obj.__class__ = cls
        return bool(obj == cls(*range(len(names))))
    except (TypeError, AttributeError):
        return False


ROUTE_TWIN = _twin(Route)
_NEXTHOP_TWIN = _twin(Nexthop)
ROUTE_FIELDS = fields(Route)


def _nexthop_twin(
    gateway: str | None,
    oif: int | None,
    weight: int,
    flags: int,
    realms: int | None = None,
    encap: tuple[int, str] | None = None,
    unknown: tuple[tuple[int, str], ...] = (),
) -> Nexthop:
    obj: Any = object.__new__(_NEXTHOP_TWIN)  # type: ignore[arg-type]
    obj.gateway, obj.oif, obj.weight, obj.flags = gateway, oif, weight, flags
    obj.realms, obj.encap, obj.unknown = realms, encap, unknown
    obj.__class__ = Nexthop
    return cast(Nexthop, obj)


def cstr(raw: bytes) -> str:
    """A NUL-terminated string attribute (the congestion control algorithm's name)."""
    return raw.split(b"\0", 1)[0].decode("ascii", "replace")


make_nexthop: Callable[..., Nexthop] = (
    _nexthop_twin if twin_works(Nexthop, _NEXTHOP_TWIN) else Nexthop
)
