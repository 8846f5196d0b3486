"""The listing's raw RTM_NEWLINK decoder and dump walker on hand-built (and hostile) bytes."""

from __future__ import annotations

import struct

import pytest

from tui.kernel.netlink.route_codec import DecodeError, NetlinkError
from tui.kernel.netlink.summary import (
    IFLA_ADDRESS,
    IFLA_IFNAME,
    IFLA_INFO_KIND,
    IFLA_LINK,
    IFLA_LINK_NETNSID,
    IFLA_LINKINFO,
    IFLA_MASTER,
    IFLA_MTU,
    IFLA_OPERSTATE,
    RTM_NEWLINK,
    _walk,
    decode_link,
)

NLA_F_NESTED = 0x8000


def attr(kind: int, payload: bytes) -> bytes:
    raw = struct.pack("=HH", 4 + len(payload), kind) + payload
    return raw + b"\0" * (-len(raw) % 4)


def message(mtype: int, body: bytes, seq: int = 7, flags: int = 2) -> bytes:
    return struct.pack("=IHHII", 16 + len(body), mtype, flags, seq, 0) + body


def link_message(index: int, attrs: bytes, seq: int = 7) -> bytes:
    return message(RTM_NEWLINK, struct.pack("=BxHiII", 0, 1, index, 0x1043, 0) + attrs, seq)


def test_every_listing_field_is_decoded() -> None:
    attrs = (
        attr(IFLA_IFNAME, b"cali7\0")
        + attr(IFLA_MTU, struct.pack("=I", 1450))
        + attr(IFLA_LINK, struct.pack("=I", 4))
        + attr(IFLA_MASTER, struct.pack("=I", 9))
        + attr(IFLA_OPERSTATE, b"\x06")
        + attr(IFLA_ADDRESS, bytes.fromhex("ee00000000ff"))
        + attr(IFLA_LINKINFO | NLA_F_NESTED, attr(IFLA_INFO_KIND, b"veth\0"))
        + attr(IFLA_LINK_NETNSID, struct.pack("=i", 3))
    )
    buf = bytearray(link_message(12, attrs))
    link = decode_link(buf, 0, len(buf))
    assert (link.index, link.name, link.flags, link.mtu, link.kind) == (
        12,
        "cali7",
        0x1043,
        1450,
        "veth",
    )
    assert (link.link, link.master, link.link_netnsid) == (4, 9, 3)
    assert (link.operstate, link.address) == ("UP", "ee:00:00:00:00:ff")


def test_hostile_bytes_never_crash() -> None:
    name = attr(IFLA_IFNAME, b"x\xffy\x1b[2J\0")
    bad_len = struct.pack("=HH", 200, IFLA_MTU) + b"\0" * 4  # claims more than there is
    short_netnsid = attr(IFLA_LINK_NETNSID, b"\x01")  # too short for a u32: not read
    buf = bytearray(link_message(5, name + short_netnsid + bad_len))
    link = decode_link(buf, 0, len(buf))
    assert link.name == "x\udcffy\x1b[2J"  # kept as surrogate escapes (views escape it)
    assert link.link_netnsid is None and link.mtu == 0 and link.operstate == "UNKNOWN"
    nameless = bytearray(link_message(8, attr(IFLA_OPERSTATE, b"\x63")))
    assert decode_link(nameless, 0, len(nameless)).name == "if8"
    with pytest.raises(DecodeError):
        short = bytearray(message(RTM_NEWLINK, b"\0" * 4))
        decode_link(short, 0, len(short))


def test_walk_counts_only_its_sequence_and_stops_at_done() -> None:
    data = (
        link_message(1, b"", seq=7)
        + link_message(2, b"", seq=6)  # a stale answer: not counted
        + link_message(3, b"", seq=7)
        + message(3, struct.pack("=i", 0), seq=7)  # NLMSG_DONE
    )
    seen: list[int] = []
    count, done, interrupted = _walk(
        bytearray(data), len(data), 7, lambda b, off, n, t: seen.append(off)
    )
    assert (count, done, interrupted, len(seen)) == (2, True, False, 2)
    intr = link_message(1, b"", seq=7)
    intr = intr[:6] + struct.pack("=H", 2 | 0x10) + intr[8:]  # NLM_F_DUMP_INTR
    assert _walk(bytearray(intr), len(intr), 7, None) == (1, False, True)


def test_walk_raises_the_kernels_error_and_refuses_bad_lengths() -> None:
    err = message(2, struct.pack("=i", -95) + b"\0" * 16, seq=7)
    with pytest.raises(NetlinkError) as info:
        _walk(bytearray(err), len(err), 7, None)
    assert info.value.errno == 95
    bad = bytearray(link_message(1, b""))
    bad[0:4] = struct.pack("=I", 4000)
    with pytest.raises(DecodeError):
        _walk(bad, len(bad), 7, None)
