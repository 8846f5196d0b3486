"""Test-only netlink writers for what iproute2 6.1 cannot create: rules with FRA_DSCP,
FRA_DSCP_MASK, FRA_FLOWLABEL(_MASK), FRA_SPORT_MASK/FRA_DPORT_MASK, and routes carrying an
attribute fibscope does not decode.

A hand-packed RTM_NEWRULE / RTM_NEWROUTE is sent on a NETLINK_ROUTE socket opened inside the
test's namespace (fibscope itself stays read-only); the kernel's ack is checked.
"""

from __future__ import annotations

import os
import socket
import struct

from tui.kernel.netns import entered

RTM_NEWROUTE = 24
RTM_NEWRULE = 32
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_EXCL = 0x200
NLM_F_CREATE = 0x400
FRA_PRIORITY = 6
FRA_TABLE = 15
FRA_IP_PROTO = 22
FRA_SPORT_RANGE = 23
FRA_DPORT_RANGE = 24
FRA_DSCP = 25
FRA_FLOWLABEL = 26
FRA_FLOWLABEL_MASK = 27
FRA_SPORT_MASK = 28
FRA_DPORT_MASK = 29
FRA_DSCP_MASK = 30


def nla(kind: int, payload: bytes) -> bytes:
    """One netlink attribute, padded to 4 bytes."""
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


def _talk(path: str, mtype: int, body: bytes) -> None:
    flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL
    msg = struct.pack("=IHHII", 16 + len(body), mtype, flags, 1, 0) + body
    with entered(path):
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    with sock:
        sock.send(msg)
        answer = sock.recv(65536)
    err = struct.unpack_from("=i", answer, 16)[0]
    if err:
        raise OSError(-err, f"netlink request refused: {os.strerror(-err)}")


def add_rule(
    path: str,
    family: int,
    priority: int,
    table: int,
    attrs: list[tuple[int, bytes]],
    *,
    tos: int = 0,
    action: int = 1,
) -> None:
    """RTM_NEWRULE: ``lookup table`` at ``priority`` with extra raw attributes."""
    body = struct.pack("=BBBBBBBBI", family, 0, 0, tos, 0, 0, 0, action, 0)
    body += nla(FRA_PRIORITY, struct.pack("=I", priority)) + nla(
        FRA_TABLE, struct.pack("=I", table)
    )
    body += b"".join(nla(kind, payload) for kind, payload in attrs)
    _talk(path, RTM_NEWRULE, body)


def dscp_attrs(dscp: int, mask: int | None = None) -> list[tuple[int, bytes]]:
    """FRA_DSCP (6-bit value) and, for an inexact match, FRA_DSCP_MASK."""
    out = [(FRA_DSCP, bytes([dscp]))]
    if mask is not None:
        out.append((FRA_DSCP_MASK, bytes([mask])))
    return out


def flowlabel_attrs(label: int, mask: int = 0xFFFFF) -> list[tuple[int, bytes]]:
    """FRA_FLOWLABEL and FRA_FLOWLABEL_MASK (both big-endian, as iproute2 sends them)."""
    return [
        (FRA_FLOWLABEL, struct.pack("!I", label)),
        (FRA_FLOWLABEL_MASK, struct.pack("!I", mask)),
    ]


def port_mask_attrs(
    proto: int, word: str, port: int, mask: int | None = None
) -> list[tuple[int, bytes]]:
    """ipproto, a single-port range and (inexact) its mask, for ``sport`` or ``dport``."""
    rng, msk = (
        (FRA_SPORT_RANGE, FRA_SPORT_MASK) if word == "sport" else (FRA_DPORT_RANGE, FRA_DPORT_MASK)
    )
    out = [(FRA_IP_PROTO, bytes([proto])), (rng, struct.pack("=HH", port, port))]
    if mask is not None:
        out.append((msk, struct.pack("=H", mask)))
    return out


def add_route_raw(
    path: str, family: int, dst: bytes, dst_len: int, table: int, attrs: list[tuple[int, bytes]]
) -> None:
    """RTM_NEWROUTE of a unicast route (protocol boot, scope link) with raw attributes."""
    body = struct.pack("=BBBBBBBBI", family, dst_len, 0, 0, 0, 3, 253, 1, 0)
    body += nla(1, dst) + nla(15, struct.pack("=I", table))
    body += b"".join(nla(kind, payload) for kind, payload in attrs)
    _talk(path, RTM_NEWROUTE, body)
