"""Nexthop objects offline: decoding hand-made messages (16-bit weights, unknown attributes,
malformed bytes), the capture round trip, old captures, and iproute2 6.1's weight printing.

Kernel-built objects are checked against ``ip`` in tests/kernel/test_nexthop_views.py; these
cover what ip 6.1 cannot make (weights above 256) and what a kernel would not send.
"""

from __future__ import annotations

import socket
import struct

import pytest

from tui import capture
from tui.formats.ipnexthop import ip_nexthop_json, nexthop_line
from tui.kernel.netlink.const import (
    NHA_GATEWAY,
    NHA_GROUP,
    NHA_ID,
    NHA_OIF,
    NHA_OP_FLAG_RESP_GRP_RESVD_0,
    NHA_OP_FLAGS,
    RTM_NEWNEXTHOP,
)
from tui.kernel.netlink.nexthop_codec import decode_nexthop, nexthop_events
from tui.kernel.netlink.route_shapes import DecodeError
from tui.kernel.nexthop_watch import routes_may_have_moved, without_buckets
from tui.model import (
    AF_INET,
    NEXTHOP_GRP_TYPE_RES,
    HostState,
    Link,
    Namespace,
    NamespaceInfo,
    NetnsState,
    NexthopGroupMember,
    NexthopObject,
    ResilientGroup,
)


def _attr(kind: int, payload: bytes) -> bytes:
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * (-length % 4)


def _message(attrs: bytes, family: int = 0, scope: int = 0, flags: int = 0) -> bytes:
    body = struct.pack("=BBBBI", family, scope, 0, 0, flags) + attrs
    return struct.pack("=IHHII", 16 + len(body), RTM_NEWNEXTHOP, 0, 0, 0) + body


def test_group_weights_use_weight_high_only_when_the_kernel_says_so() -> None:
    entries = struct.pack("=IBBH", 1, 231, 3, 0) + struct.pack("=IBBH", 2, 0, 0, 0)
    attrs = _attr(NHA_ID, struct.pack("=I", 9)) + _attr(NHA_GROUP, entries)
    plain = _message(attrs)
    obj = decode_nexthop(plain, 0, len(plain))
    assert [m.weight for m in obj.group] == [232, 1]
    flag = struct.pack("=I", NHA_OP_FLAG_RESP_GRP_RESVD_0)
    flagged = _message(attrs + _attr(NHA_OP_FLAGS, flag))
    obj = decode_nexthop(flagged, 0, len(flagged))
    assert [m.weight for m in obj.group] == [(3 << 8 | 231) + 1, 1]
    # iproute2 6.1 reads the low byte only: weight 1000 prints as 232.
    assert nexthop_line(obj, {}) == "id 9 group 1,232/2 "


def test_unknown_attributes_are_kept_raw() -> None:
    msg = _message(
        _attr(NHA_ID, struct.pack("=I", 5))
        + _attr(NHA_GATEWAY, socket.inet_aton("10.1.0.2"))
        + _attr(NHA_OIF, struct.pack("=I", 3))
        + _attr(42, b"\x01\x02\x03"),
        family=AF_INET,
        scope=253,
    )
    obj = decode_nexthop(msg, 0, len(msg))
    assert (obj.id, obj.gateway, obj.oif, obj.scope) == (5, "10.1.0.2", 3, 253)
    assert obj.unknown == ((42, "010203"),)
    assert nexthop_line(obj, {3: "e1"}) == "id 5 via 10.1.0.2 dev e1 scope link "
    assert nexthop_events(msg, len(msg)) == [(True, obj)]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda m: m[:20],  # cut inside the nhmsg
        lambda m: m[:24] + struct.pack("=HH", 200, NHA_ID) + m[28:],  # attribute overruns
        lambda m: m[:24] + m[32:],  # no NHA_ID left
    ],
)
def test_malformed_messages_raise_decode_error(mangle: object) -> None:
    msg = _message(_attr(NHA_ID, struct.pack("=I", 5)) + _attr(NHA_OIF, struct.pack("=I", 3)))
    bad = mangle(msg)  # type: ignore[operator]
    bad = struct.pack("=I", len(bad)) + bad[4:]
    with pytest.raises(DecodeError):
        decode_nexthop(bad, 0, len(bad))


def _objects() -> tuple[NexthopObject, ...]:
    return (
        NexthopObject(1, AF_INET, 253, 4, 4, gateway="10.1.0.2", oif=2),
        NexthopObject(2, AF_INET, blackhole=True),
        NexthopObject(
            3,
            group=(NexthopGroupMember(1, 300), NexthopGroupMember(2)),
            group_type=NEXTHOP_GRP_TYPE_RES,
            resilient=ResilientGroup(4, 12000, 3000, 7),
            bucket_nhids=(1, 1, 2, 1),
        ),
        NexthopObject(4, 10, gateway="2001:db8::1", fdb=True, unknown=((40, "ff"),), encap="00"),
    )


def test_capture_round_trip_keeps_every_nexthop_field() -> None:
    # The link the objects name is there too: a capture is checked for such references.
    state = NetnsState(links=(Link(2, "e1", 0x11043),), nexthops=_objects())
    host = HostState((Namespace(NamespaceInfo(1, 2), state),))
    back = capture.from_json(capture.to_json(host)).namespaces[0].state
    assert back is not None and back.nexthops == _objects()


def test_old_capture_without_nexthops_loads_as_not_read() -> None:
    doc = capture.to_json(HostState((Namespace(NamespaceInfo(1, 2), NetnsState()),)))
    assert "nexthops" not in doc["namespaces"][0]["state"]
    back = capture.from_json(doc).namespaces[0].state
    assert back is not None and back.nexthops is None
    empty = capture.to_json(HostState((Namespace(NamespaceInfo(1, 2), NetnsState(nexthops=())),)))
    again = capture.from_json(empty).namespaces[0].state
    assert again is not None and again.nexthops == ()


def test_json_view_timers_and_flags() -> None:
    text = ip_nexthop_json(_objects()[:3], {2: "e1"})
    assert text.endswith("]\n")
    assert '"flags":["onlink"]' in text
    assert '"resilient_args":{"buckets":4,"idle_timer":120,"unbalanced_timer":30,' in text
    assert '"unbalanced_time":0.07}' in text
    assert '{"id":1,"weight":44}' in text  # (300 - 1) & 0xff + 1, as ip 6.1 reads it


def test_which_object_changes_move_routes() -> None:
    old = without_buckets(_objects())
    assert old is not None and all(not nh.bucket_nhids for nh in old)
    grown = (*old, NexthopObject(9, AF_INET, blackhole=True))
    assert not routes_may_have_moved(old, grown, added_event=True, compat_mode=0)
    assert routes_may_have_moved(old, grown, added_event=True, compat_mode=1)
    assert routes_may_have_moved(old, old[1:], added_event=False, compat_mode=0)
    changed = (NexthopObject(1, AF_INET, 253, gateway="10.1.0.9", oif=2), *old[1:])
    assert routes_may_have_moved(old, changed, added_event=True, compat_mode=0)
    assert routes_may_have_moved(None, old, added_event=False, compat_mode=0)
    assert not routes_may_have_moved(None, None, added_event=False, compat_mode=0)
