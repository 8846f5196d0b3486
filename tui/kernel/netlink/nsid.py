"""Which namespace an IFLA_LINK_NETNSID means: RTM_GETNSID asked with a namespace's file.

A link dump names the namespace of a veth's peer by a number local to the dumping namespace
(``peernet2id``).  The only exact way back to a namespace is to ask the dumping namespace
"what is your id for the namespace behind this file descriptor?" (``NETNSA_FD``) for each
candidate until the answer is the id sought; comparing peers' ifindexes is only a guess, since
ifindexes repeat across namespaces.  A query allocates nothing (ids are allocated when a link
dump first reports a peer).
"""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Iterable

from tui.kernel.netlink.const import NLM_F_REQUEST, NLMSG_ERROR, NLMSGHDR
from tui.kernel.netns import NetnsError, entered

RTM_NEWNSID = 88
RTM_GETNSID = 90
NETNSA_NSID = 1
NETNSA_FD = 3
NSID_NOT_ASSIGNED = -1
_REQUEST = struct.Struct("=IHHIIB3xHHI")  # nlmsghdr, rtgenmsg (padded), NETNSA_FD u32
_ATTR = struct.Struct("=HH")
_S32 = struct.Struct("=i")


def _ask(sock: socket.socket, seq: int, fd: int) -> int:
    """The id the socket's namespace gives the namespace open at ``fd`` (-1: none)."""
    sock.send(_REQUEST.pack(_REQUEST.size, RTM_GETNSID, NLM_F_REQUEST, seq, 0, 0, 8, NETNSA_FD, fd))
    while True:
        data = sock.recv(4096)
        off = 0
        while off + NLMSGHDR.size <= len(data):
            length, mtype, _flags, mseq, _pid = NLMSGHDR.unpack_from(data, off)
            if length < NLMSGHDR.size:
                return NSID_NOT_ASSIGNED
            if mseq == seq:
                if mtype == NLMSG_ERROR:
                    return NSID_NOT_ASSIGNED
                if mtype == RTM_NEWNSID:
                    return _nsid_attr(data[off + NLMSGHDR.size + 4 : off + length])
            off += (length + 3) & ~3


def _nsid_attr(attrs: bytes) -> int:
    off = 0
    while off + _ATTR.size <= len(attrs):
        alen, atype = _ATTR.unpack_from(attrs, off)
        if alen < _ATTR.size:
            break
        if atype & 0x3FFF == NETNSA_NSID and alen >= 8:
            return int(_S32.unpack_from(attrs, off + 4)[0])
        off += (alen + 3) & ~3
    return NSID_NOT_ASSIGNED


def nsid_map(
    path: str | None, wanted: Iterable[int], candidates: Iterable[tuple[int, str]]
) -> dict[int, int]:
    """``{nsid: inode}`` for the ``wanted`` ids of the namespace at ``path`` (None: ours),
    trying the ``candidates`` (inode, path to open) in order and stopping once all are found.
    Raises NetnsError when ``path`` cannot be entered; a candidate that has gone is skipped."""
    todo = set(wanted)
    found: dict[int, int] = {}
    if not todo:
        return found
    with entered(path):
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, 0)
    try:
        sock.bind((0, 0))
        for seq, (inode, cand) in enumerate(candidates, 1):
            try:
                fd = os.open(cand, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                nsid = _ask(sock, seq, fd)
            except OSError as exc:
                raise NetnsError(f"RTM_GETNSID failed: {exc.strerror or exc}") from exc
            finally:
                os.close(fd)
            if nsid in todo:
                found[nsid] = inode
                todo.discard(nsid)
                if not todo:
                    break
    finally:
        sock.close()
    return found
