"""What ``fibscope namespaces`` shows of a namespace, read without building its routes.

A namespace with a million routes is listed by its counts, so its routes are only counted: a
walk over the raw dump datagrams reading each message's header (no Route objects, constant
memory).  Rules are counted the same way; links are decoded from raw RTM_NEWLINK bytes, only
the fields the listing needs (name, kind, the veth peer's ifindex and namespace id).  One plain
netlink socket per namespace, no pyroute2: listing 250 namespaces costs a few milliseconds each.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass

from tui.kernel.netlink.const import NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST, NLMSGHDR_LEN
from tui.kernel.netlink.route_codec import DecodeError, NetlinkError
from tui.kernel.netlink.route_dump import RECV_BUFFER, dump_request, next_seq, open_route_socket
from tui.model import AF_INET, AF_INET6, Link

RTM_NEWLINK = 16
RTM_GETLINK = 18
RTM_NEWROUTE = 24
RTM_NEWRULE = 32
RTM_GETRULE = 34
NLMSG_ERROR = 2
NLMSG_DONE = 3
IFLA_ADDRESS = 1
IFLA_IFNAME = 3
IFLA_MTU = 4
IFLA_LINK = 5
IFLA_MASTER = 10
IFLA_OPERSTATE = 16
IFLA_LINKINFO = 18
IFLA_INFO_KIND = 1
IFLA_LINK_NETNSID = 37
NLA_TYPE_MASK = 0x3FFF
OPERSTATES = ("UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP")

_LINK_REQUEST = struct.Struct("=IHHIIBxHiII")  # nlmsghdr + ifinfomsg
_RULE_REQUEST = struct.Struct("=IHHIIBBBBBBBBI")  # nlmsghdr + fib_rule_hdr
_IFINFO = struct.Struct("=BxHiII")
_ATTR = struct.Struct("=HH")
_U32 = struct.Struct("=I")
_S32 = struct.Struct("=i")


@dataclass(frozen=True)
class Counts:
    """The numbers one namespace line shows."""

    routes4: int = 0
    routes6: int = 0
    rules4: int = 0
    rules6: int = 0
    links: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "routes4": self.routes4,
            "routes6": self.routes6,
            "rules4": self.rules4,
            "rules6": self.rules6,
            "links": self.links,
        }


# handle(buf, offset, length, type) for each message of the dump's sequence number.
Handler = Callable[[bytearray, int, int, int], None]


def _walk(buf: bytearray, end: int, seq: int, handle: Handler | None) -> tuple[int, bool, bool]:
    """Count the non-control messages of ``seq`` in ``buf[:end]`` (``handle`` sees each);
    returns ``(count, done, interrupted)``; NetlinkError for the kernel's error.

    The headers are read as native 32-bit words (messages are 4-byte aligned): a million
    messages are walked in a fraction of the time ``struct`` takes."""
    off = 0
    count = 0
    interrupted = False
    with memoryview(buf)[: end & ~3] as raw, raw.cast("I") as words:
        while end - off >= NLMSGHDR_LEN:
            i = off >> 2
            length = words[i]
            if length < NLMSGHDR_LEN or off + length > end:
                raise DecodeError(f"bad netlink message length {length} at offset {off}")
            if words[i + 2] == seq:
                type_flags = words[i + 1]
                mtype = type_flags & 0xFFFF
                if mtype == NLMSG_DONE or mtype == NLMSG_ERROR:  # noqa: SIM109
                    err = _S32.unpack_from(buf, off + NLMSGHDR_LEN)[0] if length >= 20 else 0
                    if err < 0:
                        raise NetlinkError(-err, "netlink dump failed")
                    if mtype == NLMSG_DONE:
                        intr = bool(type_flags >> 16 & NLM_F_DUMP_INTR)
                        return count, True, interrupted or intr
                else:
                    count += 1
                    if type_flags >> 16 & NLM_F_DUMP_INTR:
                        interrupted = True
                    if handle is not None:
                        handle(buf, off, length, mtype)
            off += (length + 3) & ~3
    return count, False, interrupted


def _dump(
    sock: socket.socket, request: bytes, seq: int, buf: bytearray, handle: Handler | None
) -> tuple[int, bool]:
    """Send one dump request and walk its answer to NLMSG_DONE: ``(messages, interrupted)``."""
    sock.send(request)
    total = 0
    done = interrupted = False
    while not done:
        n = sock.recv_into(buf, len(buf), socket.MSG_TRUNC)
        if n > len(buf):
            raise DecodeError(f"netlink datagram of {n} bytes exceeds the {len(buf)} byte buffer")
        count, done, intr = _walk(buf, n, seq, handle)
        total += count
        interrupted |= intr
    return total, interrupted


def count_routes(sock: socket.socket, family: int, buf: bytearray, retries: int = 5) -> int:
    """The route messages of one family's dump (every table, cloned entries too, as
    ``read_netns`` keeps them).  A dump the kernel flags as interrupted by a concurrent change
    is counted again, up to ``retries`` times; the last count stands (a listing is a glance)."""
    for _ in range(retries):
        seq = next_seq()
        count, interrupted = _dump(sock, dump_request(family, seq), seq, buf, None)
        if not interrupted:
            break
    return count


def _attrs(buf: bytearray, pos: int, end: int) -> dict[int, tuple[int, int]]:
    """``{type: (start, end)}`` of each attribute's payload (the first of a type wins); a bad
    length ends the walk."""
    out: dict[int, tuple[int, int]] = {}
    while end - pos >= 4:
        alen, atype = _ATTR.unpack_from(buf, pos)
        if alen < 4 or pos + alen > end:
            break
        out.setdefault(atype & NLA_TYPE_MASK, (pos + 4, pos + alen))
        pos += (alen + 3) & ~3
    return out


def _text(buf: bytearray, span: tuple[int, int]) -> str:
    return bytes(buf[span[0] : span[1]]).split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


def _u32(buf: bytearray, span: tuple[int, int] | None, signed: bool = False) -> int | None:
    if span is None or span[1] - span[0] < 4:
        return None
    return int((_S32 if signed else _U32).unpack_from(buf, span[0])[0])


def decode_link(buf: bytearray, offset: int, length: int) -> Link:
    """The listing's fields of one RTM_NEWLINK message (no per-device sysctls)."""
    start = offset + NLMSGHDR_LEN
    if length < NLMSGHDR_LEN + _IFINFO.size:
        raise DecodeError(f"link message of {length} bytes is truncated")
    _family, _type, index, flags, _change = _IFINFO.unpack_from(buf, start)
    attrs = _attrs(buf, start + _IFINFO.size, offset + length)
    name = _text(buf, attrs[IFLA_IFNAME]) if IFLA_IFNAME in attrs else f"if{index}"
    kind = None
    if IFLA_LINKINFO in attrs:
        info = _attrs(buf, *attrs[IFLA_LINKINFO])
        if IFLA_INFO_KIND in info:
            kind = _text(buf, info[IFLA_INFO_KIND])
    address = None
    if IFLA_ADDRESS in attrs:
        a, b = attrs[IFLA_ADDRESS]
        address = ":".join(f"{byte:02x}" for byte in buf[a:b])
    operstate = "UNKNOWN"
    if IFLA_OPERSTATE in attrs:
        a, b = attrs[IFLA_OPERSTATE]
        if b > a and buf[a] < len(OPERSTATES):
            operstate = OPERSTATES[buf[a]]
    return Link(
        index=index,
        name=name or f"if{index}",
        flags=flags,
        operstate=operstate,
        kind=kind,
        master=_u32(buf, attrs.get(IFLA_MASTER)),
        mtu=_u32(buf, attrs.get(IFLA_MTU)) or 0,
        address=address,
        link=_u32(buf, attrs.get(IFLA_LINK)),
        link_netnsid=_u32(buf, attrs.get(IFLA_LINK_NETNSID), signed=True),
    )


