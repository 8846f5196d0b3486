"""Runs of same-shaped route messages decoded in one generated loop (``route_runs``): the
routes, the interrupted flag and the errors must be exactly those of the message-by-message
decoder, whatever is mixed into the datagram."""

from __future__ import annotations

import pytest

from tests.kernel.test_route_codec_bytes import addr, done, message, u32
from tui.kernel.netlink import route_codec, route_shapes
from tui.kernel.netlink.const import (
    NLM_F_DUMP_INTR,
    NLM_F_MULTI,
    RTA_DST,
    RTA_GATEWAY,
    RTA_OIF,
    RTA_PREFSRC,
    RTM_DELROUTE,
    RTM_NEWROUTE,
)
from tui.kernel.netlink.route_codec import DecodeError, collect_routes, decode_route
from tui.kernel.netlink.route_runs import compile_run, run_source
from tui.model import Route

SEQ = 7


@pytest.fixture(autouse=True)
def fresh_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no compiled shape or run."""
    monkeypatch.setattr(route_codec, "_RUNS", {})
    monkeypatch.setattr(route_codec, "_MISSES", {})
    monkeypatch.setattr(route_codec, "_SHAPES", {})
    monkeypatch.setattr(route_codec, "_LAST", {})


def via(n: int, **kw: int) -> bytes:
    dst = f"10.{n >> 8 & 255}.{n & 255}.0"
    return message(addr(RTA_DST, dst), addr(RTA_GATEWAY, "192.0.2.1"), u32(RTA_OIF, 2), **kw)


def src(n: int, **kw: int) -> bytes:
    dst = f"10.{n >> 8 & 255}.{n & 255}.0"
    return message(addr(RTA_DST, dst), addr(RTA_PREFSRC, "192.0.2.9"), u32(RTA_OIF, 3), **kw)


def reference(messages: list[bytes]) -> list[Route]:
    """What each message decodes to on its own (the dump's sequence, RTM_NEWROUTE only)."""
    out = []
    for msg in messages:
        seq, mtype = int.from_bytes(msg[8:12], "little"), int.from_bytes(msg[4:6], "little")
        if seq == SEQ and mtype == RTM_NEWROUTE:
            out.append(decode_route(msg, 0, len(msg)))
    return out


def collect(datagram: bytes) -> tuple[list[Route], bool, bool]:
    routes: list[Route] = []
    finished, interrupted = collect_routes(bytearray(datagram), len(datagram), SEQ, routes)
    return routes, finished, interrupted


def test_a_mixed_datagram_decodes_as_message_by_message() -> None:
    messages = (
        [via(n, seq=SEQ) for n in range(30)]
        + [src(n, seq=SEQ) for n in range(30, 33)]  # the same length, another shape
        + [via(n, seq=SEQ) for n in range(33, 50)]
        + [via(50, seq=SEQ, mtype=RTM_DELROUTE)]  # not a dump's route: skipped
        + [via(n, seq=SEQ + 1) for n in range(51, 55)]  # another dump's: skipped
        + [via(55, seq=SEQ, flags=NLM_F_MULTI | NLM_F_DUMP_INTR)]
        + [message(addr(RTA_DST, "10.99.0.0"), seq=SEQ)]  # another length
        + [via(n, seq=SEQ) for n in range(56, 70)]
    )
    datagram = b"".join(messages) + done(seq=SEQ)
    for _ in range(3):  # then with every run compiled
        routes, finished, interrupted = collect(datagram)
        assert routes == reference(messages)
        assert all(type(r) is Route for r in routes)
        assert finished and interrupted
    assert route_codec._RUNS, "the runs were used"
    clean = b"".join(via(n, seq=SEQ) for n in range(10))
    assert collect(clean) == (reference([via(n, seq=SEQ) for n in range(10)]), False, False)


def test_alternating_shapes_of_one_length_stay_exact() -> None:
    messages = [(via if n % 3 else src)(n, seq=SEQ) for n in range(200)]
    routes, _, _ = collect(b"".join(messages))
    assert routes == reference(messages)


def test_a_truncated_last_message_is_still_an_error() -> None:
    datagram = b"".join(via(n, seq=SEQ) for n in range(20))
    with pytest.raises(DecodeError):
        collect(datagram[:-8] + b"\0" * 4)
    cut = bytearray(datagram)
    cut[-len(via(0)) : -len(via(0)) + 4] = (len(via(0)) + 64).to_bytes(4, "little")
    with pytest.raises(DecodeError):
        collect(bytes(cut))


def test_the_plain_constructor_fallback_runs_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(route_shapes, "_ROUTE_TWIN_OK", False)
    messages = [via(n, seq=SEQ) for n in range(20)]
    source = run_source(
        route_shapes.Shape(messages[0], 16, len(messages[0])),
        tuple(range(40)),
        len(messages[0]),
    )
    assert "append(Route(" in source
    routes, _, _ = collect(b"".join(messages))
    assert routes == reference(messages)


def test_a_run_takes_only_its_own_shape() -> None:
    one, other = via(1, seq=SEQ), src(2, seq=SEQ)
    run = compile_run(one, 0, len(one))
    assert run is not None
    taken: list[Route] = []
    assert run(one + one, 0, 2 * len(one), SEQ, taken.append) == 2 * len(one)
    assert taken == [decode_route(one, 0, len(one))] * 2
    assert run(other, 0, len(other), SEQ, taken.append) == 0, "another shape: not taken"
    assert run(one, 0, len(one), SEQ + 1, taken.append) == 0, "another dump: not taken"
    assert len(taken) == 2
