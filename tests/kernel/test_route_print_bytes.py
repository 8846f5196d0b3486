"""The template printer on hand-made datagrams, against decode-then-format of the same bytes.

Uniform runs (the fast path), shapes of one length mixed (the walk), routes without a
destination, IPv6, filtered routes, ``%`` in names, padded columns, interrupted dumps, kernel
errors, malformed lengths, other sequence numbers and a seeded random mix split into datagrams
at random message boundaries.
"""

from __future__ import annotations

import errno
import random
import struct
from collections.abc import Callable

import pytest

from tests.kernel.test_route_codec_bytes import addr, attr, done, message, u32
from tui.formats.iproute import TABLE_ALL, RouteFormatter, select_routes
from tui.formats.route_n import ROUTE_N_HEADER, route_n
from tui.kernel.netlink.const import (
    NLM_F_DUMP_INTR,
    NLM_F_MULTI,
    RTA_DST,
    RTA_GATEWAY,
    RTA_OIF,
    RTA_PREF,
    RTA_PREFSRC,
    RTA_PRIORITY,
    RTA_TABLE,
)
from tui.kernel.netlink.route_codec import (
    DecodeError,
    NetlinkError,
    collect_routes,
)
from tui.kernel.netlink.route_print import RoutePrinter
from tui.model import AF_INET6, Route

LINKS = {2: "eth0", 3: "we%ird", 4: "v%s0"}
SEQ = 7


def ip_render(table: int = 254, family: int = 0) -> Callable[[Route], str]:
    """What ``fibscope routes --format ip`` renders (see tui.cli.routes)."""
    formatter = RouteFormatter(LINKS, {1000: "blue"}, show_table=table == TABLE_ALL)

    def render(route: Route) -> str:
        if not select_routes((route,), family=family, table=table):
            return ""
        return formatter.line(route) + "\n"

    return render


def route_n_render(route: Route) -> str:
    return route_n((route,), LINKS)[len(ROUTE_N_HEADER) :]


def v4(i: int, *extra: bytes, table: int = 254, dst_len: int = 24, **kw: int) -> bytes:
    """An IPv4 route to 20.x.y.0/24 (or the default route when ``dst_len`` is 0)."""
    dst = [] if dst_len == 0 else [addr(RTA_DST, f"20.{i >> 8 & 255}.{i & 255}.0")]
    return message(u32(RTA_TABLE, table), *dst, *extra, dst_len=dst_len, seq=SEQ, **kw)


def v6(i: int, *extra: bytes) -> bytes:
    return message(
        u32(RTA_TABLE, 254),
        addr(RTA_DST, f"2001:db8:{i:x}::"),
        *extra,
        attr(RTA_PREF, b"\0"),
        family=AF_INET6,
        dst_len=48,
        seq=SEQ,
    )


def via(i: int) -> tuple[bytes, bytes]:
    return addr(RTA_GATEWAY, f"10.0.0.{1 + i % 3}"), u32(RTA_OIF, 2)


def expected(datagrams: list[bytes], render: Callable[[Route], str]) -> str:
    """Decode every route with the plain decoder, then render each: the reference text."""
    routes: list[Route] = []
    for gram in datagrams:
        collect_routes(gram, len(gram), SEQ, routes)
    return "".join(map(render, routes))


def printed(
    datagrams: list[bytes], render: Callable[[Route], str], conversion: str = "%s"
) -> tuple[str, bool, bool]:
    """Feed the datagrams to one printer (as a dump would): text, done, interrupted."""
    printer = RoutePrinter(render, conversion)
    texts: list[str] = []
    finished = interrupted = False
    for gram in datagrams:
        text, finished, intr = printer.read(bytearray(gram), len(gram), SEQ)
        texts.append(text)
        interrupted |= intr
    return "".join(texts), finished, interrupted


def test_uniform_datagrams_take_the_run_and_end_at_done() -> None:
    grams = [b"".join(v4(i, *via(i)) for i in range(k, k + 300)) for k in (0, 300)]
    grams[-1] += done(seq=SEQ)
    text, finished, interrupted = printed(grams, ip_render())
    assert text == expected(grams, ip_render())
    assert text.count("\n") == 600 and finished and not interrupted
    assert text.startswith("20.0.0.0/24 via 10.0.0.1 dev eth0 \n20.0.1.0/24 via 10.0.0.2 ")


def test_same_length_shapes_mixed_and_lengths_mixed() -> None:
    """RTA_PRIORITY and RTA_PREFSRC are both 8 bytes: one length, two layouts."""
    msgs = []
    for i in range(400):
        kind = i % 4
        if kind == 0:
            msgs.append(v4(i, *via(i), u32(RTA_PRIORITY, 10 + i % 2)))
        elif kind == 1:
            msgs.append(v4(i, *via(i), addr(RTA_PREFSRC, "10.0.0.9")))
        elif kind == 2:
            msgs.append(v4(i, u32(RTA_OIF, 3)))
        else:
            msgs.append(v4(i, u32(RTA_OIF, 4), dst_len=32))
    grams = [b"".join(msgs[:200]), b"".join(msgs[200:]) + done(seq=SEQ)]
    text, finished, _ = printed(grams, ip_render())
    assert text == expected(grams, ip_render()) and finished
    assert "dev we%ird" in text and "dev v%s0" in text


def test_default_route_ipv6_filtered_and_other_tables() -> None:
    msgs = [v4(0, *via(0), dst_len=0)]
    msgs += [v4(i, *via(i), table=1000) for i in range(50)]
    msgs += [v6(i, *via(i)) for i in range(50)]
    msgs += [v4(i, *via(i)) for i in range(50)]
    grams = [b"".join(msgs), done(seq=SEQ)]
    for render in (ip_render(), ip_render(TABLE_ALL), ip_render(1000), ip_render(254, AF_INET6)):
        assert printed(grams, render)[0] == expected(grams, render)
    assert printed(grams, ip_render())[0].startswith("default via 10.0.0.1 dev eth0")
    assert (
        "2001:db8:31::/48 via inet 10.0.0.2 dev eth0 pref medium\n"
        in printed(grams, ip_render(TABLE_ALL))[0]
    )


