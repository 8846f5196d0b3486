"""The sysctls routing decisions depend on: per device (or all/default) and namespace-wide
(frozen, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class DevConf:
    """The IPv4 per-device (or all/default) sysctls that routing decisions depend on."""

    forwarding: int = 0
    rp_filter: int = 0
    accept_local: int = 0
    route_localnet: int = 0
    ignore_routes_with_linkdown: int = 0
    src_valid_mark: int = 0
    # Who answers ARP (``fibscope path``): arp_process, arp_fwd_proxy, arp_fwd_pvlan.
    proxy_arp: int = 0
    proxy_arp_pvlan: int = 0
    medium_id: int = 0
    arp_ignore: int = 0


@dataclass(frozen=True, slots=True)
class Sysctls:
    """Namespace-wide forwarding sysctls."""

    ip_forward: int = 0
    conf_all: DevConf = field(default_factory=DevConf)
    conf_default: DevConf = field(default_factory=DevConf)
    ipv6_forwarding_all: int = 0
    ipv6_forwarding_default: int = 0
    fib_multipath_hash_policy: int = 0
    # Multipath selection (None: not in the capture, so the engine may not rely on it).
    fib_multipath_use_neigh: int | None = None
    fib_multipath_hash_fields: int | None = None
    fib_multipath_hash_seed: int | None = None  # 0: a random per-boot key (6.11+)
    ipv6_multipath_hash_policy: int | None = None
    ipv6_multipath_hash_fields: int | None = None
    ipv6_proxy_ndp_all: int = 0
