"""Struct-based decoder of nexthop object messages (RTM_NEWNEXTHOP / RTM_DELNEXTHOP) and of
resilient-group buckets (RTM_NEWNEXTHOPBUCKET), and their dumps over a raw socket.

A namespace holds few nexthop objects (thousands at most), so this is a plain attribute walk,
not the compiled shapes of the route decoder.  Every attribute is kept: the ones fibscope does
not decode go to ``NexthopObject.unknown`` as hex, so views show them and lookups through the
object can name them instead of guessing.  pyroute2 0.9 has no nexthop API at all.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import struct
from collections.abc import Iterator
from dataclasses import replace

from tui.kernel.netlink.const import (
    NHA_BLACKHOLE,
    NHA_ENCAP,
    NHA_ENCAP_TYPE,
    NHA_FDB,
    NHA_GATEWAY,
    NHA_GROUP,
    NHA_GROUP_TYPE,
    NHA_ID,
    NHA_MASTER,
    NHA_OIF,
    NHA_OP_FLAG_RESP_GRP_RESVD_0,
    NHA_OP_FLAGS,
    NHA_RES_BUCKET,
    NHA_RES_BUCKET_INDEX,
    NHA_RES_BUCKET_NH_ID,
    NHA_RES_GROUP,
    NHA_RES_GROUP_BUCKETS,
    NHA_RES_GROUP_IDLE_TIMER,
    NHA_RES_GROUP_UNBALANCED_TIME,
    NHA_RES_GROUP_UNBALANCED_TIMER,
    NHMSG,
    NHMSG_LEN,
    NLA_TYPE_MASK,
    NLATTR,
    NLM_F_DUMP,
    NLM_F_DUMP_INTR,
    NLM_F_REQUEST,
    NLMSG_DONE,
    NLMSG_ERROR,
    NLMSGHDR_LEN,
    RTM_DELNEXTHOP,
    RTM_GETNEXTHOP,
    RTM_GETNEXTHOPBUCKET,
    RTM_NEWNEXTHOP,
    RTM_NEWNEXTHOPBUCKET,
)
from tui.kernel.netlink.route_codec import DecodeError, NetlinkError, ReadableBuffer, _raise_error
from tui.kernel.netlink.route_dump import RECV_BUFFER, next_seq, open_route_socket
from tui.kernel.netlink.shared_objects import FAMILY_BY_LEN
from tui.model import NexthopGroupMember, NexthopObject, ResilientGroup

_HEAD = struct.Struct("=IHHI")  # nlmsg_len, nlmsg_type, nlmsg_flags, nlmsg_seq
_GROUP_ENTRY = struct.Struct("=IBBH")  # id, weight, weight_high (6.12+), resvd
_U16 = struct.Struct("=H")
_U32 = struct.Struct("=I")
_U64 = struct.Struct("=Q")
RETRIES = 5

NexthopEvent = tuple[bool, NexthopObject]  # (is RTM_NEWNEXTHOP, the object)


def _attrs(buf: ReadableBuffer, pos: int, end: int) -> Iterator[tuple[int, int, int]]:
    """(type, payload start, payload length) of each attribute in ``buf[pos:end]``."""
    while end - pos >= 4:
        nla_len, nla_type = NLATTR.unpack_from(buf, pos)
        if nla_len < 4 or pos + nla_len > end:
            raise DecodeError(f"bad nexthop attribute length {nla_len} at offset {pos}")
        yield nla_type & NLA_TYPE_MASK, pos + 4, nla_len - 4
        pos += (nla_len + 3) & ~3


def _u(st: struct.Struct, buf: ReadableBuffer, pos: int, plen: int) -> int | None:
    return int(st.unpack_from(buf, pos)[0]) if plen >= st.size else None


def _resilient(buf: ReadableBuffer, pos: int, end: int) -> ResilientGroup:
    values = {NHA_RES_GROUP_BUCKETS: 0, NHA_RES_GROUP_IDLE_TIMER: 0}
    values[NHA_RES_GROUP_UNBALANCED_TIMER] = values[NHA_RES_GROUP_UNBALANCED_TIME] = 0
    sizes = {
        NHA_RES_GROUP_BUCKETS: _U16,
        NHA_RES_GROUP_IDLE_TIMER: _U32,
        NHA_RES_GROUP_UNBALANCED_TIMER: _U32,
        NHA_RES_GROUP_UNBALANCED_TIME: _U64,
    }
    for kind, ppos, plen in _attrs(buf, pos, end):
        st = sizes.get(kind)
        if st is not None and (value := _u(st, buf, ppos, plen)) is not None:
            values[kind] = value
    return ResilientGroup(
        values[NHA_RES_GROUP_BUCKETS],
        values[NHA_RES_GROUP_IDLE_TIMER],
        values[NHA_RES_GROUP_UNBALANCED_TIMER],
        values[NHA_RES_GROUP_UNBALANCED_TIME],
    )


def decode_nexthop(buf: ReadableBuffer, offset: int, length: int) -> NexthopObject:
    """The nexthop object of the message of ``length`` bytes whose nlmsghdr is at ``offset``."""
    start = offset + NLMSGHDR_LEN
    end = offset + length
    if end - start < NHMSG_LEN or end > len(buf):
        raise DecodeError(f"nexthop message of {length} bytes at offset {offset} is truncated")
    family, scope, protocol, _resvd, flags = NHMSG.unpack_from(buf, start)
    fields: dict[str, object] = {}
    unknown: list[tuple[int, str]] = []
    raw_group: list[tuple[int, int, int]] = []
    op_flags = 0
    for kind, pos, plen in _attrs(buf, start + NHMSG_LEN, end):
        payload = bytes(buf[pos : pos + plen])
        if kind == NHA_ID and plen >= 4:
            fields["id"] = _U32.unpack_from(buf, pos)[0]
        elif kind == NHA_OIF and plen >= 4:
            fields["oif"] = _U32.unpack_from(buf, pos)[0]
        elif kind == NHA_MASTER and plen >= 4:
            fields["master"] = _U32.unpack_from(buf, pos)[0]
        elif kind == NHA_GATEWAY and plen in FAMILY_BY_LEN:
            fields["gateway"] = socket.inet_ntop(FAMILY_BY_LEN[plen], payload)
        elif kind == NHA_BLACKHOLE:
            fields["blackhole"] = True
        elif kind == NHA_FDB:
            fields["fdb"] = True
        elif kind == NHA_GROUP_TYPE and plen >= 2:
            fields["group_type"] = _U16.unpack_from(buf, pos)[0]
        elif kind == NHA_GROUP and plen and plen % _GROUP_ENTRY.size == 0:
            raw_group = [e[:3] for e in _GROUP_ENTRY.iter_unpack(payload)]
        elif kind == NHA_RES_GROUP:
            fields["resilient"] = _resilient(buf, pos, pos + plen)
        elif kind == NHA_ENCAP_TYPE and plen >= 2:
            fields["encap_type"] = _U16.unpack_from(buf, pos)[0]
        elif kind == NHA_ENCAP:
            fields["encap"] = payload.hex()
        elif kind == NHA_OP_FLAGS and plen >= 4:
            op_flags = _U32.unpack_from(buf, pos)[0]
        else:
            unknown.append((kind, payload.hex()))
    if "id" not in fields:
        raise DecodeError("nexthop message without NHA_ID")
    if raw_group:
        # weight_high is only meaningful when the kernel says so (6.12+, 16-bit weights).
        wide = bool(op_flags & NHA_OP_FLAG_RESP_GRP_RESVD_0)
        fields["group"] = tuple(
            NexthopGroupMember(nhid, ((high << 8 if wide else 0) | low) + 1)
            for nhid, low, high in raw_group
        )
    return NexthopObject(
        family=family,
        scope=scope,
        protocol=protocol,
        flags=flags,
        unknown=tuple(unknown),
        **fields,  # type: ignore[arg-type]
    )


def decode_bucket(buf: ReadableBuffer, offset: int, length: int) -> tuple[int, int, int] | None:
    """``(group id, bucket index, member id)`` of a RTM_NEWNEXTHOPBUCKET message (None when
    the message lacks one of them)."""
    start, end = offset + NLMSGHDR_LEN, offset + length
    if end - start < NHMSG_LEN or end > len(buf):
        raise DecodeError(f"nexthop bucket message of {length} bytes is truncated")
    group = index = member = None
    for kind, pos, plen in _attrs(buf, start + NHMSG_LEN, end):
        if kind == NHA_ID and plen >= 4:
            group = _U32.unpack_from(buf, pos)[0]
        elif kind == NHA_RES_BUCKET:
            for sub, spos, splen in _attrs(buf, pos, pos + plen):
                if sub == NHA_RES_BUCKET_INDEX and splen >= 2:
                    index = _U16.unpack_from(buf, spos)[0]
                elif sub == NHA_RES_BUCKET_NH_ID and splen >= 4:
                    member = _U32.unpack_from(buf, spos)[0]
    if group is None or index is None or member is None:
        return None
    return group, index, member


def iter_nexthop_messages(
    buf: ReadableBuffer, end: int, seq: int | None = None
) -> Iterator[tuple[int, int, int, int]]:
    """``(type, flags, offset, length)`` of each message of one datagram; NLMSG_ERROR with an
    errno and NLMSG_DONE carrying one raise NetlinkError; the walk stops after NLMSG_DONE.
    With ``seq``, messages of other sequence numbers are skipped."""
    off = 0
    while end - off >= NLMSGHDR_LEN:
        length, mtype, mflags, mseq = _HEAD.unpack_from(buf, off)
        if length < NLMSGHDR_LEN or off + length > end:
            raise DecodeError(f"bad netlink message length {length} at offset {off}")
        if seq is None or mseq == seq:
            if mtype in (NLMSG_ERROR, NLMSG_DONE):
                _raise_error(buf, off, length, mtype, mflags)
            yield mtype, mflags, off, length
            if mtype == NLMSG_DONE:
                return
        off += (length + 3) & ~3


def nexthop_events(buf: ReadableBuffer, end: int) -> list[NexthopEvent]:
    """The nexthop events of one monitor datagram (other messages skipped)."""
    out: list[NexthopEvent] = []
    for mtype, _flags, off, length in iter_nexthop_messages(buf, end):
        if mtype in (RTM_NEWNEXTHOP, RTM_DELNEXTHOP):
            out.append((mtype == RTM_NEWNEXTHOP, decode_nexthop(buf, off, length)))
    return out


def dump_request(mtype: int, seq: int) -> bytes:
    """A dump request of every nexthop object (or bucket), all families."""
    body = NHMSG.pack(0, 0, 0, 0, 0)
    return struct.pack("=IHHII", NLMSGHDR_LEN + len(body), mtype, NLM_F_REQUEST | NLM_F_DUMP,
                       seq, 0) + body  # fmt: skip


def _dump(sock: socket.socket, mtype: int) -> tuple[list[tuple[int, bytes]], bool]:
    """One dump: the raw messages ``(type, bytes)`` of our sequence, and "interrupted"."""
    seq = next_seq()
    sock.send(dump_request(mtype, seq))
    buf = bytearray(RECV_BUFFER)
    out: list[tuple[int, bytes]] = []
    interrupted = False
    while True:
        n = sock.recv_into(buf, len(buf), socket.MSG_TRUNC)
        if n > len(buf):
            raise DecodeError(f"netlink datagram of {n} bytes exceeds the buffer")
        for kind, flags, off, length in iter_nexthop_messages(buf, n, seq):
            interrupted |= bool(flags & NLM_F_DUMP_INTR)
            if kind == NLMSG_DONE:
                return out, interrupted
            out.append((kind, bytes(buf[off : off + length])))


def dump_nexthops(sock: socket.socket) -> tuple[NexthopObject, ...] | None:
    """Every nexthop object of the socket's namespace, in the kernel's order (by id), with
    the bucket tables of resilient groups; None when the kernel has no nexthop objects
    (EOPNOTSUPP and the like).  Raises NetlinkError for other kernel errors."""
    for attempt in range(RETRIES + 1):
        try:
            messages, interrupted = _dump(sock, RTM_GETNEXTHOP)
        except NetlinkError as exc:
            if exc.errno in (errno.EOPNOTSUPP, errno.EAFNOSUPPORT, errno.EPROTONOSUPPORT):
                return None
            raise
        if interrupted and attempt < RETRIES:
            continue
        objects = [decode_nexthop(m, 0, len(m)) for kind, m in messages if kind == RTM_NEWNEXTHOP]
        if any(o.resilient is not None for o in objects):
            objects = _with_buckets(sock, objects)
        return tuple(objects)
    return None  # pragma: no cover - the loop always returns


def _with_buckets(sock: socket.socket, objects: list[NexthopObject]) -> list[NexthopObject]:
    """Resilient groups with their bucket tables (left empty when the dump fails or is
    incomplete: lookups then say the bucket a flow hits is not known)."""
    tables: dict[int, dict[int, int]] = {}
    with contextlib.suppress(NetlinkError):
        messages, interrupted = _dump(sock, RTM_GETNEXTHOPBUCKET)
        if interrupted:
            return objects
        for kind, m in messages:
            if kind == RTM_NEWNEXTHOPBUCKET and (got := decode_bucket(m, 0, len(m))) is not None:
                group, index, member = got
                tables.setdefault(group, {})[index] = member
    out = []
    for obj in objects:
        table = tables.get(obj.id)
        res = obj.resilient
        if res is not None and table and sorted(table) == list(range(res.buckets)):
            obj = replace(obj, bucket_nhids=tuple(table[i] for i in range(res.buckets)))
        out.append(obj)
    return out


def read_nexthops(path: str | None = None) -> tuple[NexthopObject, ...] | None:
    """The nexthop objects of the namespace at ``path`` (None: the calling thread's own)."""
    with open_route_socket(path) as sock:
        return dump_nexthops(sock)


__all__ = [
    "NexthopEvent",
    "decode_bucket",
    "decode_nexthop",
    "dump_nexthops",
    "dump_request",
    "iter_nexthop_messages",
    "nexthop_events",
    "read_nexthops",
]
