"""Generated batches that go through ``lookup --batch`` twice, with and without the fast
path (``tui.cli.batch_fast``), whose outputs must be the same bytes line for line.

The lines are aimed at the state's own prefixes, addresses, devices and rule selectors, so
that most of them are answered from templates shared by many routes, and the rest exercise
what the fast path hands to the engine: every selector, IPv6, special destinations, other
spellings of the plain shape, bad lines and blank ones.
"""

from __future__ import annotations

import io
import ipaddress
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.cli.answers import Lookups
from tui.cli.batch import run_batch
from tui.cli.batch_fast import FastBatch
from tui.fib.engine import Engine
from tui.model import AF_INET, AF_INET6, NetnsState

SPECIAL4 = (
    "255.255.255.255",
    "224.0.0.5",
    "239.1.2.3",
    "240.0.0.1",
    "127.0.0.1",
    "127.9.9.9",
    "0.0.0.0",
    "0.1.2.3",
    "8.8.8.8",
    "1.1.1.1",
    "223.255.255.254",
)
BAD_LINES = (
    b"{not json",
    b'{"dst": "10.1.1.1", "mark": ""}',
    b'{"dst": "10.1.1.1", "tos": false}',
    b'{"dst": "10.1.1.1", "src": "10.1.0.1", "from": "10.1.0.1"}',
    b'{"dst": "10.1.1.1", "mark": ' + b"9" * 5000 + b"}",
    b"[" * 20000 + b"]" * 20000,
    b'{"dst": "10.1.\xff.1"}',
    b'["10.1.1.1"]',
    b'{"dst": "10.1.1.1", "colour": "red"}',
    b'{"dst": "10.1.1.1", "iif": "nodev"}',
    b'{"dst": "010.1.1.1"}',
    b'{"dst": "10.1.1.256"}',
    b'{"dst": "10.1.1"}',
    b'{"dst": 167837953}',
    b'{"dst": "10.1.1.1"}}',
    b'{"dst": "10.1.1.1",}',
    b'\x0c{"dst": "10.1.1.1"}',
    b'{"dst"\x0b: "10.1.1.1"}',
    b'{"dst": "\\u001b]0;PWN\\u0007\\n' + b"A" * 3000 + b'"}',
    b'{"dst": "10.1.1.1"}' + b" " * (70 * 1024),
)
# Valid lines whose "dst" text is not (only) where the destination comes from.
TRICKY = (
    '{{"dst": "{0}", "dst": "{1}"}}',
    '{{"a\\"dst": "{0}", "dst": "{1}"}}',
    '{{"dst": "{0}", "from": "{0}", "dst": "{1}"}}',
    '{{"dst": "{1}", "mark": 7, "dst": "{0}"}}',
)


@dataclass
class Material:
    """What the generated queries aim at."""

    nets4: list[ipaddress.IPv4Network]
    nets6: list[ipaddress.IPv6Network]
    addrs4: list[str]
    addrs6: list[str]
    devs: list[str]
    marks: list[int]
    toses: list[int]
    ports: list[int]


def material(state: NetnsState) -> Material:
    """The prefixes, addresses, devices and selector values of a state."""
    nets4: list[ipaddress.IPv4Network] = []
    nets6: list[ipaddress.IPv6Network] = []
    for route in state.routes:
        if route.family == AF_INET:
            nets4.append(ipaddress.IPv4Network(f"{route.dst}/{route.dst_len}", strict=False))
        elif route.family == AF_INET6:
            nets6.append(ipaddress.IPv6Network(f"{route.dst}/{route.dst_len}", strict=False))
    addrs4 = [a.local or a.address for a in state.addresses if a.family == AF_INET]
    addrs6 = [a.local or a.address for a in state.addresses if a.family == AF_INET6]
    marks, toses, ports = [0, 1, 7, 0x10], [0, 0x10, 0x28], [22, 53, 443, 5000]
    for rule in state.rules:
        marks += [m for m in (rule.fwmark,) if m]
        toses += [rule.tos] if rule.tos else []
        for rng in (rule.sport_range, rule.dport_range):
            if rng is not None:
                ports += list(rng)
    devs = [link.name for link in state.links]
    return Material(nets4, nets6, addrs4, addrs6, devs, marks, toses, ports)


