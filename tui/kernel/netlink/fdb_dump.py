"""Dumping the vxlan forwarding entries (``bridge fdb show``'s ``dst`` lines) over a raw socket.

RTM_GETNEIGH with family AF_BRIDGE returns every bridge and vxlan FDB entry; only those with a
remote (NDA_DST) say where a vxlan sends a frame, so only those are kept.  The socket is opened
in the calling thread's namespace (see ``entered``).
"""

from __future__ import annotations

import socket
import struct

from tui.kernel.netlink.const import (
    NLATTR,
    NLM_F_DUMP,
    NLM_F_REQUEST,
    NLMSG_DONE,
    NLMSG_ERROR,
    NLMSGHDR,
    NLMSGHDR_LEN,
)
from tui.kernel.netlink.neigh_dump import NDMSG, RTM_GETNEIGH, RTM_NEWNEIGH, NeighDumpError
from tui.model import AF_INET, AF_INET6, FdbEntry

AF_BRIDGE = 7
NDA_DST = 1
NDA_LLADDR = 2
NDA_PORT = 6
NDA_VNI = 7
NDA_IFINDEX = 8
_RECV = 1 << 16
_SEQ = 0x5EED0000


def decode_fdb(payload: bytes | memoryview) -> FdbEntry | None:
    """One AF_BRIDGE RTM_NEWNEIGH body; None unless it names a remote (a vxlan entry)."""
    if len(payload) < NDMSG.size:
        return None
    family, _p1, _p2, ifindex, _state, _flags, _type = NDMSG.unpack_from(payload)
    if family != AF_BRIDGE:
        return None
    attrs: dict[int, bytes] = {}
    pos = NDMSG.size
    while pos + NLATTR.size <= len(payload):
        length, kind = NLATTR.unpack_from(payload, pos)
        if length < NLATTR.size or pos + length > len(payload):
            break
        attrs.setdefault(kind & 0x3FFF, bytes(payload[pos + NLATTR.size : pos + length]))
        pos += (length + 3) & ~3
    raw_dst, lladdr = attrs.get(NDA_DST), attrs.get(NDA_LLADDR)
    if raw_dst is None or len(raw_dst) not in (4, 16) or lladdr is None or len(lladdr) != 6:
        return None
    dst = socket.inet_ntop(AF_INET if len(raw_dst) == 4 else AF_INET6, raw_dst)
    port = attrs.get(NDA_PORT)
    vni = attrs.get(NDA_VNI)
    via = attrs.get(NDA_IFINDEX)
    return FdbEntry(
        ifindex=ifindex,
        lladdr=":".join(f"{b:02x}" for b in lladdr),
        dst=dst,
        vni=struct.unpack("=I", vni)[0] if vni is not None and len(vni) == 4 else None,
        port=struct.unpack("!H", port)[0] if port is not None and len(port) == 2 else None,
        via=struct.unpack("=I", via)[0] if via is not None and len(via) == 4 else None,
    )


def dump_fdb() -> tuple[FdbEntry, ...]:
    """The vxlan entries of the calling thread's namespace (kernel order)."""
    out: list[FdbEntry] = []
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as sock:
        body = NDMSG.pack(AF_BRIDGE, 0, 0, 0, 0, 0, 0)
        head = NLMSGHDR.pack(
            NLMSGHDR_LEN + len(body), RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, _SEQ, 0
        )
        sock.send(head + body)
        while True:
            data = memoryview(sock.recv(_RECV))
            pos = 0
            while pos + NLMSGHDR_LEN <= len(data):
                length, kind, _flags, seq, _pid = NLMSGHDR.unpack_from(data, pos)
                if length < NLMSGHDR_LEN or pos + length > len(data):
                    return tuple(out)
                body_view = data[pos + NLMSGHDR_LEN : pos + length]
                pos += (length + 3) & ~3
                if seq != _SEQ:
                    continue
                if kind == NLMSG_DONE:
                    return tuple(out)
                if kind == NLMSG_ERROR:
                    code = struct.unpack_from("=i", body_view)[0] if len(body_view) >= 4 else 0
                    if code:
                        raise NeighDumpError(-code, "RTM_GETNEIGH (AF_BRIDGE) dump refused")
                    return tuple(out)
                if kind == RTM_NEWNEIGH and (entry := decode_fdb(body_view)) is not None:
                    out.append(entry)
