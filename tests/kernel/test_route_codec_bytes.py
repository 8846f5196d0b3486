"""The decoder on hand-made messages: the cases a live kernel rarely produces.

Messages without RTA_TABLE or RTA_DST, two shapes of one length, errors with extended-ack text,
interrupted dumps, truncation, expired cache entries, strings inside metrics.
"""

from __future__ import annotations

import dataclasses
import errno
import socket
import struct

import pytest

from tui.kernel.netlink import route_shapes
from tui.kernel.netlink.const import (
    NLM_F_ACK_TLVS,
    NLM_F_DUMP_INTR,
    NLM_F_MULTI,
    NLMSG_DONE,
    NLMSG_ERROR,
    RTA_CACHEINFO,
    RTA_DST,
    RTA_EXPIRES,
    RTA_GATEWAY,
    RTA_METRICS,
    RTA_MULTIPATH,
    RTA_OIF,
    RTA_PREFSRC,
    RTA_TABLE,
    RTA_VIA,
    RTM_DELROUTE,
    RTM_NEWROUTE,
)
from tui.kernel.netlink.route_codec import (
    USER_HZ,
    DecodeError,
    NetlinkError,
    collect_routes,
    decode_route,
    iter_messages,
)
from tui.model import AF_INET, AF_INET6, Nexthop, Route

NLA_F_NESTED = 0x8000


def attr(kind: int, payload: bytes) -> bytes:
    """One netlink attribute, padded to 4 bytes."""
    raw = struct.pack("=HH", 4 + len(payload), kind) + payload
    return raw + b"\0" * (-len(raw) % 4)


def u32(kind: int, value: int) -> bytes:
    return attr(kind, struct.pack("=I", value))


def addr(kind: int, text: str) -> bytes:
    family = socket.AF_INET6 if ":" in text else socket.AF_INET
    return attr(kind, socket.inet_pton(family, text))


def message(
    *attrs: bytes,
    family: int = AF_INET,
    dst_len: int = 24,
    table: int = 254,
    rtype: int = 1,
    mtype: int = RTM_NEWROUTE,
    flags: int = NLM_F_MULTI,
    seq: int = 1,
) -> bytes:
    """A route message: nlmsghdr, rtmsg, attributes."""
    body = struct.pack("=BBBBBBBBI", family, dst_len, 0, 0, table, 3, 0, rtype, 0) + b"".join(attrs)
    return struct.pack("=IHHII", 16 + len(body), mtype, flags, seq, 0) + body


def done(error: int = 0, *, flags: int = NLM_F_MULTI, seq: int = 1, tail: bytes = b"") -> bytes:
    body = struct.pack("=i", error) + tail
    return struct.pack("=IHHII", 16 + len(body), NLMSG_DONE, flags, seq, 0) + body


def decode(msg: bytes) -> Route:
    return decode_route(msg, 0, len(msg))


def test_header_table_and_default_dst_when_attributes_are_absent() -> None:
    r4 = decode(message(u32(RTA_OIF, 2), dst_len=0, table=100))
    assert (r4.table, r4.dst, r4.dst_len, r4.oif) == (100, "0.0.0.0", 0, 2)
    r6 = decode(message(family=AF_INET6, dst_len=0, table=254))
    assert (r6.dst, r6.table, r6.gateway) == ("::", 254, None)


def test_rta_table_overrides_the_8bit_field() -> None:
    assert decode(message(u32(RTA_TABLE, 4000000000), table=252)).table == 4000000000


def test_same_length_different_shapes_do_not_mix() -> None:
    """Gateway and prefsrc routes have equal lengths: the header check tells them apart."""
    via = message(addr(RTA_DST, "10.0.0.0"), addr(RTA_GATEWAY, "192.0.2.1"))
    src = message(addr(RTA_DST, "10.0.1.0"), addr(RTA_PREFSRC, "192.0.2.9"))
    assert len(via) == len(src)
    for _ in range(2):  # second round: both shapes cached under one length
        a, b = decode(via), decode(src)
        assert (a.gateway, a.prefsrc, a.dst) == ("192.0.2.1", None, "10.0.0.0")
        assert (b.gateway, b.prefsrc, b.dst) == (None, "192.0.2.9", "10.0.1.0")


def test_decoded_route_is_a_real_frozen_route() -> None:
    r = decode(message(addr(RTA_DST, "10.9.8.0"), addr(RTA_GATEWAY, "192.0.2.1")))
    assert type(r) is Route
    twin = Route(AF_INET, 254, 1, "10.9.8.0", 24, protocol=3, gateway="192.0.2.1")
    assert r == twin and hash(r) == hash(twin)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.dst = "x"  # type: ignore[misc]


