"""Generated routing scenarios and both sides' answers, shared by the differential tests.

A scenario is the commands that build a namespace (veth links, one without carrier, addresses,
several tables, policy rules with every selector and action, reject routes, tos and metric ties,
local ranges, per-device forwarding and rp_filter, IPv6) and the queries to ask of it;
``kernel_answers`` asks the kernel (``ip -n NS -d -j -force -batch``) and the ``normalise_*``
functions reduce the kernel's and the engine's answers to the fields both give.
"""

from __future__ import annotations

import json
import random
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.netns_helpers import Netns
from tui.fib import Query, Trace

ERRORS = {
    "Network is unreachable": "ENETUNREACH",
    "No route to host": "EHOSTUNREACH",
    "Permission denied": "EACCES",
    "Invalid argument": "EINVAL",
    "Invalid cross-device link": "EXDEV",
    "No such device": "ENODEV",
}
TABLES = {"local": 255, "main": 254, "default": 253}


@dataclass
class Scenario:
    """Commands that build a namespace, sysctls to set, and the queries to ask."""

    seed: int
    commands: list[str] = field(default_factory=list)
    sysctls: list[tuple[str, str]] = field(default_factory=list)
    v4_prefixes: list[str] = field(default_factory=list)
    v6_prefixes: list[str] = field(default_factory=list)
    local4: list[str] = field(default_factory=list)
    local6: list[str] = field(default_factory=list)
    marks: list[int] = field(default_factory=lambda: [0])
    toses: list[int] = field(default_factory=lambda: [0])
    refused: int = 0


DEVS = ("e1", "e2", "e3", "e4")  # e4 has no carrier (its peer stays down)
DEAD = "e5"  # up while routes are added, then set down: its next hops turn dead


def _net4(rng: random.Random) -> str:
    plen = rng.choice((8, 12, 16, 16, 20, 24, 24, 24, 28, 32))
    first = rng.choice((10, 10, 172, 192, 100))
    value = (first << 24) | rng.getrandbits(24)
    value &= ((1 << 32) - 1) ^ ((1 << (32 - plen)) - 1)
    return f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}/{plen}"


def _net6(rng: random.Random) -> str:
    plen = rng.choice((32, 48, 56, 64, 64, 96, 128))
    value = (0xFD00 << 112) | (rng.getrandbits(16) << 96) | rng.getrandbits(96)
    value &= ((1 << 128) - 1) ^ ((1 << (128 - plen)) - 1)
    import ipaddress

    return f"{ipaddress.IPv6Address(value)}/{plen}"


def _route4(rng: random.Random, sc: Scenario, table: str) -> str:
    prefix = rng.choice(sc.v4_prefixes) if sc.v4_prefixes and rng.random() < 0.3 else _net4(rng)
    sc.v4_prefixes.append(prefix)
    kind = rng.random()
    tail = f" table {table}"
    if rng.random() < 0.5:
        tail += f" metric {rng.choice((0, 5, 10, 50, 100))}"
    if rng.random() < 0.15:
        tos = rng.choice((0x10, 0x08, 0x04))
        sc.toses.append(tos)
        tail += f" tos {tos:#x}"
    if kind < 0.08:
        return f"route append blackhole {prefix}{tail}"
    if kind < 0.14:
        return f"route append unreachable {prefix}{tail}"
    if kind < 0.18:
        return f"route append prohibit {prefix}{tail}"
    if kind < 0.26 and table != "main":
        return f"route append throw {prefix}{tail}"
    if rng.random() < 0.15:
        hops = rng.sample((*DEVS[:3], DEAD), 2)
        via = " ".join(f"nexthop via 10.{d[1]}.0.{rng.randint(2, 250)} dev {d}" for d in hops)
        return f"route append {prefix}{tail} {via}"
    dev = rng.choice(DEVS)
    if rng.random() < 0.25:
        src = f" src 10.{dev[1]}.0.1" if rng.random() < 0.5 else ""
        return f"route append {prefix} dev {dev}{src}{tail}"
    return f"route append {prefix} via 10.{dev[1]}.0.{rng.randint(2, 250)} dev {dev}{tail}"


