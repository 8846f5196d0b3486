"""Asking the kernel itself where a packet would go: RTM_GETROUTE, as ``ip route get`` does.

pyroute2's ``route('get')`` does not send uid, ipproto or ports, so the request is built here
with every selector and the answer decoded by the route codec.
"""

from __future__ import annotations

import errno
import socket
import struct

from tui.kernel.netlink.const import (
    NLM_F_REQUEST,
    NLMSG_ERROR,
    RTA_DST,
    RTA_IIF,
    RTA_OIF,
    RTA_SRC,
    RTM_GETROUTE,
    RTM_NEWROUTE,
)
from tui.kernel.netlink.route_codec import (
    NetlinkError,
    iter_messages,
)
from tui.kernel.netlink.route_dump import RECV_BUFFER, next_seq, open_route_socket
from tui.model import AF_INET6
from tui.source.kernel import KernelAnswer, RouteRequest

RTA_MARK = 16
RTA_UID = 25
RTA_IP_PROTO = 27
RTA_SPORT = 28
RTA_DPORT = 29
RTA_FLOWLABEL = 31  # be32, IPv6 only (kernel 6.12+)
RTM_F_LOOKUP_TABLE = 0x1000  # IPv4: report the table the lookup used (not always main)
RTM_F_FIB_MATCH = 0x2000  # the routing table entry that matched, not the route taken
_HEAD = struct.Struct("=IHHIIBBBBBBBBI")


def _attr(kind: int, payload: bytes) -> bytes:
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


def build_request(seq: int, request: RouteRequest) -> bytes:
    """The RTM_GETROUTE request bytes for these selectors."""
    family, dst, src = request.family, request.dst, request.src
    iif, oif, mark, uid = request.iif, request.oif, request.mark, request.uid
    ipproto, sport, dport = request.ipproto, request.sport, request.dport
    flowlabel = request.flowlabel
    bits = 128 if family == AF_INET6 else 32
    attrs = _attr(RTA_DST, socket.inet_pton(family, dst))
    if src is not None:
        attrs += _attr(RTA_SRC, socket.inet_pton(family, src))
    if iif is not None:
        attrs += _attr(RTA_IIF, struct.pack("=I", iif))
    if oif is not None:
        attrs += _attr(RTA_OIF, struct.pack("=I", oif))
    if mark is not None:
        attrs += _attr(RTA_MARK, struct.pack("=I", mark))
    if uid is not None:
        attrs += _attr(RTA_UID, struct.pack("=I", uid))
    if ipproto is not None:
        attrs += _attr(RTA_IP_PROTO, struct.pack("=B", ipproto))
    if sport is not None:
        attrs += _attr(RTA_SPORT, struct.pack("!H", sport))
    if dport is not None:
        attrs += _attr(RTA_DPORT, struct.pack("!H", dport))
    if flowlabel is not None:
        attrs += _attr(RTA_FLOWLABEL, struct.pack("!I", flowlabel))
    src_len = bits if src is not None else 0
    # A strict-checking socket (NETLINK_GET_STRICT_CHK) gets EINVAL for any flag its family
    # does not know: inet6_rtm_valid_getroute_req allows RTM_F_FIB_MATCH only, the IPv4 one
    # RTM_F_NOTIFY, RTM_F_LOOKUP_TABLE and RTM_F_FIB_MATCH.  IPv6 always reports the table.
    flags = RTM_F_LOOKUP_TABLE if family != AF_INET6 else 0
    if request.fibmatch:
        flags |= RTM_F_FIB_MATCH
    length = _HEAD.size + len(attrs)
    head = _HEAD.pack(
        length,
        RTM_GETROUTE,
        NLM_F_REQUEST,
        seq,
        0,
        family,
        bits,
        src_len,
        request.tos,
        0,
        0,
        0,
        0,
        flags,
    )
    return head + attrs


def route_get(path: str | None, request: RouteRequest) -> KernelAnswer:
    """Ask the kernel of the namespace at ``path``; OSError/NetnsError if it cannot be asked."""
    seq = next_seq()
    with open_route_socket(path, rcvbuf=1 << 20) as sock:
        sock.send(build_request(seq, request))
        buf = bytearray(RECV_BUFFER)
        while True:
            n = sock.recv_into(buf, len(buf))
            try:
                for mtype, _flags, route in iter_messages(buf, n, seq=seq):
                    if mtype == RTM_NEWROUTE and route is not None:
                        return KernelAnswer(route, None)
                    if mtype == NLMSG_ERROR:
                        continue
            except NetlinkError as exc:
                return KernelAnswer(None, exc.errno or errno.EINVAL)
