"""Compiling the *shape* of a route message into one struct unpack and one generated builder.

Routes in a dump come in very few shapes: the same attributes, in the same order, with the
same lengths.  ``compile_shape`` walks one message of a shape, once, and produces
``build(buf, offset)``: a single ``struct.unpack_from`` over the whole rtmsg and its attributes
(nested metrics and multipath included), a check that every attribute header equals the
sample's (else ``None``: another shape), and straight-line code that fills the ``Route``.
No per-attribute Python loop runs for the other million messages.

Two tricks keep the builder near 0.5 µs: interned address text (a bounded dict), and filling a
mutable twin of the frozen dataclass then assigning ``__class__`` (the frozen ``__init__`` pays
``object.__setattr__`` per field: 1.5 µs), both in ``shared_objects``.
"""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Callable
from dataclasses import MISSING
from typing import Any

from tui.kernel.netlink.const import (
    NLA_TYPE_MASK,
    NLATTR,
    RTA_CACHEINFO,
    RTA_DST,
    RTA_ENCAP,
    RTA_ENCAP_TYPE,
    RTA_EXPIRES,
    RTA_FLOW,
    RTA_GATEWAY,
    RTA_METRICS,
    RTA_MULTIPATH,
    RTA_NH_ID,
    RTA_OIF,
    RTA_PREF,
    RTA_PREFSRC,
    RTA_PRIORITY,
    RTA_SRC,
    RTA_TABLE,
    RTA_VIA,
    RTAX_CC_ALGO,
    RTMSG_LEN,
)
from tui.kernel.netlink.shared_objects import (
    ADDRS,
    DEFAULT_DST,
    FAMILY_BY_LEN,
    HOPS,
    OCTET,
    OCTET_DOT,
    ROUTE_FIELDS,
    ROUTE_TWIN,
    V4_PREFIX,
    cstr,
    make_nexthop,
    twin_works,
)
from tui.model import Route, RouteExtras

ReadableBuffer = bytes | bytearray | memoryview
Builder = Callable[[ReadableBuffer, int], "Route | None"]

USER_HZ = os.sysconf("SC_CLK_TCK")  # rta_expires is in these ticks
_U32_FIELDS = {
    RTA_OIF: "oif",
    RTA_PRIORITY: "priority",
    RTA_TABLE: "table",  # the 32-bit id: overrides the 8-bit rtm_table
    RTA_NH_ID: "nhid",
    RTA_EXPIRES: "expires",  # seconds, as ``ip route add ... expires`` sends it
}
_ADDR_FIELDS = {RTA_GATEWAY: "gateway", RTA_PREFSRC: "prefsrc", RTA_SRC: "src"}
# Attributes an RTM_GETROUTE answer echoes from the request (RTA_IIF, RTA_MARK, RTA_UID,
# RTA_IP_PROTO, RTA_SPORT, RTA_DPORT, RTA_FLOWLABEL) and padding: nothing of the route.
ECHOED = frozenset({3, 16, 24, 25, 27, 28, 29, 31})
RTAX_LAST = 17  # RTAX_FASTOPEN_NO_COOKIE: the last metric iproute2 6.1 and fibscope know
_EXTRAS = ("realms", "encap", "unknown")  # fields of RouteExtras, built as one object
_ROUTE_TWIN_OK = twin_works(Route, ROUTE_TWIN)  # else the builders call Route()
NESTED = 1 << 16  # a nested attribute kept raw is numbered PARENT * NESTED + TYPE


class DecodeError(ValueError):
    """The bytes are not a well-formed netlink route message (truncated or bad lengths)."""


def _pad(n: int) -> str:
    return f"{n}x" if n > 0 else ""