def _rule(rng: random.Random, sc: Scenario, pref: int, family: str) -> str:
    v6 = family == "-6"
    parts = [f"{family} rule add pref {pref}"]
    if rng.random() < 0.1:
        parts.append("not")
    nets = sc.v6_prefixes if v6 else sc.v4_prefixes
    if rng.random() < 0.3 and nets:
        parts.append(f"from {rng.choice(nets)}")
    if rng.random() < 0.3 and nets:
        parts.append(f"to {rng.choice(nets)}")
    choice = rng.random()
    if choice < 0.12:
        mark = rng.choice((1, 2, 0x10, 0x100))
        sc.marks.append(mark)
        parts.append(f"fwmark {mark:#x}" + ("/0xff" if rng.random() < 0.3 else ""))
    elif choice < 0.22:
        parts.append(f"iif {rng.choice(('lo', 'e1', 'e2', 'e3', 'nosuch'))}")
    elif choice < 0.28:
        parts.append(f"oif {rng.choice(DEVS)}")
    elif choice < 0.34 and not v6:
        tos = rng.choice((0x10, 0x08))
        sc.toses.append(tos)
        parts.append(f"tos {tos:#x}")
    elif choice < 0.40:
        low = rng.choice((0, 100, 1000))
        parts.append(f"uidrange {low}-{low + rng.choice((0, 10, 1000))}")
    elif choice < 0.48:
        parts.append(f"ipproto {rng.choice(('tcp', 'udp', 'icmp' if not v6 else 'ipv6-icmp'))}")
    elif choice < 0.56:
        word = rng.choice(("sport", "dport"))
        low = rng.choice((22, 53, 80, 1000))
        parts.append(f"{word} {low}-{low + rng.choice((0, 10, 1000))}")
    action = rng.random()
    if action < 0.08:
        parts.append(rng.choice(("blackhole", "unreachable", "prohibit")))
    elif action < 0.14:
        parts.append(f"goto {pref + rng.choice((1, 5, 10, 15))}")
    elif action < 0.18:
        parts.append("nop")
    else:
        parts.append(f"lookup {rng.choice(('100', '200', '300', '400', 'main'))}")
        if rng.random() < 0.15:
            parts.append(f"suppress_prefixlength {rng.choice((0, 8, 16, 24))}")
        elif rng.random() < 0.08:
            parts.append("suppress_ifgroup 7")
    return " ".join(parts)


def build_scenario(seed: int, custom_rules: bool = True) -> Scenario:
    """A random but reproducible namespace configuration."""
    rng = random.Random(seed)
    sc = Scenario(seed)
    cmd = sc.commands.append
    for i, dev in enumerate(DEVS, start=1):
        cmd(f"addr add 10.{i}.0.1/24 dev {dev}")
        sc.local4.append(f"10.{i}.0.1")
        cmd(f"-6 addr add fd0{i}::1/64 dev {dev} nodad")
        sc.local6.append(f"fd0{i}::1")
        sc.v4_prefixes.append(f"10.{i}.0.0/24")
        sc.v6_prefixes.append(f"fd0{i}::/64")
    cmd(f"addr add 10.5.0.1/24 dev {DEAD}")
    cmd("addr add 10.1.0.2/24 dev e1")  # a secondary address
    cmd("addr add 192.168.3.1/24 dev e3")
    cmd("addr add 10.255.0.1/32 dev lo")
    sc.local4 += ["10.1.0.2", "192.168.3.1", "10.255.0.1", "127.0.0.1"]
    cmd("link set e3 group 7")
    if rng.random() < 0.7:
        cmd("route add local 10.77.0.0/16 dev lo table local")
        sc.v4_prefixes.append("10.77.0.0/16")
    metric = rng.choice((0, 10, 20))
    cmd(f"route add default via 10.1.0.254 metric {metric}")
    if rng.random() < 0.5:
        cmd(f"route append default via 10.2.0.254 metric {rng.choice((metric, 20))}")
    tables = ["main", "100", "200", "300"]
    for _ in range(rng.randint(25, 45)):
        cmd(_route4(rng, sc, rng.choice(tables)))
    if rng.random() < 0.5:
        cmd("route add 10.99.0.0/16 via 10.1.0.9 table default")
        sc.v4_prefixes.append("10.99.0.0/16")
    cmd("-6 route add default via fd01::fe")
    for _ in range(rng.randint(12, 20)):
        prefix = _net6(rng)
        sc.v6_prefixes.append(prefix)
        dev = rng.choice(DEVS)
        table = rng.choice(tables)
        kind = rng.random()
        metric = rng.choice((1024, 1024, 100, 2000))
        if kind < 0.1:
            cmd(f"-6 route append unreachable {prefix} table {table} metric {metric}")
        elif kind < 0.16:
            cmd(f"-6 route append blackhole {prefix} table {table} metric {metric}")
        elif kind < 0.2:
            cmd(f"-6 route append prohibit {prefix} table {table} metric {metric}")
        elif kind < 0.26 and table != "main":
            cmd(f"-6 route append throw {prefix} table {table} metric {metric}")
        else:
            cmd(
                f"-6 route append {prefix} via fd0{dev[1]}::{rng.randint(2, 250):x} dev {dev} "
                f"table {table} metric {metric}"
            )
    if custom_rules:
        for pref in sorted(rng.sample(range(10, 30000, 10), rng.randint(6, 14))):
            cmd(_rule(rng, sc, pref, ""))
        for pref in sorted(rng.sample(range(10, 30000, 10), rng.randint(3, 7))):
            cmd(_rule(rng, sc, pref, "-6"))
    sysctl = sc.sysctls.append
    sysctl(("net/ipv4/conf/all/rp_filter", str(rng.choice((0, 0, 1, 2)))))
    for dev in DEVS:
        if rng.random() < 0.6:
            sysctl((f"net/ipv4/conf/{dev}/forwarding", "1"))
        sysctl((f"net/ipv4/conf/{dev}/rp_filter", str(rng.choice((0, 1, 2)))))
        if rng.random() < 0.2:
            sysctl((f"net/ipv4/conf/{dev}/accept_local", "1"))
        if rng.random() < 0.15:
            sysctl((f"net/ipv4/conf/{dev}/route_localnet", "1"))
    sysctl(("net/ipv4/conf/e4/ignore_routes_with_linkdown", str(rng.choice((0, 1)))))
    if rng.random() < 0.5:
        sysctl(("net/ipv6/conf/all/forwarding", "1"))
    return sc