def _host(rng: random.Random, net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    pick = rng.random()
    if pick < 0.1:
        return str(net.network_address)
    if pick < 0.2:
        return str(net.broadcast_address)
    return str(net.network_address + rng.randrange(net.num_addresses))


def destination(rng: random.Random, m: Material, v6: bool) -> str:
    """Mostly inside a route's prefix; sometimes a local address, a special one, anywhere."""
    pick = rng.random()
    if v6:
        if pick < 0.7 and m.nets6:
            return _host(rng, rng.choice(m.nets6))
        if pick < 0.85 and m.addrs6:
            return rng.choice(m.addrs6)
        return rng.choice(("::1", "fd99::1", "2001:db8::1", "ff02::1", "::"))
    if pick < 0.75 and m.nets4:
        return _host(rng, rng.choice(m.nets4))
    if pick < 0.85 and m.addrs4:
        return rng.choice(m.addrs4)
    if pick < 0.93:
        return rng.choice(SPECIAL4)
    return str(ipaddress.IPv4Address(rng.getrandbits(32)))


def selectors(rng: random.Random, m: Material, v6: bool) -> dict[str, Any]:
    """Some of every selector, in the forms a batch line may give them."""
    out: dict[str, Any] = {}
    addrs = m.addrs6 if v6 else m.addrs4
    if rng.random() < 0.3 and addrs:
        out[rng.choice(("from", "src"))] = (
            rng.choice(addrs) if rng.random() < 0.8 else (destination(rng, m, v6))
        )
    if rng.random() < 0.12 and m.devs:
        out["iif"] = rng.choice(m.devs)
        out.setdefault("from", destination(rng, m, v6))
        out.pop("src", None)
    elif rng.random() < 0.12 and m.devs:
        out["oif"] = rng.choice(m.devs)
    if rng.random() < 0.3:
        mark = rng.choice(m.marks)
        out["mark"] = hex(mark) if rng.random() < 0.3 else mark
    if rng.random() < 0.2 and not v6:
        out["tos"] = rng.choice(m.toses)
    elif rng.random() < 0.05:
        out["dscp"] = rng.choice((0, 10, "AF41", "EF"))
    if rng.random() < 0.2:
        out["uid"] = rng.choice((0, 5, 100, 1000, 65534))
    if rng.random() < 0.25:
        out["ipproto"] = rng.choice(("tcp", "udp", "icmp", 6, 17, "47"))
        if rng.random() < 0.6:
            out["sport"] = rng.choice(m.ports)
            out["dport"] = rng.choice(m.ports)
    if v6 and rng.random() < 0.05:
        out["flowlabel"] = rng.choice((1, 0xFFFFF))
    return out


def plain_line(rng: random.Random, dst: str) -> bytes:
    """``{"dst": DST}`` in the spellings a writer may use (all the plain shape)."""
    ws = rng.choice(("", " ", "  ", "\t", " \r"))
    form = rng.random()
    if form < 0.7:
        text = json.dumps({"dst": dst})
    elif form < 0.85:
        text = f'{{"dst":"{dst}"}}'
    else:
        text = f'{ws}{{{ws}"dst"{ws}:{ws}"{dst}"{ws}}}{ws}'
    return text.encode()


def lines_for(state: NetnsState, count: int, seed: int) -> list[bytes]:
    """``count`` batch lines: about half plain, the rest with selectors, IPv6, bad lines."""
    rng = random.Random(seed)
    m = material(state)
    out: list[bytes] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.02:
            out.append(rng.choice(BAD_LINES))
            continue
        if roll < 0.03:
            out.append(rng.choice((b"", b"   ", b"\t")))
            continue
        if roll < 0.04:
            first, second = destination(rng, m, False), destination(rng, m, False)
            out.append(rng.choice(TRICKY).format(first, second).encode())
            continue
        v6 = rng.random() < 0.15
        dst = destination(rng, m, v6)
        if roll < 0.55:
            out.append(plain_line(rng, dst))
            continue
        query: dict[str, Any] = {"dst": dst if rng.random() < 0.95 else f" {dst} "}
        query.update(selectors(rng, m, v6))
        items = list(query.items())
        if rng.random() < 0.2:
            rng.shuffle(items)
        out.append(json.dumps(dict(items)).encode())
    return out


def both_ways(
    state: NetnsState, names: dict[int, str], lines: list[bytes], tmp_path: Path
) -> tuple[FastBatch, int]:
    """Run the lines with and without the fast path; assert the same bytes and status;
    return the fast path (its counts) and the number of lines."""
    lookups = Lookups(Engine(state, names), None, state.link_names(), names)
    path = tmp_path / "batch.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    quick = FastBatch(lookups)
    fast_out, slow_out = io.StringIO(), io.StringIO()
    fast_status = run_batch(str(path), lookups, False, fast_out, fast=quick)
    slow_status = run_batch(str(path), lookups, False, slow_out, fast=False)
    fast_lines = fast_out.getvalue().splitlines(keepends=True)
    slow_lines = slow_out.getvalue().splitlines(keepends=True)
    assert len(fast_lines) == len(slow_lines)
    for number, (mine, theirs) in enumerate(zip(fast_lines, slow_lines, strict=True)):
        assert mine == theirs, f"answer {number + 1} differs:\n{mine}{theirs}"
    assert fast_status == slow_status
    assert quick.mismatches == 0
    return quick, len(fast_lines)
