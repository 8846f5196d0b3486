"""Lightweight tunnel encapsulations (RTA_ENCAP) in the words of iproute2 6.1 (pure: the views
and the engine's steps both use it).

The model keeps an encap as ``(RTA_ENCAP_TYPE, payload hex)``; this module decodes the nested
payload and prints it as ``lwt_print_encap`` in ip/iproute_lwtunnel.c does: `` encap ip id 1
src 0.0.0.0 dst 10.0.0.2 ttl 5 tos 0 ``.  ip, ip6, seg6, seg6local and mpls are decoded (mpls
from the source only: this kernel has no MPLS routing); any other type, or a payload holding
an attribute not decoded here, is printed as ip prints what it knows followed by the raw
bytes fibscope could not read (``unknown-attr``), never dropped.
"""

from __future__ import annotations

import socket
import struct

from tui.names import LWTUNNEL_ENCAP_NAMES, unknown_attr_words

LWTUNNEL_ENCAP_MPLS = 1
LWTUNNEL_ENCAP_IP = 2
LWTUNNEL_ENCAP_IP6 = 4
LWTUNNEL_ENCAP_SEG6 = 5
LWTUNNEL_ENCAP_SEG6_LOCAL = 7
RTA_ENCAP = 22
TUNNEL_CSUM, TUNNEL_KEY, TUNNEL_SEQ = 0x01, 0x04, 0x08
SEG6_MODES = ("inline", "encap", "l2encap", "encap.red", "l2encap.red")
SEG6LOCAL_ACTIONS = (
    "", "End", "End.X", "End.T", "End.DX2", "End.DX6", "End.DX4", "End.DT6", "End.DT4",
    "End.B6", "End.B6.Encaps", "End.BM", "End.S", "End.AS", "End.AM", "End.BPF", "End.DT46",
)  # fmt: skip
SR6_FLAG1_HMAC = 1 << 3


def _attrs(data: bytes) -> list[tuple[int, bytes]]:
    """The attributes of a nested payload, in order (a bad length ends the walk)."""
    out, pos = [], 0
    while len(data) - pos >= 4:
        length, kind = struct.unpack_from("=HH", data, pos)
        if length < 4 or pos + length > len(data):
            break
        out.append((kind & 0x3FFF, data[pos + 4 : pos + length]))
        pos += (length + 3) & ~3
    return out


def _addr(raw: bytes) -> str | None:
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw)
    if len(raw) == 16:
        return socket.inet_ntop(socket.AF_INET6, raw)
    return None


def _srh(raw: bytes) -> str | None:
    """print_srh: ``segs N [ A B ] `` (last segment first) and ``hmac KEYID `` if present."""
    if len(raw) < 8:
        return None
    hdrlen, first = raw[1], raw[4]
    flags = raw[5]
    if len(raw) < 8 + 16 * (first + 1):
        return None
    segs = [
        socket.inet_ntop(socket.AF_INET6, raw[8 + 16 * i : 24 + 16 * i]) for i in range(first + 1)
    ]
    out = f"segs {first + 1} [ " + "".join(s + " " for s in reversed(segs)) + "] "
    if flags & SR6_FLAG1_HMAC:
        offset = ((hdrlen + 1) << 3) - 40 + 4  # sr6_tlv_hmac.hmackeyid
        if offset < 0 or len(raw) < offset + 4:
            return None
        out += f"hmac {struct.unpack_from('!I', raw, offset)[0]:X} "
    return out


def _ip(attrs: list[tuple[int, bytes]], v6: bool) -> tuple[str, list[tuple[int, bytes]]]:
    """print_encap_ip / print_encap_ip6: id, src, dst, ttl|hoplimit, tos|tc, flags."""
    known = {kind: raw for kind, raw in attrs}
    words, rest = [], [(k, r) for k, r in attrs if k not in (1, 2, 3, 4, 5, 6, 7)]
    alen = 16 if v6 else 4
    if len(known.get(1, b"")) == 8:
        words.append(f"id {struct.unpack('!Q', known[1])[0]} ")
    for kind, word in ((3, "src"), (2, "dst")):
        if kind in known and len(known[kind]) == alen:
            words.append(f"{word} {_addr(known[kind])} ")
    if len(known.get(4, b"")) == 1:
        words.append(f"{'hoplimit' if v6 else 'ttl'} {known[4][0]} ")
    if len(known.get(5, b"")) == 1:
        words.append(f"{'tc' if v6 else 'tos'} {known[5][0]} ")
    if len(known.get(6, b"")) == 2:
        flags = struct.unpack("!H", known[6])[0]  # __be16 TUNNEL_* flags
        words += [
            w
            for bit, w in ((TUNNEL_KEY, "key "), (TUNNEL_CSUM, "csum "), (TUNNEL_SEQ, "seq "))
            if flags & bit
        ]
    return "".join(words), rest