def _write_sysctl(ns: Netns, key: str, value: str) -> None:
    ns.exec("sysctl", "-q", "-w", f"{key.replace('/', '.')}={value}")


def setup_namespace(ns: Netns, peer: Netns, sc: Scenario) -> None:
    """Links first (e4's peer stays down: no carrier), then the scenario's commands."""
    for key in ("net/ipv6/conf/all/accept_dad", "net/ipv6/conf/default/accept_dad"):
        _write_sysctl(ns, key, "0")
    for dev in (*DEVS, DEAD):
        ns.veth(dev, f"p{dev}", peer_ns=peer, up=dev != "e4")
    ns.ip("link", "set", "e4", "up")
    for key, value in sc.sysctls:
        if key.endswith("/forwarding") or "rp_filter" in key or "accept_local" in key:
            _write_sysctl(ns, key, value)
    for family in ("-4", "-6"):
        lines = [
            c.removeprefix("-6 ").strip()
            for c in sc.commands
            if c.startswith("-6 ") == (family == "-6")
        ]
        with tempfile.NamedTemporaryFile("w", prefix="fsl-setup-", suffix=".txt") as fh:
            fh.write("\n".join(lines) + "\n")
            fh.flush()
            # -force: a generated rule the kernel refuses (a duplicate, say) is just skipped.
            proc = subprocess.run(
                ["ip", "-n", ns.name, family, "-force", "-batch", fh.name],
                capture_output=True,
                text=True,
                check=False,
            )
            sc.refused += proc.stderr.count("Command failed")
    ns.ip("link", "set", DEAD, "down")
    for key, value in sc.sysctls:
        _write_sysctl(ns, key, value)


def _addr_in(rng: random.Random, prefix: str) -> str:
    import ipaddress

    net = ipaddress.ip_network(prefix, strict=False)
    return str(net.network_address + rng.randrange(net.num_addresses))


