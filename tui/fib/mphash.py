"""The kernel's multipath flow hash, computable when ``fib_multipath_hash_seed`` is set.

Since 6.11 ``net.ipv4.fib_multipath_hash_seed`` (per namespace, used by IPv4 and IPv6) keys
the hash: ``fib_multipath_hash_from_keys`` runs ``flow_hash_from_keys_seed`` (SipHash-2-4 over
``struct flow_keys`` from its ``basic`` member, key words ``seed << 32 | seed``).  A seed of 0
means a random per-boot key: nothing can be computed then.  Facts measured on 6.18 (see
/work/notes/mphash.md, checked again by tests/kernel/test_mphash_vs_kernel.py):

* ``flow_keys`` on x86-64: ``basic`` (n_proto 0, ip_proto) at 8, the IPv6 flow label at 12,
  ports at 36, addresses at 44; 48 bytes hashed for IPv4, 72 for IPv6, padding zero.
* ``__flow_hash_consistentify`` sorts addresses and ports apart, comparing the network-order
  bytes as little-endian integers (x86); a zero hash becomes 1; the kernel uses ``hash >> 1``.
* ``ip route get`` (IPv4) hashes ip_proto 17 (UDP) when none is asked and the source 0 when no
  ``from`` is given; it goes through a fake skb, so policy 3 is ``jhash_2words(outer, 0, 0)``.
  IPv6 has no skb: ip_proto 0 by default, policy 0 and 2 also hash the flow label and ip_proto,
  policy 3 is the outer hash alone.
"""

from __future__ import annotations

import struct

M32 = (1 << 32) - 1
M64 = (1 << 64) - 1
AF_INET = 2
AF_INET6 = 10
IPPROTO_UDP = 17

# fib_multipath_hash_fields bits (outer header; the inner ones need encapsulation).
F_SRC_IP, F_DST_IP, F_IP_PROTO, F_FLOWLABEL, F_SRC_PORT, F_DST_PORT = 1, 2, 4, 8, 16, 32
F_OUTER_MASK = 0x3F
F_INNER_MASK = 0xFC0
POLICIES = (0, 1, 2, 3)


def _rotl(x: int, b: int) -> int:
    return ((x << b) | (x >> (64 - b))) & M64


def siphash24(k0: int, k1: int, data: bytes) -> int:
    """SipHash-2-4 (lib/siphash.c) with the 64-bit key words ``k0``, ``k1``."""
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573

    def rounds(count: int) -> None:
        nonlocal v0, v1, v2, v3
        for _ in range(count):
            v0 = (v0 + v1) & M64
            v1 = _rotl(v1, 13) ^ v0
            v0 = _rotl(v0, 32)
            v2 = (v2 + v3) & M64
            v3 = _rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & M64
            v3 = _rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & M64
            v1 = _rotl(v1, 17) ^ v2
            v2 = _rotl(v2, 32)

    end = len(data) - len(data) % 8
    for i in range(0, end, 8):
        m = int.from_bytes(data[i : i + 8], "little")
        v3 ^= m
        rounds(2)
        v0 ^= m
    last = ((len(data) & 0xFF) << 56) | int.from_bytes(data[end:], "little")
    v3 ^= last
    rounds(2)
    v0 ^= last
    v2 ^= 0xFF
    rounds(4)
    return (v0 ^ v1 ^ v2 ^ v3) & M64


def _rol32(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & M32


def jhash_2words(a: int, b: int, initval: int = 0) -> int:
    """``jhash_2words`` (include/linux/jhash.h): ``__jhash_final`` of a, b, 0."""
    iv = (initval + 0xDEADBEEF + (2 << 2)) & M32
    a, b, c = (a + iv) & M32, (b + iv) & M32, iv
    c ^= b
    c = (c - _rol32(b, 14)) & M32
    a ^= c
    a = (a - _rol32(c, 11)) & M32
    b ^= a
    b = (b - _rol32(a, 25)) & M32
    c ^= b
    c = (c - _rol32(b, 16)) & M32
    a ^= c
    a = (a - _rol32(c, 4)) & M32
    b ^= a
    b = (b - _rol32(a, 14)) & M32
    c ^= b
    c = (c - _rol32(b, 24)) & M32
    return c


def keys_hash(
    seed: int,
    v6: bool,
    src: bytes,
    dst: bytes,
    proto: int = 0,
    sport: int = 0,
    dport: int = 0,
    flowlabel: int = 0,
) -> int:
    """``flow_hash_from_keys_seed`` over the keys a route lookup fills (32 bits, never 0).

    ``src``/``dst`` are network-order bytes (zero bytes for a field left out)."""
    # memcmp for IPv6; IPv4 compares the raw big-endian words as native (x86) integers
    le = int.from_bytes
    if (dst < src) if v6 else le(dst, "little") < le(src, "little"):
        src, dst = dst, src
    sp, dp = struct.pack(">H", sport & 0xFFFF), struct.pack(">H", dport & 0xFFFF)
    if int.from_bytes(dp, "little") < int.from_bytes(sp, "little"):
        sp, dp = dp, sp
    buf = bytearray(80)
    buf[10] = proto & 0xFF
    struct.pack_into(">I", buf, 12, flowlabel & 0xFFFFF)
    buf[36:38], buf[38:40] = sp, dp
    buf[44 : 44 + len(src)] = src
    buf[44 + len(src) : 44 + 2 * len(src)] = dst
    word = ((seed & M32) << 32) | (seed & M32)
    value = siphash24(word, word, bytes(buf[8 : 8 + (72 if v6 else 48)])) & M32
    return value or 1


def multipath_hash(
    seed: int,
    policy: int,
    fields: int,
    v6: bool,
    src: bytes,
    dst: bytes,
    proto: int,
    sport: int,
    dport: int,
    flowlabel: int = 0,
) -> int | None:
    """The 31-bit value ``fib_multipath_hash`` (IPv4, route-get skb) or ``rt6_multipath_hash``
    (IPv6, no skb) compares with the upper bounds; None for a policy not modelled."""
    zero = bytes(len(src))
    if policy in (0, 2):
        if v6:
            value = keys_hash(seed, True, src, dst, proto, flowlabel=flowlabel)
        else:
            value = keys_hash(seed, False, src, dst)
    elif policy == 1:
        value = keys_hash(seed, v6, src, dst, proto, sport, dport)
    elif policy == 3:
        outer = 0
        if fields & F_OUTER_MASK:
            outer = keys_hash(
                seed,
                v6,
                src if fields & F_SRC_IP else zero,
                dst if fields & F_DST_IP else zero,
                proto if fields & F_IP_PROTO else 0,
                sport if fields & F_SRC_PORT else 0,
                dport if fields & F_DST_PORT else 0,
                flowlabel if v6 and fields & F_FLOWLABEL else 0,
            )
        value = outer if v6 else jhash_2words(outer, 0, 0)
    else:
        return None
    return value >> 1