def test_plain_constructor_fallback_gives_equal_routes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the twin trick (another Python, a changed model) the builder calls Route()."""
    msg = message(addr(RTA_DST, "10.7.0.0"), addr(RTA_GATEWAY, "192.0.2.7"), u32(RTA_OIF, 5))
    fast = route_shapes.compile_shape(msg, 16, len(msg))(msg, 16)
    monkeypatch.setattr(route_shapes, "_ROUTE_TWIN_OK", False)
    plain = route_shapes.compile_shape(msg, 16, len(msg))(msg, 16)
    assert fast == plain == decode(msg) and type(plain) is Route


def test_metrics_keep_congctl_names_and_accept_nested_flag() -> None:
    metrics = u32(2, 1400) + attr(16, b"cubic\0") + u32(8, 1300)
    r = decode(message(attr(RTA_METRICS | NLA_F_NESTED, metrics)))
    assert r.metrics == ((2, 1400), (16, "cubic"), (8, 1300))


def test_multipath_with_via_and_unknown_attributes() -> None:
    hop1 = addr(RTA_GATEWAY, "10.1.0.2") + u32(11, 7)  # RTA_FLOW: the hop's realm
    via = attr(RTA_VIA, struct.pack("=H", socket.AF_INET6) + socket.inet_pton(AF_INET6, "fe80::1"))
    nh1 = struct.pack("=HBBi", 8 + len(hop1), 16, 2, 3) + hop1
    nh2 = struct.pack("=HBBi", 8 + len(via), 0, 0, 4) + via
    r = decode(message(attr(RTA_MULTIPATH, nh1 + nh2), attr(99, b"\1\2\3")))
    assert r.multipath == (Nexthop("10.1.0.2", 3, 3, 16, 7), Nexthop("fe80::1", 4, 1, 0))
    assert r.unknown == ((99, "010203"),)  # kept, not dropped


def test_expires_from_cacheinfo_truncates_like_iproute2() -> None:
    def cacheinfo(ticks: int) -> bytes:
        return attr(RTA_CACHEINFO, struct.pack("=IIiIIIII", 0, 0, ticks, 0, 0, 0, 0, 0))

    assert decode(message(cacheinfo(0), family=AF_INET6, dst_len=0)).expires is None
    assert decode(message(cacheinfo(300 * USER_HZ - 1))).expires == 299
    assert decode(message(cacheinfo(-(USER_HZ + USER_HZ // 2)))).expires == -1
    assert decode(message(u32(RTA_EXPIRES, 60))).expires == 60


def test_bad_lengths_raise_decode_error() -> None:
    good = message(addr(RTA_DST, "10.0.0.0"))
    with pytest.raises(DecodeError):
        decode_route(good, 0, len(good) + 4)
    broken = good[:-8] + struct.pack("=HH", 40, RTA_DST) + b"\0" * 4
    with pytest.raises(DecodeError):
        decode(broken)
    with pytest.raises(DecodeError):  # nlmsg_len beyond the datagram
        list(iter_messages(struct.pack("=IHHII", 500, RTM_NEWROUTE, 0, 1, 0)))


def test_iter_messages_types_flags_seq_and_done() -> None:
    data = (
        message(addr(RTA_DST, "10.0.0.0"), seq=1)
        + message(addr(RTA_DST, "10.0.9.0"), seq=2)  # another request's: skipped
        + message(addr(RTA_DST, "10.0.1.0"), mtype=RTM_DELROUTE, flags=NLM_F_DUMP_INTR)
        + done()
        + message(addr(RTA_DST, "10.0.2.0"))  # after DONE: not read
    )
    seen = list(iter_messages(data, seq=1))
    assert [(t, f & NLM_F_DUMP_INTR) for t, f, _ in seen] == [
        (RTM_NEWROUTE, 0),
        (RTM_DELROUTE, NLM_F_DUMP_INTR),
        (NLMSG_DONE, 0),
    ]
    assert [r.dst if r else None for _, _, r in seen] == ["10.0.0.0", "10.0.1.0", None]
    assert len(list(iter_messages(data, seq=None))) == 4


def test_errors_carry_errno_and_extended_ack_text() -> None:
    text = attr(1, b"ipv4: FIB table does not exist\0")
    with pytest.raises(NetlinkError) as caught:
        list(iter_messages(done(-errno.ENOENT, flags=NLM_F_MULTI | NLM_F_ACK_TLVS, tail=text)))
    assert caught.value.errno == errno.ENOENT
    assert caught.value.detail == "ipv4: FIB table does not exist"
    request = struct.pack("=IHHII", 16, 26, 0x301, 9, 0)
    body = struct.pack("=i", -errno.EPERM) + request
    error = struct.pack("=IHHII", 16 + len(body), NLMSG_ERROR, 0, 9, 0) + body
    with pytest.raises(NetlinkError) as caught:
        list(iter_messages(error))
    assert caught.value.errno == errno.EPERM and isinstance(caught.value, OSError)
    ack = struct.pack("=IHHII", 36, NLMSG_ERROR, 0, 9, 0) + struct.pack("=i", 0) + request
    assert list(iter_messages(ack)) == [(NLMSG_ERROR, 0, None)]


def test_collect_routes_reports_done_and_interruption() -> None:
    out: list[Route] = []
    first = message(addr(RTA_DST, "10.0.0.0")) + message(addr(RTA_DST, "10.0.1.0"), seq=5)
    assert collect_routes(first, len(first), 1, out) == (False, False)
    last = message(addr(RTA_DST, "10.0.2.0"), flags=NLM_F_MULTI | NLM_F_DUMP_INTR) + done()
    assert collect_routes(last, len(last), 1, out) == (True, True)
    assert [r.dst for r in out] == ["10.0.0.0", "10.0.2.0"]
    with pytest.raises(NetlinkError):
        collect_routes(done(-errno.EBUSY), 20, 1, out)


def test_one_route_takes_a_lone_route_event_and_leaves_the_rest_to_the_walk() -> None:
    """The monitor's fast path for the datagram of one route event gives what the walk gives;
    two messages, another type or a bad length are left to ``iter_messages``."""
    from tui.kernel.event_socket import one_route

    new = message(addr(RTA_DST, "10.0.0.0"), addr(RTA_GATEWAY, "192.0.2.1"), flags=0x600)
    gone = message(addr(RTA_DST, "10.0.0.0"), mtype=RTM_DELROUTE, flags=0)
    for raw in (new, gone):
        buf = bytearray(raw) + bytearray(64)  # what follows the datagram is not looked at
        assert one_route(buf, len(raw)) == next(iter_messages(raw))
    assert one_route(bytearray(new + gone), len(new + gone)) is None
    assert one_route(bytearray(done()), len(done())) is None
    assert one_route(bytearray(new[:20]), 20) is None  # claims more than was read
    assert one_route(bytearray(4), 4) is None