def read_links(sock: socket.socket, buf: bytearray) -> tuple[Link, ...]:
    """Every link of the socket's namespace (listing fields only)."""
    links: list[Link] = []

    def handle(data: bytearray, off: int, length: int, mtype: int) -> None:
        if mtype == RTM_NEWLINK:
            links.append(decode_link(data, off, length))

    seq = next_seq()
    request = _LINK_REQUEST.pack(
        _LINK_REQUEST.size, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, seq, 0, 0, 0, 0, 0, 0
    )
    _dump(sock, request, seq, buf, handle)
    return tuple(links)


def count_rules(sock: socket.socket, family: int, buf: bytearray) -> int:
    """The policy rules of one family."""
    counted = 0

    def handle(_data: bytearray, _off: int, _length: int, mtype: int) -> None:
        nonlocal counted
        counted += mtype == RTM_NEWRULE

    seq = next_seq()
    request = _RULE_REQUEST.pack(
        _RULE_REQUEST.size, RTM_GETRULE, NLM_F_REQUEST | NLM_F_DUMP, seq, 0, family, *(0,) * 8
    )
    _dump(sock, request, seq, buf, handle)
    return counted


def read_summary(path: str | None) -> tuple[tuple[Link, ...], Counts]:
    """The links and counts of the namespace at ``path`` (None: our own).

    Raises NetnsError when it cannot be entered, OSError (NetlinkError) when a dump fails.
    """
    buf = bytearray(RECV_BUFFER)
    with open_route_socket(path, rcvbuf=1 << 20) as sock:
        links = read_links(sock, buf)
        rules4 = count_rules(sock, AF_INET, buf)
        rules6 = count_rules(sock, AF_INET6, buf)
        routes4 = count_routes(sock, AF_INET, buf)
        routes6 = count_routes(sock, AF_INET6, buf)
    counts = Counts(
        routes4=routes4,
        routes6=routes6,
        rules4=rules4,
        rules6=rules6,
        links=len(links),
    )
    return links, counts


def read_link_list(path: str | None) -> tuple[Link, ...]:
    """The links of the namespace at ``path`` alone (listing fields)."""
    with open_route_socket(path, rcvbuf=1 << 20) as sock:
        return read_links(sock, bytearray(RECV_BUFFER))
