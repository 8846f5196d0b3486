"""Dumping the neighbour tables (ARP and NDISC, proxy entries too) over a raw socket.

The kernel's multipath choice with ``fib_multipath_use_neigh`` and its choice among default
routes of equal metric (``fib_select_default``) read neighbour states, so a capture holds the
table.  pyroute2 turns ``ndm_flags`` into a client-side filter and cannot ask for the proxy
table (``neigh_dump_info`` dumps it only when the request's ``ndm_flags`` is NTF_PROXY), so the
request is built here: one ``RTM_GETNEIGH`` dump per family and per table, decoded with
``struct``.  The socket is opened in the calling thread's namespace (see ``entered``).
"""

from __future__ import annotations

import itertools
import socket
import struct
from collections.abc import Iterator

from tui.kernel.netlink.const import (
    NLATTR,
    NLM_F_DUMP,
    NLM_F_REQUEST,
    NLMSG_DONE,
    NLMSG_ERROR,
    NLMSGHDR,
    NLMSGHDR_LEN,
)
from tui.model import AF_INET, AF_INET6, NTF_PROXY, Neighbour

RTM_NEWNEIGH = 28
RTM_GETNEIGH = 30
NDA_DST = 1
NDA_LLADDR = 2
NDMSG = struct.Struct("=BBHiHBB")  # family pad1 pad2 ifindex state flags type
_SEQ = itertools.count(1)
_RECV = 1 << 16


class NeighDumpError(OSError):
    """The kernel refused the dump (its errno is kept)."""


def _lladdr(raw: bytes) -> str:
    """``02:00:00:00:00:05`` as ``ip neigh`` prints a link-layer address."""
    return ":".join(f"{b:02x}" for b in raw)


def _decode(payload: memoryview) -> Neighbour | None:
    """One RTM_NEWNEIGH message body; None for a family this reader does not keep."""
    if len(payload) < NDMSG.size:
        return None
    family, _p1, _p2, ifindex, state, flags, _type = NDMSG.unpack_from(payload)
    if family not in (AF_INET, AF_INET6):
        return None
    dst: str | None = None
    lladdr: str | None = None
    pos = NDMSG.size
    while pos + NLATTR.size <= len(payload):
        length, kind = NLATTR.unpack_from(payload, pos)
        if length < NLATTR.size or pos + length > len(payload):
            break
        value = bytes(payload[pos + NLATTR.size : pos + length])
        kind &= 0x3FFF
        if kind == NDA_DST and len(value) in (4, 16):
            dst = socket.inet_ntop(AF_INET if len(value) == 4 else AF_INET6, value)
        elif kind == NDA_LLADDR and value:
            lladdr = _lladdr(value)
        pos += (length + 3) & ~3
    if dst is None:
        return None
    return Neighbour(
        family=family,
        ifindex=ifindex,
        dst=dst,
        state=state,
        flags=flags,
        lladdr=lladdr,
        proxy=bool(flags & NTF_PROXY),
    )


def _dump(sock: socket.socket, family: int, proxy: bool) -> Iterator[Neighbour]:
    seq = next(_SEQ)
    body = NDMSG.pack(family, 0, 0, 0, 0, NTF_PROXY if proxy else 0, 0)
    head = NLMSGHDR.pack(NLMSGHDR_LEN + len(body), RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, seq, 0)
    sock.send(head + body)
    while True:
        data = memoryview(sock.recv(_RECV))
        pos = 0
        while pos + NLMSGHDR_LEN <= len(data):
            length, kind, _flags, got_seq, _pid = NLMSGHDR.unpack_from(data, pos)
            if length < NLMSGHDR_LEN or pos + length > len(data):
                return
            body_view = data[pos + NLMSGHDR_LEN : pos + length]
            pos += (length + 3) & ~3
            if got_seq != seq:
                continue
            if kind == NLMSG_DONE:
                return
            if kind == NLMSG_ERROR:
                code = struct.unpack_from("=i", body_view)[0] if len(body_view) >= 4 else 0
                if code:
                    raise NeighDumpError(-code, "RTM_GETNEIGH dump refused")
                return
            if kind == RTM_NEWNEIGH:
                entry = _decode(body_view)
                if entry is not None:
                    yield entry


def dump_neighbours() -> tuple[Neighbour, ...]:
    """Every IPv4 and IPv6 neighbour entry, then the proxy entries, of the calling thread's
    namespace (kernel order within each dump)."""
    out: list[Neighbour] = []
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as sock:
        for proxy in (False, True):
            for family in (AF_INET, AF_INET6):
                out.extend(_dump(sock, family, proxy))
    return tuple(out)
