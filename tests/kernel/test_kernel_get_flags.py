"""RTM_GETROUTE asks the IPv4 table id with RTM_F_LOOKUP_TABLE; IPv6 accepts no such flag
under strict checking (``inet6_rtm_valid_getroute_req`` allows only RTM_F_FIB_MATCH) and would
answer EINVAL to every question."""

from __future__ import annotations

import struct

from tui.kernel.netlink.kernel_get import RTM_F_FIB_MATCH, RTM_F_LOOKUP_TABLE, build_request
from tui.model import AF_INET, AF_INET6
from tui.source.kernel import RouteRequest

_RTM_FLAGS = struct.Struct("=I")


def flags(request: bytes) -> int:
    return int(_RTM_FLAGS.unpack_from(request, 16 + 8)[0])


def test_lookup_table_flag_is_for_ipv4_only() -> None:
    assert flags(build_request(1, RouteRequest(AF_INET, "10.0.0.1"))) == RTM_F_LOOKUP_TABLE
    assert flags(build_request(1, RouteRequest(AF_INET6, "fd00::1"))) == 0


def test_fibmatch_adds_its_flag_in_both_families() -> None:
    four = build_request(1, RouteRequest(AF_INET, "10.0.0.1", fibmatch=True))
    six = build_request(1, RouteRequest(AF_INET6, "fd00::1", fibmatch=True))
    assert flags(four) == RTM_F_LOOKUP_TABLE | RTM_F_FIB_MATCH
    assert flags(six) == RTM_F_FIB_MATCH