def gen_queries(sc: Scenario, count: int, rng: random.Random) -> Iterator[Query]:
    """Queries aimed at the scenario's prefixes, local addresses and special cases."""
    specials4 = [
        "255.255.255.255",
        "224.0.0.5",
        "127.0.0.1",
        "127.1.2.3",
        "10.1.0.255",
        "8.8.8.8",
        "0.0.0.0",
    ]
    for _ in range(count):
        v6 = rng.random() < 0.25
        nets = sc.v6_prefixes if v6 else sc.v4_prefixes
        pick = rng.random()
        if pick < 0.65:
            dst = _addr_in(rng, rng.choice(nets))
        elif pick < 0.8:
            dst = rng.choice(sc.local6 if v6 else sc.local4)
        elif v6:
            dst = rng.choice(("fd99::1", "2001:db8::1", "::1", "fd01::fe"))
        else:
            dst = rng.choice(specials4)
        kwargs: dict[str, Any] = {}
        if rng.random() < 0.45:  # input path
            kwargs["iif"] = rng.choice(DEVS + ("lo",))
            kwargs["src"] = (
                _addr_in(rng, rng.choice(nets))
                if rng.random() < 0.85
                else rng.choice(sc.local6 if v6 else sc.local4)
            )
        else:
            if rng.random() < 0.3:
                kwargs["src"] = (
                    rng.choice(sc.local6 if v6 else sc.local4)
                    if rng.random() < 0.7
                    else _addr_in(rng, rng.choice(nets))
                )
            if rng.random() < 0.2:
                kwargs["oif"] = rng.choice(DEVS)
        if rng.random() < 0.3:
            kwargs["mark"] = rng.choice(sc.marks)
        if rng.random() < 0.25 and not v6:
            kwargs["tos"] = rng.choice(sc.toses)
        if rng.random() < 0.2:
            kwargs["uid"] = rng.choice((0, 5, 100, 105, 1000, 1500))
        if rng.random() < 0.3:
            kwargs["ipproto"] = rng.choice(("tcp", "udp", "icmp"))
            if kwargs["ipproto"] != "icmp" and rng.random() < 0.7:
                kwargs["sport"] = rng.choice((22, 53, 80, 1005, 5000))
                kwargs["dport"] = rng.choice((22, 53, 80, 1005, 5000))
        yield Query(dst, **kwargs)


def ip_words(q: Query) -> str:
    """The ``route get`` line for ``ip -batch``."""
    words = ["route", "get", q.dst]
    for word, value in (("from", q.src), ("iif", q.iif), ("oif", q.oif)):
        if value is not None:
            words += [word, value]
    if q.mark:
        words += ["mark", str(q.mark)]
    if q.tos:
        words += ["tos", f"{q.tos:#x}"]
    for word, val in (
        ("uid", q.uid),
        ("ipproto", q.ipproto),
        ("sport", q.sport),
        ("dport", q.dport),
    ):
        if val is not None:
            words += [word, str(val)]
    return " ".join(words)


def kernel_answers(ns: Netns, queries: list[Query]) -> list[dict[str, Any]]:
    """One ``ip -d -j -force -batch`` run; each answer is the route object or {"error": ...}."""
    with tempfile.NamedTemporaryFile("w", prefix="fsl-get-", suffix=".txt") as fh:
        fh.write("\n".join(ip_words(q) for q in queries) + "\n")
        fh.flush()
        proc = subprocess.run(
            ["ip", "-n", ns.name, "-d", "-j", "-force", "-batch", fh.name],
            capture_output=True,
            text=True,
            check=False,
        )
        failed: dict[int, str] = {}
        pending: list[str] = []
        for line in proc.stderr.splitlines():
            if line.startswith("Command failed"):
                failed[int(line.rsplit(":", 1)[1])] = " ".join(pending)
                pending = []
            else:
                pending.append(line)
    outputs = iter(line for line in proc.stdout.splitlines() if line.strip())
    answers: list[dict[str, Any]] = []
    for number in range(1, len(queries) + 1):
        if number in failed:
            text = failed[number]
            name = next((v for k, v in ERRORS.items() if k in text), text)
            answers.append({"error": name})
        else:
            answers.append(json.loads(next(outputs))[0])
    return answers


def normalise_kernel(answer: dict[str, Any], q: Query) -> dict[str, Any]:
    """The compared fields of a kernel answer."""
    if "error" in answer:
        return {"error": answer["error"]}
    table = answer.get("table")
    out = {
        "error": None,
        "type": answer.get("type", "unicast"),
        "dev": answer.get("dev"),
        "gateway": answer.get("gateway"),
        "table": TABLES[table] if table in TABLES else int(table or 0),
    }
    if q.iif is None and q.src is None:
        out["prefsrc"] = answer.get("prefsrc")
    return out


def normalise_engine(trace: Trace, q: Query) -> dict[str, Any]:
    """The same fields from the engine's verdict (an IPv6 forward drop is a route)."""
    v = trace.verdict
    if v.error:
        return {"error": v.error_name}
    out = {"error": None, "type": v.type, "dev": v.dev, "gateway": v.gateway, "table": v.table or 0}
    if q.iif is None and q.src is None:
        out["prefsrc"] = v.prefsrc
    return out
