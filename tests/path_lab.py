"""Kernel-built topologies for ``fibscope path`` and the real traffic that proves a path.

A ``Lab`` makes uniquely named namespaces (IPv6 off, so that no router solicitation moves a
counter), veth pairs between them, and sends one UDP datagram along a path from a socket
opened inside the source namespace to a listener inside the destination namespace: only
between addresses of namespaces the test made.  Device packet counters (``ip -s -j link``)
before and after tell which devices the datagram crossed.
"""

from __future__ import annotations

import glob
import itertools
import json
import socket
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.netns_helpers import Netns, delete_netns, ip, run_fibscope
from tests.patience import PATIENCE, wait_until
from tui.kernel.netns import entered

SO_MARK = 36
PORT = 40999


@dataclass
class Lab:
    """Namespaces of one topology, named ``<prefix><role>``."""

    prefix: str
    spaces: dict[str, Netns] = field(default_factory=dict)

    def add(self, role: str, *, forward: bool = False, ipv6: bool = False) -> Netns:
        """A namespace with lo up, IPv4 forwarding when asked, and IPv6 off unless asked (then
        without duplicate address detection, forwarding as asked)."""
        ns = Netns(self.prefix + role)
        ip("netns", "add", ns.name)
        self.spaces[role] = ns
        v6 = (
            [
                "net.ipv6.conf.all.accept_dad=0",
                "net.ipv6.conf.default.accept_dad=0",
                f"net.ipv6.conf.all.forwarding={int(forward)}",
            ]
            if ipv6
            else ["net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]
        )
        ns.exec("sysctl", "-q", "-w", *v6, f"net.ipv4.ip_forward={int(forward)}")
        ns.ip("link", "set", "lo", "up")
        return ns

    def __getitem__(self, role: str) -> Netns:
        return self.spaces[role]

    def name(self, role: str) -> str:
        """The namespace's name (what fibscope calls it)."""
        return self.spaces[role].name

    def role_of(self, name: str) -> str:
        """The role of a namespace name."""
        return name.removeprefix(self.prefix)

    def link(self, a: str, dev_a: str, b: str, dev_b: str) -> None:
        """A veth pair ``a:dev_a`` <-> ``b:dev_b``, both ends up."""
        self[a].ip(
            "link", "add", dev_a, "type", "veth", "peer", "name", dev_b, "netns", self.name(b)
        )
        self[a].ip("link", "set", dev_a, "up")
        self[b].ip("link", "set", dev_b, "up")

    def chain(self, roles: list[str]) -> None:
        """Veths between consecutive roles: link n is 10.0.n.0/24 (.1 left, .2 right), the
        devices named ``to<other role>``."""
        for n, (left, right) in enumerate(itertools.pairwise(roles), 1):
            self.link(left, f"to{right}", right, f"to{left}")
            self[left].ip("addr", "add", f"10.0.{n}.1/24", "dev", f"to{right}")
            self[right].ip("addr", "add", f"10.0.{n}.2/24", "dev", f"to{left}")

    def sysctl(self, role: str, *settings: str) -> None:
        """``sysctl -w`` inside a namespace."""
        self[role].exec("sysctl", "-q", "-w", *settings)

    def _keep_neighbours(self) -> None:
        """Neighbour entries stay reachable for the whole module (an hour, randomised to at
        least half), bridge forwarding entries an hour: a stale entry's probe between the
        warm-up and the measured datagram moved counters of devices the packet never crossed
        (seen under load).  A namespace
        other than the first shows only its devices' settings, not ``default``."""
        for ns in self.spaces.values():
            with entered(ns.path):
                for fam in ("ipv4", "ipv6"):
                    for path in glob.glob(f"/proc/sys/net/{fam}/neigh/*/base_reachable_time_ms"):
                        with open(path, "w") as f:
                            f.write("3600000")
            # The same for the bridges' forwarding entries (300 s by default): a pod that has
            # only received for five minutes (its neighbours kept reachable, it answers no
            # ARP) was forgotten by the bridge, and a frame to it flooded every port (seen
            # under load: the node's vetha and pod a's eth0 moved for a datagram to pod b).
            for bridge in ns.ip_json("link", "show", "type", "bridge"):
                ns.ip(
                    "link", "set", str(bridge["ifname"]), "type", "bridge", "ageing_time", "360000"
                )

    def counters(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(role, device) -> (rx packets, tx packets) for every device but lo."""
        out: dict[tuple[str, str], tuple[int, int]] = {}
        for role, ns in self.spaces.items():
            for link in json.loads(ip("-n", ns.name, "-s", "-j", "link", "show") or "[]"):
                if link["ifname"] == "lo":
                    continue
                stats = link["stats64"]
                out[(role, link["ifname"])] = (stats["rx"]["packets"], stats["tx"]["packets"])
        return out

    def resolving(self) -> list[str]:
        """Neighbour entries still being resolved or probed (``INCOMPLETE``, ``DELAY``,
        ``PROBE``) in any namespace: each sends requests of its own until it settles."""
        busy = []
        for role, ns in self.spaces.items():
            for entry in json.loads(ip("-n", ns.name, "-j", "neigh", "show") or "[]"):
                states = set(entry.get("state", [])) & {"INCOMPLETE", "DELAY", "PROBE"}
                if states:
                    busy.append(f"{role}: {entry.get('dst')} {sorted(states)}")
        return busy

    def path(self, dest: str, start: str, *args: str) -> tuple[int, dict[str, Any]]:
        """``fibscope path --json`` from ``start``: (exit status, document)."""
        proc = run_fibscope("path", dest, "--netns", self.name(start), "--json", *args)
        assert proc.returncode in (0, 1, 3), proc.stderr
        return proc.returncode, json.loads(proc.stdout)

    def send(
        self,
        start: str,
        dest: str,
        listener: str | None,
        *,
        src: str | None = None,
        mark: int = 0,
        warm_up: bool = True,
        arrives: bool = True,
    ) -> tuple[str | None, set[tuple[str, str]]]:
        """One UDP datagram from ``start`` to ``dest`` (after one to warm ARP and the bridges'
        forwarding tables): (source address the listener in ``listener`` saw or None, the
        devices whose counters moved for the measured datagram).

        A datagram that ``arrives`` is waited for with the patience of a hang (a loaded
        machine is slow, not wrong); and before the counters are read, every neighbour entry
        of the lab has settled: an address still being resolved would send broadcast
        requests (flooded to every bridge port) into the count."""
        family = socket.AF_INET6 if ":" in dest else socket.AF_INET
        self._keep_neighbours()
        with ExitStack() as stack:
            rx = None
            if listener is not None:
                with entered(self[listener].path):
                    rx = stack.enter_context(socket.socket(family, socket.SOCK_DGRAM))
                rx.bind((dest, PORT))
                # One that must come is waited for until a hang; one that must not (a drop
                # with a listener) is looked for during a short window only.
                rx.settimeout(PATIENCE if arrives else 1.5)
            with entered(self[start].path):
                tx = stack.enter_context(socket.socket(family, socket.SOCK_DGRAM))
            if mark:
                tx.setsockopt(socket.SOL_SOCKET, SO_MARK, mark)
            if src is not None:
                tx.bind((src, 0))
            if warm_up:
                tx.sendto(b"warm-up", (dest, PORT))
                if rx is not None and arrives:
                    assert _receive(rx) is not None, "the warm-up never arrived"
            wait_until(lambda: not self.resolving(), "the lab's neighbour entries settled")
            before = self.counters()
            tx.sendto(b"measured", (dest, PORT))
            seen = _receive(rx) if rx is not None else None
            after = self.counters()
        moved = {key for key, value in after.items() if before.get(key) != value}
        return seen, moved


def _receive(rx: socket.socket) -> str | None:
    try:
        _, addr = rx.recvfrom(64)
    except TimeoutError:
        return None
    return str(addr[0])


@contextmanager
def lab() -> Iterator[Lab]:
    """A Lab whose namespaces are all deleted afterwards, whatever happens."""
    made = Lab(f"fsp{uuid.uuid4().hex[:6]}")
    try:
        yield made
    finally:
        for ns in made.spaces.values():
            delete_netns(ns.name)


def crossed(doc: dict[str, Any], lab: Lab) -> set[tuple[str, str]]:
    """The devices the path says the packet crosses: each hop's output device, its veth
    peer, the bridge port on the way and the device that receives the frame."""
    out: set[tuple[str, str]] = set()
    for hop in doc["hops"]:
        crossing = hop["crossing"]
        if crossing is None:
            continue
        here = lab.role_of(hop["netns"])
        out.add((here, crossing["dev"]))
        if crossing["peer_dev"]:
            out.add((lab.role_of(crossing["peer_netns"]), crossing["peer_dev"]))
        if crossing["to_dev"]:
            to = lab.role_of(crossing["to_netns"])
            out.add((to, crossing["to_dev"]))
            if crossing["port"]:
                bridge_ns = lab.role_of(crossing["peer_netns"] or hop["netns"])
                out.add((bridge_ns, crossing["port"]))
    return out


def check(
    topo: Lab,
    start: str,
    dest: str,
    listener: str | None,
    *,
    end: str,
    src: str | None = None,
    mark: int = 0,
) -> dict[str, Any]:
    """Predict (and verify against the kernel at each hop), send, compare; the document."""
    args = [] if src is None else ["--from", src]
    if mark:
        args += ["--mark", str(mark)]
    status, doc = topo.path(dest, start, "--verify", *args)
    assert doc["end"]["kind"] == end, doc["end"]
    assert all(hop["agree"] for hop in doc["hops"]), doc["hops"]
    assert status == (0 if end in ("delivered", "left_host") else 1)
    seen, moved = topo.send(start, dest, listener, src=src, mark=mark, arrives=end == "delivered")
    if end == "delivered":
        assert listener is not None and doc["end"]["netns"] == topo.name(listener)
        assert seen == (src or doc["hops"][0]["result"]["prefsrc"])
    else:
        assert seen is None
    want = crossed(doc, topo)
    assert moved == want, (
        f"moved but not crossed: {moved - want}; crossed, not moved: {want - moved}"
    )
    return doc


def uplink(topo: Lab, back: str) -> None:
    """An outside namespace ``out`` on the node's ``up0`` (192.0.2.0/24) that routes
    ``back`` (the pods' network) to the node."""
    topo.add("out")
    topo.link("node", "up0", "out", "up0")
    topo["node"].ip("addr", "add", "192.0.2.1/24", "dev", "up0")
    topo["out"].ip("addr", "add", "192.0.2.254/24", "dev", "up0")
    topo["out"].ip("route", "add", back, "via", "192.0.2.1")


def two_uplinks(topo: Lab) -> None:
    """Two outside namespaces ``outA`` and ``outB`` on the node's ``upA`` (192.0.1.0/24) and
    ``upB`` (192.0.2.0/24), both holding 198.51.100.7 and sending everything back to the node."""
    for n, side in ((1, "A"), (2, "B")):
        role = f"out{side}"
        topo.add(role)
        topo.link("node", f"up{side}", role, "up0")
        topo["node"].ip("addr", "add", f"192.0.{n}.1/24", "dev", f"up{side}")
        topo[role].ip("addr", "add", f"192.0.{n}.254/24", "dev", "up0")
        topo[role].ip("addr", "add", "198.51.100.7/32", "dev", "lo")
        topo[role].ip("route", "add", "default", "via", f"192.0.{n}.1")
