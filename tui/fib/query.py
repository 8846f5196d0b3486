"""What the user asks: a frozen ``Query`` (the selectors of ``ip route get``), validated early.

Bad input must fail before any lookup with a one-line message (the CLI exits 2 on it), so every
field is checked and normalised here and the engine can trust the numbers it gets.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tui.model import AF_INET, AF_INET6
from tui.names import DSFIELD_NAMES

IPPROTO_ICMP = 1
IPPROTO_TCP = 6
IPPROTO_UDP = 17
IPPROTO_ICMPV6 = 58

_DSFIELD_BY_NAME = {name: value for value, name in DSFIELD_NAMES.items()}
_PROTO_NAMES = {"tcp": IPPROTO_TCP, "udp": IPPROTO_UDP, "sctp": 132, "icmpv6": 58, "ipv6-icmp": 58}


class QueryError(ValueError):
    """Unusable input: the message is one line, fit for stderr as is."""


def parse_int(name: str, value: object, low: int, high: int) -> int:
    """A number in decimal or 0x-hex text (or an int), within ``low..high``."""
    if isinstance(value, bool):
        raise QueryError(f"{name}: not a number: {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        try:
            number = int(value.strip(), 0)
        except ValueError:
            raise QueryError(f"{name}: not a number: {value!r}") from None
    else:
        raise QueryError(f"{name}: not a number: {value!r}")
    if not low <= number <= high:
        raise QueryError(f"{name}: {number} is out of range {low}..{high}")
    return number


def parse_proto(value: object, family: int) -> int:
    """tcp, udp, icmp (icmpv6 for an IPv6 query), sctp or a number 0..255."""
    if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
        name = value.strip().lower()
        if name == "icmp":
            return IPPROTO_ICMP if family == AF_INET else IPPROTO_ICMPV6
        if name in _PROTO_NAMES:
            return _PROTO_NAMES[name]
        raise QueryError(f"ipproto: unknown protocol {value!r} (tcp, udp, icmp or a number)")
    return parse_int("ipproto", value, 0, 255)


_PTON = {AF_INET: socket.AF_INET, AF_INET6: socket.AF_INET6}


def _addr(name: str, text: object) -> tuple[int, int, str]:
    """(family, int, canonical text) of an address; QueryError when it does not parse."""
    if not isinstance(text, str):
        raise QueryError(f"{name}: an address is needed, got {text!r}")
    family = AF_INET6 if ":" in text else AF_INET
    try:
        packed = socket.inet_pton(_PTON[family], text)
    except OSError:
        stripped = text.strip()
        if stripped and stripped != text:
            return _addr(name, stripped)
        if name == "destination" and _mpls_label(stripped):
            raise QueryError(
                f"destination: {stripped} is an MPLS label: MPLS routing (AF_MPLS) is shown by "
                "`routes --table all` but not looked up (IPv4 and IPv6 only)"
            ) from None
        raise QueryError(f"{name}: not an IP address: {text!r}") from None
    canonical = socket.inet_ntop(_PTON[family], packed)
    return family, int.from_bytes(packed, "big"), canonical


def _mpls_label(text: str) -> bool:
    """A bare label number (20 bits) or a label stack ``100/200`` as ``ip -f mpls`` writes it."""
    parts = text.split("/")
    if len(parts) > 8:
        return False
    return all(p.isascii() and p.isdigit() and len(p) <= 7 and int(p) < 1 << 20 for p in parts)


def _dev(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > 15 or "/" in value or " " in value:
        raise QueryError(f"{name}: not a device name: {value!r}")
    return value


def parse_tos(value: object) -> int:
    """A tos byte: a number (decimal or 0x-hex) or a DSCP class name of rt_dsfield as
    ``ip`` 6.1 accepts them (``AF41``, ``CS1``, ``EF``, ``default``; case-sensitive)."""
    if isinstance(value, str) and value.strip() in _DSFIELD_BY_NAME:
        return _DSFIELD_BY_NAME[value.strip()]
    try:
        return parse_int("tos", value, 0, 255)
    except QueryError:
        if isinstance(value, str) and not value.strip()[:1].isdigit():
            raise QueryError(
                f"tos: unknown name {value!r} (a number or a class such as AF41, CS1, EF)"
            ) from None
        raise


def parse_dscp(value: object) -> int:
    """A 6-bit DSCP: a number 0..63 or a class name (``AF41`` is 34), as a current
    iproute2's rtnl_dscp_a2n reads it."""
    if isinstance(value, str) and value.strip() in _DSFIELD_BY_NAME:
        return _DSFIELD_BY_NAME[value.strip()] >> 2
    try:
        return parse_int("dscp", value, 0, 63)
    except QueryError:
        if isinstance(value, str) and not value.strip()[:1].isdigit():
            raise QueryError(
                f"dscp: unknown name {value!r} (0..63 or a class such as AF41, CS1, EF)"
            ) from None
        raise


