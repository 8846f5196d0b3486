"""Small hand-built routing states for the engine's unit tests.

``Host`` builds a ``NetnsState`` the way the kernel would show it: an address brings its local,
broadcast and connected routes, rules default to local/main/default.  Tests add what they are
about and read like the configuration a network engineer would type.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from tests.kernel_routes import KERNEL, address_routes, connected, loopback_routes
from tui.fib import Engine, Query, Trace
from tui.model import (
    AF_INET,
    AF_INET6,
    FR_ACT_TO_TBL,
    IFF_LOOPBACK,
    IFF_LOWER_UP,
    IFF_UP,
    RT_SCOPE_HOST,
    RTN_LOCAL,
    RTN_UNICAST,
    Address,
    DevConf,
    Link,
    NetnsState,
    Nexthop,
    Route,
    Rule,
    Sysctls,
)

BOOT = 3  # what `ip route add` sets


@dataclass
class Host:
    """A namespace under construction: ``lo`` plus the links, addresses, routes and rules."""

    links: list[Link] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    rules: list[Rule] | None = None
    conf_all: DevConf = field(default_factory=DevConf)
    ipv6_forwarding: int = 0

    def __post_init__(self) -> None:
        self.link("lo", flags=IFF_UP | IFF_LOOPBACK | IFF_LOWER_UP)
        self.addr("lo", "127.0.0.1/8", scope=RT_SCOPE_HOST, kernel_routes=False)
        self.routes += loopback_routes(broadcast=False)

    def index(self, name: str) -> int:
        """The ifindex of a link by name."""
        return next(link.index for link in self.links if link.name == name)

    def dev_for(self, gateway: str) -> str | None:
        """The link whose subnet holds ``gateway``."""
        gw = ipaddress.ip_address(gateway)
        for a in self.addresses:
            if gw in ipaddress.ip_interface(f"{a.address}/{a.prefixlen}").network:
                return next(link.name for link in self.links if link.index == a.index)
        return None

    def link(
        self,
        name: str,
        *,
        up: bool = True,
        carrier: bool = True,
        flags: int | None = None,
        group: int = 0,
        inet6_forwarding: int | None = None,
        **conf: int,
    ) -> Host:
        """Add a link (``carrier=False``: cable out; ``conf``: its IPv4 devconf)."""
        if flags is None:
            flags = (IFF_UP if up else 0) | (IFF_LOWER_UP if carrier and up else 0)
        self.links.append(
            Link(
                len(self.links) + 1,
                name,
                flags,
                group=group,
                inet=DevConf(**conf),
                inet6_forwarding=inet6_forwarding,
            )
        )
        return self

    def addr(
        self,
        dev: str,
        cidr: str,
        *,
        scope: int = 0,
        secondary: bool = False,
        kernel_routes: bool = True,
    ) -> Host:
        """Add an address and, like the kernel, its local, broadcast and connected routes."""
        iface = ipaddress.ip_interface(cidr)
        family = AF_INET if iface.version == 4 else AF_INET6
        index = self.index(dev)
        local = str(iface.ip)
        self.addresses.append(
            Address(
                family,
                index,
                local,
                iface.network.prefixlen,
                scope,
                0x01 if secondary else 0,
                local if family == AF_INET else None,
            )
        )
        if not kernel_routes:
            return self
        net = iface.network
        if family == AF_INET:
            self.routes += address_routes(local, net.prefixlen, index, secondary)
            if not secondary:
                self.routes.append(connected(local, net.prefixlen, index))
        else:
            self.routes.append(
                Route(AF_INET6, 255, RTN_LOCAL, local, 128, protocol=KERNEL, priority=0, oif=index)
            )
            self.routes.append(
                Route(
                    AF_INET6,
                    254,
                    RTN_UNICAST,
                    str(net.network_address),
                    net.prefixlen,
                    protocol=KERNEL,
                    priority=256,
                    oif=index,
                )
            )
        return self

    def route(
        self,
        cidr: str,
        *,
        via: str | None = None,
        dev: str | None = None,
        table: int = 254,
        metric: int | None = None,
        type: int = RTN_UNICAST,
        tos: int = 0,
        src: str | None = None,
        scope: int = 0,
        flags: int = 0,
        nexthops: tuple[tuple[str, str], ...] = (),
        pref: int | None = None,
    ) -> Host:
        """``ip route add`` (``nexthops``: (gateway, dev) pairs of a multipath route)."""
        net = ipaddress.ip_network("0.0.0.0/0" if cidr == "default" else cidr)
        family = AF_INET if net.version == 4 else AF_INET6
        multipath = tuple(Nexthop(gw, self.index(d)) for gw, d in nexthops)
        if via is not None and dev is None:  # the kernel resolves the device of a gateway
            dev = self.dev_for(via)
        if family == AF_INET6 and metric is None:
            metric = 1024
        self.routes.append(
            Route(
                family,
                table,
                type,
                str(net.network_address),
                net.prefixlen,
                tos=tos,
                protocol=BOOT,
                scope=scope,
                flags=flags,
                priority=metric,
                prefsrc=src,
                gateway=via,
                oif=self.index(dev) if dev else None,
                multipath=multipath,
                pref=pref,
            )
        )
        return self

    def rule(
        self,
        priority: int,
        *,
        table: int = 0,
        action: int = FR_ACT_TO_TBL,
        family: int = AF_INET,
        **selectors: object,
    ) -> Host:
        """``ip rule add``; the first call replaces nothing: defaults are added at build."""
        if self.rules is None:
            self.rules = []
        self.rules.append(Rule(family, priority, action, table, **selectors))  # type: ignore[arg-type]
        return self

    def state(self) -> NetnsState:
        """The finished state (default rules when none were given)."""
        rules = self.rules if self.rules is not None else []
        defaults = [
            Rule(AF_INET, 0, FR_ACT_TO_TBL, 255),
            Rule(AF_INET, 32766, FR_ACT_TO_TBL, 254),
            Rule(AF_INET, 32767, FR_ACT_TO_TBL, 253),
            Rule(AF_INET6, 0, FR_ACT_TO_TBL, 255),
            Rule(AF_INET6, 32766, FR_ACT_TO_TBL, 254),
        ]
        have = {(r.family, r.priority) for r in rules}
        rules = rules + [r for r in defaults if (r.family, r.priority) not in have]
        return NetnsState(
            tuple(self.links),
            tuple(self.addresses),
            tuple(rules),
            tuple(self.routes),
            Sysctls(conf_all=self.conf_all, ipv6_forwarding_all=self.ipv6_forwarding),
        )

    def get(self, dst: str, **query: object) -> Trace:
        """``ip route get DST ...`` on this host, with the explanation."""
        return Engine(self.state()).lookup(Query.parse(dst, **query))


def two_links() -> Host:
    """lo, e1 10.1.0.1/24 and e2 10.2.0.1/24: the starting point of most tests."""
    return Host().link("e1").link("e2").addr("e1", "10.1.0.1/24").addr("e2", "10.2.0.1/24")


def texts(trace: Trace) -> list[str]:
    """The step sentences, for assertions on the explanation."""
    return [step.text for step in trace.steps]


def said(trace: Trace, fragment: str) -> bool:
    """Whether some step says ``fragment``."""
    return any(fragment in text for text in texts(trace))