def test_route_n_pads_the_destination_column() -> None:
    msgs = [v4(i, *via(i), dst_len=[0, 8, 24, 32][i % 4]) for i in range(200)]
    msgs += [v4(i, *via(i), table=1000) for i in range(20)]
    grams = [b"".join(msgs) + done(seq=SEQ)]
    text = printed(grams, route_n_render, "%-15s")[0]
    assert text == expected(grams, route_n_render)
    assert text.startswith("0.0.0.0         10.0.0.1        0.0.0.0         UG    0      0")


def test_interrupted_messages_are_reported_every_time() -> None:
    printer = RoutePrinter(ip_render())
    plain = [v4(i, *via(i)) for i in range(100)]
    flagged = list(plain)
    flagged[50] = v4(50, *via(50), flags=NLM_F_MULTI | NLM_F_DUMP_INTR)
    for msgs in (plain, flagged, flagged, plain):
        gram = b"".join(msgs)
        text, _, interrupted = printer.read(bytearray(gram), len(gram), SEQ)
        assert text == expected([gram], ip_render())
        assert interrupted == (msgs is flagged)
    end = done(seq=SEQ, flags=NLM_F_MULTI | NLM_F_DUMP_INTR)
    assert printer.read(bytearray(end), len(end), SEQ)[1:] == (True, True)


def test_kernel_errors_and_bad_lengths() -> None:
    printer = RoutePrinter(ip_render())
    gram = b"".join(v4(i, *via(i)) for i in range(10)) + done(-errno.ENOENT, seq=SEQ)
    with pytest.raises(NetlinkError) as info:
        printer.read(bytearray(gram), len(gram), SEQ)
    assert info.value.errno == errno.ENOENT
    bad = bytearray(v4(1, *via(1)) * 3)
    struct.pack_into("=I", bad, len(bad) // 3, 9999)  # the second message claims 9999 bytes
    with pytest.raises(DecodeError):
        printer.read(bad, len(bad), SEQ)


def test_other_sequence_numbers_are_skipped_and_a_new_dump_starts_afresh() -> None:
    mine = b"".join(v4(i, *via(i)) for i in range(20))
    stale = message(u32(RTA_TABLE, 254), addr(RTA_DST, "99.0.0.0"), dst_len=8, seq=SEQ + 1)
    printer = RoutePrinter(ip_render())
    gram = stale + mine + stale
    assert printer.read(bytearray(gram), len(gram), SEQ)[0] == expected([mine], ip_render())
    again = mine.replace(struct.pack("=I", SEQ), struct.pack("=I", SEQ + 1))
    text = printer.read(bytearray(again), len(again), SEQ + 1)[0]
    assert text == expected([mine], ip_render())


def test_seeded_random_mix_split_at_random_boundaries() -> None:
    rng = random.Random(4242)
    shapes: list[Callable[[int], bytes]] = [
        lambda i: v4(i, *via(i)),
        lambda i: v4(i, *via(i), u32(RTA_PRIORITY, rng.choice((0, 5, 5, 5)))),
        lambda i: v4(i, *via(i), addr(RTA_PREFSRC, "10.0.0.9")),
        lambda i: v4(i, u32(RTA_OIF, rng.choice((2, 3))), dst_len=rng.choice((16, 24, 32))),
        lambda i: v4(i, *via(i), table=1000),
        lambda i: v6(i, *via(i)),
        lambda i: v4(i, *via(i), dst_len=0),
    ]
    msgs: list[bytes] = []
    for i in range(3000):  # runs of one shape, of random lengths
        if not msgs or rng.random() < 0.05:
            shape = rng.choice(shapes)
        msgs.append(shape(i))
    grams: list[bytes] = []
    while msgs:
        take = rng.randint(1, 400)
        grams.append(b"".join(msgs[:take]))
        del msgs[:take]
    grams[-1] += done(seq=SEQ)
    for render in (ip_render(), ip_render(TABLE_ALL)):
        text, finished, _ = printed(grams, render)
        assert text == expected(grams, render) and finished
    assert printed(grams, route_n_render, "%-15s")[0] == expected(grams, route_n_render)


def test_walk_flags_interruption_and_takes_unaligned_messages() -> None:
    """A mixed datagram goes through the walk; an unaligned message (its last attribute not
    padded) has no template but prints the same."""
    unaligned = v4(5, *via(5), struct.pack("=HH", 5, RTA_PREF) + b"\1")
    assert len(unaligned) % 4
    msgs = [v4(i, *via(i)) if i % 2 else v4(i, u32(RTA_OIF, 3)) for i in range(40)]
    msgs[7] = v4(7, *via(7), flags=NLM_F_MULTI | NLM_F_DUMP_INTR)
    msgs[9] = unaligned + b"\0" * (-len(unaligned) % 4)
    gram = b"".join(msgs) + done(seq=SEQ)
    text, finished, interrupted = printed([gram], ip_render())
    assert text == expected([gram], ip_render()) and finished and interrupted
    assert "20.0.5.0/24 via 10.0.0.3 dev eth0 pref high\n" in text


def test_render_must_show_the_destination_at_most_once() -> None:
    printer = RoutePrinter(lambda route: f"{route.dst} {route.dst}\n")
    gram = v4(1, *via(1))
    with pytest.raises(ValueError, match="more than once"):
        printer.read(bytearray(gram), len(gram), SEQ)