@dataclass(frozen=True, slots=True)
class Query:
    """One ``ip route get`` question. ``iif`` set: the input path; else the output path.

    ``ipproto`` None means what ``ip route get`` sends: the kernel then assumes UDP for IPv4.
    """

    dst: str
    src: str | None = None
    iif: str | None = None
    oif: str | None = None
    mark: int = 0
    tos: int = 0
    uid: int | None = None
    ipproto: int | None = None
    sport: int | None = None
    dport: int | None = None
    dscp: int | None = None  # the 6-bit DSCP: sets the tos byte's upper six bits
    flowlabel: int | None = None  # IPv6 flow label (RTA_FLOWLABEL)
    family: int = field(init=False)
    dst_int: int = field(init=False)
    src_int: int = field(init=False)

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__
        family, dst_int, dst = _addr("destination", self.dst)
        setattr_(self, "dst", dst)
        setattr_(self, "family", family)
        setattr_(self, "dst_int", dst_int)
        src_int = 0
        if self.src is not None:
            sfam, src_int, src = _addr("from", self.src)
            if sfam != family:
                raise QueryError(f"from {src} and destination {dst} are of different families")
            setattr_(self, "src", src)
        setattr_(self, "src_int", src_int)
        if self.iif is not None:
            setattr_(self, "iif", _dev("iif", self.iif))
        if self.oif is not None:
            setattr_(self, "oif", _dev("oif", self.oif))
        if self.mark.__class__ is not int or not 0 <= self.mark <= 0xFFFFFFFF:
            setattr_(self, "mark", parse_int("mark", self.mark, 0, 0xFFFFFFFF))
        if self.tos.__class__ is not int or not 0 <= self.tos <= 255:
            setattr_(self, "tos", parse_tos(self.tos))
        if self.dscp is not None:
            dscp = parse_dscp(self.dscp)
            if self.tos and self.tos & 0xFC != dscp << 2:
                raise QueryError(f"tos {self.tos:#x} and dscp {dscp} disagree")
            setattr_(self, "dscp", dscp)
            setattr_(self, "tos", (dscp << 2) | (self.tos & 0x3))
        if self.flowlabel is not None:
            if family != AF_INET6:
                raise QueryError("flowlabel: only IPv6 packets carry a flow label")
            setattr_(self, "flowlabel", parse_int("flowlabel", self.flowlabel, 0, 0xFFFFF))
        if self.uid is not None:
            setattr_(self, "uid", parse_int("uid", self.uid, 0, 0xFFFFFFFF))
        if self.ipproto is not None:
            setattr_(self, "ipproto", parse_proto(self.ipproto, family))
        for name in ("sport", "dport"):
            value = getattr(self, name)
            if value is not None:
                setattr_(self, name, parse_int(name, value, 0, 65535))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Query:
        """A query from a ``--batch`` line's object (keys as on the command line: ``from``...)."""
        known = {
            "dst",
            "from",
            "src",
            "iif",
            "oif",
            "mark",
            "tos",
            "uid",
            "ipproto",
            "sport",
            "dport",
            "dscp",
            "flowlabel",
        }
        unknown = sorted(set(data) - known)
        if unknown:
            raise QueryError(f"unknown key(s): {', '.join(unknown)}")
        if "dst" not in data:
            raise QueryError("dst is missing")
        if "from" in data and "src" in data:
            raise QueryError("give the source once: from or src, not both")
        src = data.get("from", data.get("src"))
        mark, tos = data.get("mark"), data.get("tos")  # null: unset; "" or false: an error
        return cls(
            dst=data["dst"],
            src=src,
            iif=data.get("iif"),
            oif=data.get("oif"),
            mark=0 if mark is None else mark,
            tos=0 if tos is None else tos,
            uid=data.get("uid"),
            ipproto=data.get("ipproto"),
            sport=data.get("sport"),
            dport=data.get("dport"),
            dscp=data.get("dscp"),
            flowlabel=data.get("flowlabel"),
        )

    @classmethod
    def parse(cls, dst: str, **selectors: object) -> Query:
        """A query from command-line text: numbers may be strings (``mark="0x10"``) and
        ``ipproto`` a name; ``src`` or ``from_`` give the source."""
        data: dict[str, Any] = {"dst": dst}
        for key, value in selectors.items():
            if value is not None:
                data["from" if key in ("src", "from_") else key] = value
        return cls.from_mapping(data)

    def to_json(self) -> dict[str, Any]:
        """The query as the ``query`` member of ``--json`` output (unset selectors left out)."""
        out: dict[str, Any] = {"dst": self.dst}
        for key, value in (
            ("from", self.src),
            ("iif", self.iif),
            ("oif", self.oif),
            ("uid", self.uid),
            ("ipproto", self.ipproto),
            ("sport", self.sport),
            ("dport", self.dport),
            ("dscp", self.dscp),
            ("flowlabel", self.flowlabel),
        ):
            if value is not None:
                out[key] = value
        if self.mark:
            out["mark"] = self.mark
        if self.tos:
            out["tos"] = self.tos
        return out

    def words(self) -> str:
        """The query in ``ip route get`` words, for headings and messages."""
        parts = [self.dst]
        for word, value in (("from", self.src), ("iif", self.iif), ("oif", self.oif)):
            if value is not None:
                parts += [word, value]
        if self.mark:
            parts += ["mark", hex(self.mark)]
        if self.tos:
            parts += ["tos", hex(self.tos)]
        for word, val in (
            ("uid", self.uid),
            ("ipproto", self.ipproto),
            ("sport", self.sport),
            ("dport", self.dport),
            ("flowlabel", self.flowlabel),
        ):
            if val is not None:
                parts += [word, str(val) if word != "flowlabel" else hex(val)]
        return " ".join(parts)


__all__ = ["AF_INET", "AF_INET6", "Query", "QueryError", "parse_int", "parse_proto"]
