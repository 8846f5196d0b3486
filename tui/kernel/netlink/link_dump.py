"""The routes through one link: a route dump the kernel filters by output device.

With strict checking (``NETLINK_GET_STRICT_CHK``, set by ``open_route_socket``) the kernel
honours ``RTA_OIF`` in a dump request and returns only the routes with a next hop on that
device, multipath ones included; an older kernel ignores it, so the result is filtered here
too.  This is how the monitor follows the changes the kernel makes without route events.
"""

from __future__ import annotations

import socket
import struct

from tui.kernel.netlink.const import NLM_F_DUMP, NLM_F_REQUEST, RTA_OIF, RTM_GETROUTE
from tui.kernel.netlink.route_codec import DecodeError, collect_routes
from tui.kernel.netlink.route_dump import RECV_BUFFER, next_seq
from tui.model import AF_INET, AF_INET6, RTM_F_CLONED, Route
from tui.store.identity import uses_link

_REQUEST = struct.Struct("=IHHIIBBBBBBBBI")  # nlmsghdr + rtmsg
_U32_ATTR = struct.Struct("=HHI")


def oif_request(family: int, seq: int, ifindex: int) -> bytes:
    """RTM_GETROUTE dump of ``family`` asking for the routes through ``ifindex`` only."""
    attr = _U32_ATTR.pack(8, RTA_OIF, ifindex)
    length = _REQUEST.size + len(attr)
    head = _REQUEST.pack(
        length, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, seq, 0, family, *(0,) * 8
    )
    return head + attr


def routes_through(sock: socket.socket, ifindex: int) -> list[Route]:
    """IPv4 and IPv6 routes (every table) with a next hop on ``ifindex``, dumped on ``sock``
    (a socket of the namespace).  Raises NetlinkError (ENODEV: the link has gone)."""
    buf = bytearray(RECV_BUFFER)
    out: list[Route] = []
    for family in (AF_INET, AF_INET6):
        seq = next_seq()
        sock.send(oif_request(family, seq, ifindex))
        done = False
        batch: list[Route] = []
        while not done:
            n = sock.recv_into(buf, len(buf), socket.MSG_TRUNC)
            if n > len(buf):
                raise DecodeError(f"netlink datagram of {n} bytes exceeds the buffer")
            done, _ = collect_routes(buf, n, seq, batch)
            out.extend(r for r in batch if not r.flags & RTM_F_CLONED and uses_link(r, ifindex))
            batch.clear()
    return out