def _mpls(attrs: list[tuple[int, bytes]]) -> tuple[str, list[tuple[int, bytes]]]:
    """print_encap_mpls: `` LABEL[/LABEL...] `` then ``ttl N ``."""
    words, rest = [], []
    for kind, raw in attrs:
        if kind == 1 and raw and len(raw) % 4 == 0:  # MPLS_IPTUNNEL_DST: label stack entries
            labels = [(entry >> 12) & 0xFFFFF for entry in struct.unpack(f"!{len(raw) // 4}I", raw)]
            words.append(" " + "/".join(map(str, labels)) + " ")
        elif kind == 2 and len(raw) == 1:  # MPLS_IPTUNNEL_TTL
            words.append(f"ttl {raw[0]} ")
        else:
            rest.append((kind, raw))
    return "".join(words), rest


def _seg6(attrs: list[tuple[int, bytes]]) -> tuple[str, list[tuple[int, bytes]]]:
    """print_encap_seg6: ``mode M `` and the segment list of SEG6_IPTUNNEL_SRH."""
    words, rest = "", []
    for kind, raw in attrs:
        srh = _srh(raw[4:]) if kind == 1 and len(raw) >= 12 else None
        if srh is None:
            rest.append((kind, raw))
            continue
        mode = struct.unpack_from("=i", raw)[0]
        name = SEG6_MODES[mode] if 0 <= mode < len(SEG6_MODES) else "<unknown>"
        words = f"mode {name} " + srh
    return words, rest


def _seg6local(
    attrs: list[tuple[int, bytes]], table_name: dict[int, str], dev_name: dict[int, str]
) -> tuple[str, list[tuple[int, bytes]]]:
    """print_encap_seg6local: action, srh, table, vrftable, nh4, nh6, iif, oif."""
    known = dict(attrs)
    rest = [(k, r) for k, r in attrs if k not in (1, 2, 3, 4, 5, 6, 7, 9)]
    if len(known.get(1, b"")) != 4:
        return "", attrs
    action = struct.unpack("=I", known[1])[0]
    name = SEG6LOCAL_ACTIONS[action] if 0 < action < len(SEG6LOCAL_ACTIONS) else "<invalid>"
    words = [f"action {name} "]
    if 2 in known:
        srh = _srh(known[2])
        words.append(srh if srh is not None else "")
        if srh is None:
            rest.append((2, known[2]))
    for kind, word in ((3, "table"), (9, "vrftable")):
        if len(known.get(kind, b"")) == 4:
            number = struct.unpack("=I", known[kind])[0]
            words.append(f"{word} {table_name.get(number, str(number))} ")
    for kind, word in ((4, "nh4"), (5, "nh6")):
        if kind in known and _addr(known[kind]) is not None:
            words.append(f"{word} {_addr(known[kind])} ")
    for kind, word in ((6, "iif"), (7, "oif")):
        if len(known.get(kind, b"")) == 4:
            index = struct.unpack("=I", known[kind])[0]
            words.append(f"{word} {dev_name.get(index) or f'if{index}'} ")
    return "".join(words), rest


def encap_text(
    encap: tuple[int, str],
    table_names: dict[int, str] | None = None,
    dev_names: dict[int, str] | None = None,
) -> tuple[str, str]:
    """`` encap TYPE WORDS `` as lwt_print_encap prints it, and the ``unknown-attr`` words
    (each followed by a space) of what could not be decoded ("" when everything was)."""
    kind, data_hex = encap
    try:
        data = bytes.fromhex(data_hex)
    except ValueError:
        data = b""
    attrs = _attrs(data)
    head = f" encap {LWTUNNEL_ENCAP_NAMES.get(kind, 'unknown')} "
    if kind in (LWTUNNEL_ENCAP_IP, LWTUNNEL_ENCAP_IP6):
        body, rest = _ip(attrs, kind == LWTUNNEL_ENCAP_IP6)
    elif kind == LWTUNNEL_ENCAP_MPLS:
        body, rest = _mpls(attrs)
    elif kind == LWTUNNEL_ENCAP_SEG6:
        body, rest = _seg6(attrs)
    elif kind == LWTUNNEL_ENCAP_SEG6_LOCAL:
        body, rest = _seg6local(attrs, table_names or {}, dev_names or {})
    else:
        return head, unknown_attr_words(RTA_ENCAP, data_hex) + " "
    raw = "".join(unknown_attr_words(RTA_ENCAP << 16 | k, r.hex()) + " " for k, r in rest)
    return head + body, raw


def encap_summary(encap: tuple[int, str]) -> str:
    """``encap ip id 1 dst 10.0.0.2 ...`` for steps and JSON (no leading/trailing space)."""
    text, raw = encap_text(encap)
    return " ".join((text + raw).split())