class _Shape:
    """Walks one message once, writing the struct format and the builder's expressions."""

    def __init__(self, buf: ReadableBuffer, start: int, end: int) -> None:
        self.buf, self.start = buf, start
        self.fmt: list[str] = ["=BBBBBBBBI"]  # the rtmsg: values 0..8
        self.nvals = 9
        self.checks: list[int] = []  # indexes of header values that must equal the sample's
        self.nh_gateway = "None"
        self.nh_extra: dict[str, str] = {}
        self.unknown: list[str] = []  # "(type, vN.hex())" of attributes not understood
        self.encap_type: str | None = None
        self.encap_data: str | None = None
        self.nh_unknown: list[str] = []
        self.fields: dict[str, str] = {
            "family": "v0", "dst_len": "v1", "src_len": "v2", "tos": "v3",
            "table": "v4", "protocol": "v5", "scope": "v6", "type": "v7",
            "flags": "v8", "dst": "default_dst(v0, '')",
        }  # fmt: skip
        self.walk(start + RTMSG_LEN, end, self.route_attr)
        self.finish(self.fields, self.unknown)
        rare = [
            f"{k}={self.fields.pop(k)}" for k in ("realms", "encap", "unknown") if k in self.fields
        ]
        if rare:
            self.fields["extras"] = f"extras({', '.join(rare)})"

    def raw(self, nla_type: int, plen: int, into: list[str]) -> None:
        """Keep an attribute fibscope does not understand: its type and bytes."""
        i = self.val(f"{plen}s")
        into.append(f"({nla_type}, v{i}.hex()), ")

    def encap_part(self, nla_type: int, plen: int) -> bool:
        """RTA_ENCAP_TYPE (u16) or RTA_ENCAP (nested, kept as bytes); False: not one of them."""
        if nla_type == RTA_ENCAP_TYPE and plen == 2:
            self.encap_type = f"v{self.val('H')}"
        elif nla_type == RTA_ENCAP:
            self.encap_data = f"v{self.val(f'{plen}s')}.hex()"
        else:
            return False
        return True

    def finish(self, into: dict[str, str], unknown: list[str]) -> None:
        """The encap pair and the unknown attributes of a route or one next hop."""
        if self.encap_type is not None and self.encap_data is not None:
            into["encap"] = f"({self.encap_type}, {self.encap_data})"
        elif self.encap_type is not None:
            unknown.append(f"({RTA_ENCAP_TYPE}, ({self.encap_type}).to_bytes(2, 'little').hex()), ")
        elif self.encap_data is not None:
            unknown.append(f"({RTA_ENCAP}, {self.encap_data}), ")
        self.encap_type = self.encap_data = None
        if unknown:
            into["unknown"] = "(" + "".join(unknown) + ")"

    def val(self, code: str) -> int:
        """Append one value-producing code; returns its index in the unpacked tuple."""
        self.fmt.append(code)
        self.nvals += 1
        return self.nvals - 1

    def walk(self, pos: int, end: int, handle: Callable[[int, int, int], None]) -> None:
        """Attributes from ``pos`` to ``end``: each header is one checked 'I' (len | type<<16)."""
        while pos < end:
            if end - pos < 4:
                self.fmt.append(_pad(end - pos))
                return
            nla_len, nla_type = NLATTR.unpack_from(self.buf, pos)
            if nla_len < 4 or pos + nla_len > end:
                raise DecodeError(f"bad attribute length {nla_len} at offset {pos}")
            self.checks.append(self.val("I"))
            handle(nla_type & NLA_TYPE_MASK, pos + 4, nla_len - 4)
            nxt = min(pos + ((nla_len + 3) & ~3), end)
            self.fmt.append(_pad(nxt - pos - nla_len))
            pos = nxt

    def addr(self, plen: int, *, intern: bool = True) -> str | None:
        """An address payload; its text expression (None: odd length, skipped)."""
        if plen == 4 and not intern:
            i = self.val("2s")
            self.val("B")
            self.val("B")
            return f"v4_prefix[v{i}] + octet_dot[v{i + 1}] + octet[v{i + 2}]"
        if plen in (4, 16):
            i = self.val(f"{plen}s")
            return f"addrs[v{i}]" if intern else f"ntop({FAMILY_BY_LEN[plen]}, v{i})"
        self.fmt.append(_pad(plen))
        return None

    def via(self, plen: int) -> str | None:
        """RTA_VIA: ``rtvia_family`` then the address (its length tells the family)."""
        if plen - 2 in (4, 16):
            self.fmt.append("2x")
            return self.addr(plen - 2)
        self.fmt.append(_pad(plen))
        return None

    def route_attr(self, nla_type: int, ppos: int, plen: int) -> None:
        """One top-level route attribute."""
        f, expr = self.fields, None
        if nla_type == RTA_DST:
            if (expr := self.addr(plen, intern=False)) is not None:
                f["dst"] = expr
        elif nla_type in _ADDR_FIELDS:
            if (expr := self.addr(plen)) is not None:
                f[_ADDR_FIELDS[nla_type]] = expr
        elif nla_type == RTA_VIA:
            if (expr := self.via(plen)) is not None:
                f["gateway"] = expr
        elif nla_type in _U32_FIELDS and plen == 4:
            f[_U32_FIELDS[nla_type]] = f"v{self.val('I')}"
        elif nla_type == RTA_FLOW and plen == 4:
            f["realms"] = f"v{self.val('I')}"
        elif nla_type == RTA_PREF and plen == 1:
            f["pref"] = f"v{self.val('B')}"
        elif nla_type == RTA_CACHEINFO and plen >= 12:
            self.fmt.append("8x")  # rta_clntref, rta_lastuse
            e = f"v{self.val('i')}"  # rta_expires, USER_HZ ticks
            self.fmt.append(_pad(plen - 12))
            # iproute2 prints ticks / hz in C, which truncates toward zero.
            f["expires"] = f"(({e} // hz if {e} > 0 else -(-{e} // hz)) if {e} else None)"
        elif nla_type == RTA_METRICS:
            pairs: list[str] = []

            def metric(rtax: int, _ppos: int, nplen: int) -> None:
                if rtax > RTAX_LAST:  # a metric this fibscope does not know: kept raw
                    self.raw(NESTED * RTA_METRICS + rtax, nplen, self.unknown)
                elif rtax != RTAX_CC_ALGO and nplen == 4:
                    pairs.append(f"({rtax}, v{self.val('I')}), ")
                elif rtax == RTAX_CC_ALGO:  # the algorithm's name, NUL-terminated
                    pairs.append(f"({rtax}, cstr(v{self.val(f'{nplen}s')})), ")
                else:
                    self.raw(NESTED * RTA_METRICS + rtax, nplen, self.unknown)

            self.walk(ppos, ppos + plen, metric)
            f["metrics"] = "(" + "".join(pairs) + ")"
        elif nla_type == RTA_MULTIPATH:
            f["multipath"] = f"hops({self.multipath(ppos, ppos + plen)})"
        elif self.encap_part(nla_type, plen):
            pass
        elif nla_type in ECHOED or (nla_type == RTA_CACHEINFO and plen < 12):
            self.fmt.append(_pad(plen))
        else:
            self.raw(nla_type, plen, self.unknown)

    def multipath(self, pos: int, end: int) -> str:
        """``rtnexthop`` records (len, flags, hops, ifindex), each followed by attributes."""
        hops: list[str] = []
        route_encap = self.encap_type, self.encap_data  # a next hop's encap is its own
        self.encap_type = self.encap_data = None
        while end - pos >= 8:
            rtnh_len = NLATTR.unpack_from(self.buf, pos)[0]
            if rtnh_len < 8 or pos + rtnh_len > end:
                raise DecodeError(f"bad rtnexthop length {rtnh_len} at offset {pos}")
            self.checks.append(self.val("H"))
            flags, count, ifindex = self.val("B"), self.val("B"), self.val("i")
            nh_unknown: list[str] = []
            self.nh_gateway, self.nh_extra = "None", {}
            self.nh_unknown = nh_unknown
            self.walk(pos + 8, pos + rtnh_len, self.nexthop_attr)
            self.finish(self.nh_extra, nh_unknown)
            extra = "".join(f", {k}={v}" for k, v in self.nh_extra.items())
            hops.append(f"nh({self.nh_gateway}, v{ifindex}, v{count} + 1, v{flags}{extra}), ")
            nxt = min(pos + ((rtnh_len + 3) & ~3), end)
            self.fmt.append(_pad(nxt - pos - rtnh_len))
            pos = nxt
        self.fmt.append(_pad(end - pos))
        self.encap_type, self.encap_data = route_encap
        return "(" + "".join(hops) + ")"

    def nexthop_attr(self, nla_type: int, _ppos: int, plen: int) -> None:
        """An attribute inside one rtnexthop: the gateway (or via) is what we keep."""
        expr = None
        if nla_type == RTA_GATEWAY and plen in (4, 16):
            expr = self.addr(plen)
        elif nla_type == RTA_VIA and plen - 2 in (4, 16):
            expr = self.via(plen)
        elif nla_type == RTA_FLOW and plen == 4:
            self.nh_extra["realms"] = f"v{self.val('I')}"
        elif not self.encap_part(nla_type, plen):
            self.raw(nla_type, plen, self.nh_unknown)
        if expr is not None:
            self.nh_gateway = expr

    def source(self, sample: tuple[Any, ...]) -> str:
        """The builder's Python source, header checks pinned to the sample's values."""
        cond = " or ".join(f"v{i} != {sample[i]!r}" for i in self.checks) or "False"
        exprs = []
        for fld in ROUTE_FIELDS:
            default = fld.default if fld.default is not MISSING else None
            exprs.append((fld.name, self.fields.get(fld.name, repr(default))))
        names = "".join(f"v{i}, " for i in range(self.nvals))
        lines = ["def build(buf, off):", f"    {names}= unpack(buf, off)", f"    if {cond}:"]
        lines.append("        return None")
        if _ROUTE_TWIN_OK:
            lines.append("    o = new(twin)")
            lines += [f"    o.{name} = {expr}" for name, expr in exprs]
            lines += ["    o.__class__ = Route", "    return o"]
        else:
            lines.append(f"    return Route({', '.join(expr for _, expr in exprs)})")
        return "\n".join(lines)


Shape = _Shape  # the walk of one message, for other generated decoders (``route_runs``)


def compile_shape(buf: ReadableBuffer, start: int, end: int) -> Builder:
    """The builder for the shape of the route message whose rtmsg spans ``start:end``."""
    shape = _Shape(buf, start, end)
    unpacker = struct.Struct("".join(shape.fmt))
    env = shape_env(unpacker.unpack_from)
    exec(shape.source(unpacker.unpack_from(buf, start)), env)
    build: Builder = env["build"]
    return build


def shape_env(unpack: Callable[..., tuple[Any, ...]]) -> dict[str, Any]:
    """The names a generated builder (or run, ``route_runs``) uses, ``unpack`` its struct's."""
    return {
        "unpack": unpack,
        "new": object.__new__,
        "twin": ROUTE_TWIN,
        "Route": Route,
        "extras": RouteExtras,
        "nh": make_nexthop,
        "cstr": cstr,
        "hops": HOPS,
        "ntop": socket.inet_ntop,
        "addrs": ADDRS,
        "v4_prefix": V4_PREFIX,
        "octet": OCTET,
        "octet_dot": OCTET_DOT,
        "default_dst": DEFAULT_DST.get,
        "hz": USER_HZ,
    }
