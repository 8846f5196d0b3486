"""Made-up hosts of several namespaces for the path engine's unit tests (and the app's
snapshots): each namespace a ``tests.engine.states.Host``, joined by veths and bridges whose
IFLA_LINK / IFLA_LINK_NETNSID and nsid maps are filled in as the kernel would report them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from tests.engine.states import Host
from tui.fib.query import Query
from tui.model import HostState, Link, Namespace, NamespaceInfo, Neighbour
from tui.path import CaptureHost, PathResult, follow

INODE_BASE = 4026532000


@dataclass
class Made:
    """Namespaces by name, veth pairs, bridge ports and per-link changes."""

    hosts: dict[str, Host] = field(default_factory=dict)
    forward: set[str] = field(default_factory=set)
    pairs: list[tuple[str, str, str, str]] = field(default_factory=list)
    changes: dict[tuple[str, str], dict[str, object]] = field(default_factory=dict)
    neighbours: dict[str, list[Neighbour]] = field(default_factory=dict)
    host_name: str | None = None

    def ns(self, name: str, *, forward: bool = False, host: bool = False) -> Host:
        """A namespace (``host``: the one fibscope runs in)."""
        made = Host()
        self.hosts[name] = made
        if forward:
            self.forward.add(name)
        if host:
            self.host_name = name
        return made

    def veth(self, a: str, dev_a: str, b: str, dev_b: str, *, up_b: bool = True) -> None:
        """A veth pair between two namespaces (or within one)."""
        self.hosts[a].link(dev_a)
        self.hosts[b].link(dev_b, up=up_b)
        self.pairs.append((a, dev_a, b, dev_b))

    def change(self, ns: str, dev: str, **fields: object) -> None:
        """Set Link fields (kind, master, ...) or devconf values (``conf_<key>``)."""
        self.changes.setdefault((ns, dev), {}).update(fields)

    def bridge(self, ns: str, name: str, ports: tuple[str, ...]) -> None:
        """A bridge device with these ports (already made links of ``ns``)."""
        self.hosts[ns].link(name)
        self.change(ns, name, kind="bridge")
        index = self.hosts[ns].index(name)
        for port in ports:
            self.change(ns, port, master=index)

    def neighbour(self, ns: str, dev: str, dst: str, **fields: object) -> None:
        """A neighbour entry (``proxy=True``: a proxy entry; ``state``, ``lladdr``...)."""
        family = 10 if ":" in dst else 2
        index = self.hosts[ns].index(dev) if dev else 0
        entry = Neighbour(family, index, dst, **fields)  # type: ignore[arg-type]
        self.neighbours.setdefault(ns, []).append(entry)

    def inode(self, name: str) -> int:
        """The made-up inode of a namespace."""
        return INODE_BASE + list(self.hosts).index(name)

    def build(self, *, nsids: bool = True) -> HostState:
        """The HostState (``nsids=False``: as an older fibscope captured it, without the
        namespace ids and the neighbour tables)."""
        ids: dict[str, dict[str, int]] = {name: {} for name in self.hosts}
        links: dict[str, dict[str, Link]] = {}
        for name, made in self.hosts.items():
            links[name] = {}
            for link in made.links:
                inet = link.inet
                if name in self.forward and inet is not None and link.name != "lo":
                    inet = dataclasses.replace(inet, forwarding=1)
                links[name][link.name] = dataclasses.replace(link, inet=inet)
        for a, dev_a, b, dev_b in self.pairs:
            for here, dev, there, other in ((a, dev_a, b, dev_b), (b, dev_b, a, dev_a)):
                nsid = None
                if here != there:
                    nsid = ids[here].setdefault(there, len(ids[here]))
                links[here][dev] = dataclasses.replace(
                    links[here][dev],
                    kind="veth",
                    link=self.hosts[there].index(other),
                    link_netnsid=nsid,
                )
        for (name, dev), fields in self.changes.items():
            link = links[name][dev]
            conf = {k.removeprefix("conf_"): v for k, v in fields.items() if k.startswith("conf_")}
            rest = {k: v for k, v in fields.items() if not k.startswith("conf_")}
            if conf and link.inet is not None:
                link = dataclasses.replace(link, inet=dataclasses.replace(link.inet, **conf))  # type: ignore[arg-type]
            links[name][dev] = dataclasses.replace(link, **rest)  # type: ignore[arg-type]
        namespaces = []
        for name, made in self.hosts.items():
            state = made.state()
            nsid_map = tuple(sorted((i, self.inode(o)) for o, i in ids[name].items()))
            state = dataclasses.replace(
                state,
                links=tuple(links[name][link.name] for link in made.links),
                sysctls=dataclasses.replace(state.sysctls, ip_forward=int(name in self.forward)),
                nsids=nsid_map if nsids else None,
                neighbours=tuple(self.neighbours.get(name, ())) if nsids else None,
            )
            is_host = name == self.host_name
            info = NamespaceInfo(
                dev=4,
                inode=self.inode(name),
                names=() if is_host else (name,),
                paths=() if is_host else (f"/run/netns/{name}",),
                is_host=is_host,
            )
            namespaces.append(Namespace(info=info, state=state))
        return HostState(namespaces=tuple(namespaces), hostname="made-up", kernel="6.1.0")


def calico(pods: tuple[int, ...] = (7, 9)) -> Made:
    """The calico pattern: /32 pods, 169.254.1.1 answered by proxy ARP, an uplink eth0 with no
    peer (a physical device) towards 203.0.113.1."""
    made = Made()
    node = made.ns("fbknode", forward=True, host=True)
    node.link("eth0").addr("eth0", "203.0.113.10/24").route("default", via="203.0.113.1")
    for pod in pods:
        name = f"fbkpod{pod}"
        made.ns(name)
        made.veth("fbknode", f"cali{pod}", name, "eth0")
        made.hosts[name].addr("eth0", f"10.244.0.{pod}/32")
        made.hosts[name].route("169.254.1.1", dev="eth0", scope=253)
        made.hosts[name].route("default", via="169.254.1.1", dev="eth0", flags=4)
        made.change("fbknode", f"cali{pod}", conf_proxy_arp=1)
        node.route(f"10.244.0.{pod}/32", dev=f"cali{pod}", scope=253)
    return made


def small_node() -> Made:
    """Three pods on a bridge cni0 (10.88.0.1/24) of the node, the node's uplink eth0."""
    made = Made()
    node = made.ns("node", forward=True, host=True)
    node.link("eth0").addr("eth0", "203.0.113.10/24").route("default", via="203.0.113.1")
    ports = []
    for n in (1, 2, 3):
        name = f"pod{n}"
        made.ns(name)
        made.veth("node", f"veth{n}", name, "eth0")
        made.hosts[name].addr("eth0", f"10.88.0.{n + 1}/24").route("default", via="10.88.0.1")
        ports.append(f"veth{n}")
    made.bridge("node", "cni0", tuple(ports))
    node.addr("cni0", "10.88.0.1/24")
    return made


def run(host: HostState, start: str, dst: str, **query: Any) -> PathResult:
    """Follow ``dst`` from the namespace known as ``start`` through a made-up host."""
    info = next(ns.info for ns in host.namespaces if ns.info.known_as(start))
    return follow(CaptureHost(host), info, Query.parse(dst, **query))
