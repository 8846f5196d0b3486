"""Address arithmetic on plain ints: the engine compares and masks integers, never objects.

``ipaddress`` objects cost microseconds each; a lookup must cost about ten, and the index of a
million routes must build in seconds, so addresses are parsed once with ``inet_pton`` into ints.
"""

from __future__ import annotations

import socket
from functools import lru_cache

from tui.model import AF_INET, AF_INET6

BITS = {AF_INET: 32, AF_INET6: 128}
_SOCK_AF = {AF_INET: socket.AF_INET, AF_INET6: socket.AF_INET6}

MASK4: tuple[int, ...] = tuple(((1 << 32) - 1) ^ ((1 << (32 - n)) - 1) for n in range(33))
MASK6: tuple[int, ...] = tuple(((1 << 128) - 1) ^ ((1 << (128 - n)) - 1) for n in range(129))
MASKS = {AF_INET: MASK4, AF_INET6: MASK6}

LOOPBACK4 = 0x7F000001


def family_of(text: str) -> int:
    """AF_INET6 when the text has a colon, else AF_INET (the text still has to parse)."""
    return AF_INET6 if ":" in text else AF_INET


def to_int(family: int, text: str) -> int:
    """The address as an int; raises ValueError (OSError from inet_pton) when it does not parse."""
    if text in ("default", "") or (family == AF_INET and text == "0.0.0.0"):
        return 0
    try:
        return int.from_bytes(socket.inet_pton(_SOCK_AF[family], text), "big")
    except OSError as exc:
        raise ValueError(f"not an IPv{4 if family == AF_INET else 6} address: {text!r}") from exc


@lru_cache(maxsize=1 << 16)
def int4(text: str) -> int:
    """An IPv4 address (a gateway or prefsrc: few distinct ones) as an int, cached."""
    return to_int(AF_INET, text)


@lru_cache(maxsize=1 << 12)
def text4(value: int) -> str:
    """An IPv4 int (a chosen source: few distinct ones) as text, cached."""
    return socket.inet_ntoa(value.to_bytes(4, "big"))


def to_text(family: int, value: int) -> str:
    """Canonical text of an int address (as ``ip`` prints it)."""
    size = 4 if family == AF_INET else 16
    return socket.inet_ntop(_SOCK_AF[family], value.to_bytes(size, "big"))


def prefix_text(family: int, value: int, plen: int) -> str:
    """``10.0.0.0/8`` (``default`` for a zero-length prefix, as iproute2 writes it)."""
    if plen == 0:
        return "default"
    return f"{to_text(family, value)}/{plen}"


def in_prefix(family: int, addr: int, net: int, plen: int) -> bool:
    """Whether ``addr`` lies in ``net/plen``."""
    mask = MASKS[family][plen]
    return (addr & mask) == (net & mask)


# IPv4 classes the kernel tests (include/linux/in.h).
def v4_multicast(a: int) -> bool:
    """224.0.0.0/4."""
    return (a & 0xF0000000) == 0xE0000000


def v4_local_multicast(a: int) -> bool:
    """224.0.0.0/24: link-local multicast."""
    return (a & 0xFFFFFF00) == 0xE0000000


def v4_lbcast(a: int) -> bool:
    """255.255.255.255, the limited broadcast."""
    return a == 0xFFFFFFFF


def v4_zeronet(a: int) -> bool:
    """0.0.0.0/8."""
    return (a & 0xFF000000) == 0


def v4_loopback(a: int) -> bool:
    """127.0.0.0/8."""
    return (a & 0xFF000000) == 0x7F000000


# IPv6 address types (__ipv6_addr_type), only what routing and source selection need.
def v6_multicast(a: int) -> bool:
    """ff00::/8."""
    return (a >> 120) == 0xFF


def v6_linklocal(a: int) -> bool:
    """fe80::/10."""
    return (a >> 118) == 0x3FA


def v6_loopback(a: int) -> bool:
    """::1."""
    return a == 1


def v6_need_strict(a: int) -> bool:
    """rt6_need_strict: link-local, loopback or multicast destinations bind to an interface."""
    return v6_multicast(a) or v6_linklocal(a) or v6_loopback(a)


# IPV6_ADDR_SCOPE_* values as __ipv6_addr_src_scope returns them.
SCOPE6_NODELOCAL = 0x01
SCOPE6_LINKLOCAL = 0x02
SCOPE6_SITELOCAL = 0x05
SCOPE6_GLOBAL = 0x0E


def v6_scope(a: int) -> int:
    """The RFC 4291 scope of an address, as the kernel's source selection compares it."""
    if v6_multicast(a):
        return (a >> 112) & 0x0F
    if v6_loopback(a):
        return SCOPE6_LINKLOCAL  # __ipv6_addr_src_scope: loopback counts as link-local
    if v6_linklocal(a):
        return SCOPE6_LINKLOCAL
    if (a >> 118) == 0x3FB:  # fec0::/10
        return SCOPE6_SITELOCAL
    return SCOPE6_GLOBAL
