"""Reading one namespace's routing state: links, addresses and rules from raw dumps
(``small_dump``; the pyroute2 reading below is kept as the reference its tests compare with),
routes through the fast decoder, sysctls from ``/proc/sys/net`` of the entered namespace."""

from __future__ import annotations

import os
import socket
from typing import Any

from tui.kernel.netlink.fdb_dump import dump_fdb
from tui.kernel.netlink.neigh_dump import dump_neighbours
from tui.kernel.netlink.nexthop_codec import read_nexthops
from tui.kernel.netlink.route_dump import RECV_BUFFER, dump_routes, open_route_socket
from tui.kernel.netlink.rule_codec import decode_rule
from tui.kernel.netlink.small_dump import read_small_raw
from tui.kernel.netns import NetnsError, entered
from tui.kernel.proc_ipv6_route import parse_ipv6_route_proc
from tui.model import (
    AF_INET,
    AF_INET6,
    Address,
    DevConf,
    Ipv6ProcRoute,
    Link,
    NetnsState,
    Rule,
    Sysctls,
    Vxlan,
)

DEVCONF_KEYS = (
    "forwarding",
    "rp_filter",
    "accept_local",
    "route_localnet",
    "ignore_routes_with_linkdown",
    "src_valid_mark",
    "proxy_arp",
    "proxy_arp_pvlan",
    "medium_id",
    "arp_ignore",
)


def _read_int(path: str, default: int = 0) -> int:
    try:
        with open(path, encoding="ascii") as fh:
            return int(fh.read().split()[0])
    except (OSError, ValueError, IndexError):
        return default


def _devconf(name: str) -> DevConf:
    base = f"/proc/sys/net/ipv4/conf/{name}/"
    return DevConf(**{key: _read_int(base + key) for key in DEVCONF_KEYS})


def read_sysctls() -> Sysctls:
    """The forwarding sysctls of the namespace the calling thread is in."""
    return Sysctls(
        ip_forward=_read_int("/proc/sys/net/ipv4/ip_forward"),
        conf_all=_devconf("all"),
        conf_default=_devconf("default"),
        ipv6_forwarding_all=_read_int("/proc/sys/net/ipv6/conf/all/forwarding"),
        ipv6_forwarding_default=_read_int("/proc/sys/net/ipv6/conf/default/forwarding"),
        fib_multipath_hash_policy=_read_int("/proc/sys/net/ipv4/fib_multipath_hash_policy"),
        **_multipath_sysctls(),
        ipv6_proxy_ndp_all=_read_int("/proc/sys/net/ipv6/conf/all/proxy_ndp"),
    )


def _read_opt(path: str) -> int | None:
    """A sysctl that an older kernel may not have (None then)."""
    value = _read_int(path, -1)
    return None if value < 0 else value


def _multipath_sysctls() -> dict[str, int | None]:
    """The sysctls multipath selection depends on (None where this kernel has none)."""
    v4, v6 = "/proc/sys/net/ipv4/", "/proc/sys/net/ipv6/"
    return {
        "fib_multipath_use_neigh": _read_opt(v4 + "fib_multipath_use_neigh"),
        "fib_multipath_hash_fields": _read_opt(v4 + "fib_multipath_hash_fields"),
        "fib_multipath_hash_seed": _read_opt(v4 + "fib_multipath_hash_seed"),
        "ipv6_multipath_hash_policy": _read_opt(v6 + "fib_multipath_hash_policy"),
        "ipv6_multipath_hash_fields": _read_opt(v6 + "fib_multipath_hash_fields"),
    }


def kernel_text(value: Any) -> Any:
    """A name from the kernel as text: pyroute2 hands over bytes that are not UTF-8 (a link
    may be named with any byte but '/', ':' and white space); they are kept exactly, as
    surrogate escapes (what ``os.fsdecode`` does), and escaped only when shown."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return value


def link_from_msg(msg: Any, with_conf: bool = True) -> Link:
    """A Link from a pyroute2 RTM_NEWLINK message (devconf read from /proc when asked)."""
    name = kernel_text(msg.get("IFLA_IFNAME")) or f"if{msg['index']}"
    kind = None
    vrf_table = None
    vxlan = None
    linkinfo = msg.get("IFLA_LINKINFO")
    if linkinfo is not None:
        kind = kernel_text(linkinfo.get("IFLA_INFO_KIND"))
        data = linkinfo.get("IFLA_INFO_DATA") if kind in ("vrf", "vxlan") else None
        if data is not None and not isinstance(data, str | bytes):
            if kind == "vrf":
                vrf_table = data.get("IFLA_VRF_TABLE")
            else:
                vxlan = vxlan_from_data(data)
    inet6_fwd = proxy_ndp = None
    af_spec = msg.get("IFLA_AF_SPEC")
    if af_spec is not None:
        inet6 = af_spec.get("AF_INET6")
        conf6 = inet6.get("IFLA_INET6_CONF") if inet6 is not None else None
        if conf6:
            inet6_fwd = conf6.get("forwarding")
            proxy_ndp = conf6.get("proxy_ndp")
    return Link(
        index=msg["index"],
        name=name,
        flags=msg["flags"],
        operstate=msg.get("IFLA_OPERSTATE") or "UNKNOWN",
        kind=kind,
        master=msg.get("IFLA_MASTER"),
        mtu=msg.get("IFLA_MTU") or 0,
        group=msg.get("IFLA_GROUP") or 0,
        address=msg.get("IFLA_ADDRESS"),
        inet=_devconf(name) if with_conf else None,
        inet6_forwarding=inet6_fwd,
        link=msg.get("IFLA_LINK"),
        link_netnsid=msg.get("IFLA_LINK_NETNSID"),
        inet6_proxy_ndp=proxy_ndp,
        vrf_table=vrf_table,
        vxlan=vxlan,
    )


def vxlan_from_data(data: Any) -> Vxlan | None:
    """A vxlan's settings from pyroute2's decoded IFLA_INFO_DATA (None without a VNI)."""
    vni = data.get("IFLA_VXLAN_ID")
    if not isinstance(vni, int):
        return None
    port = data.get("IFLA_VXLAN_PORT")
    link = data.get("IFLA_VXLAN_LINK")
    unset = (None, "", "0.0.0.0", "::")
    local = data.get("IFLA_VXLAN_LOCAL")
    local = local if local not in unset else data.get("IFLA_VXLAN_LOCAL6")
    group = data.get("IFLA_VXLAN_GROUP")
    group = group if group not in unset else data.get("IFLA_VXLAN_GROUP6")
    return Vxlan(
        vni=vni,
        port=port if isinstance(port, int) else 4789,
        local=local if local not in unset else None,
        group=group if group not in unset else None,
        link=link or None,
        external=bool(data.get("IFLA_VXLAN_COLLECT_METADATA")),
        learning=bool(data.get("IFLA_VXLAN_LEARNING", 1)),
    )


def address_from_msg(msg: Any) -> Address:
    """An Address from a pyroute2 RTM_NEWADDR message."""
    return Address(
        family=msg["family"],
        index=msg["index"],
        address=msg.get("IFA_ADDRESS") or msg.get("IFA_LOCAL") or "",
        prefixlen=msg["prefixlen"],
        scope=msg["scope"],
        flags=msg.get("IFA_FLAGS") or msg["flags"],
        local=msg.get("IFA_LOCAL"),
        broadcast=msg.get("IFA_BROADCAST"),
        label=kernel_text(msg.get("IFA_LABEL")),
    )


def rule_from_msg(msg: Any) -> Rule:
    """A Rule from a pyroute2 RTM_NEWRULE message, decoded from its raw bytes (pyroute2 drops
    the payload of the attributes its map does not know: dscp, flow label, port masks)."""
    return decode_rule(msg.data, msg.offset, msg.length)


def read_ipv6_proc_routes() -> tuple[Ipv6ProcRoute, ...]:
    """The rows of /proc/net/ipv6_route of the calling thread's namespace (what route -6 reads)."""
    try:
        path = "/proc/thread-self/net/ipv6_route"  # device names may hold any byte
        with open(path, encoding="ascii", errors="surrogateescape") as fh:
            return tuple(parse_ipv6_route_proc(fh.read()))
    except OSError:
        return ()


def read_small_here() -> tuple[tuple[Link, ...], tuple[Address, ...], tuple[Rule, ...]]:
    """Links (with their IPv4 devconf), addresses and rules (v4 then v6) of the namespace the
    calling thread is in."""
    with open_route_socket(None, rcvbuf=1 << 20) as sock:
        return read_small_raw(sock, bytearray(RECV_BUFFER), _devconf)


def read_small(ipr: Any) -> tuple[tuple[Link, ...], tuple[Address, ...], tuple[Rule, ...]]:
    """Links, addresses and rules (v4 and v6) through an open pyroute2 socket: the reference
    ``read_small_here`` is tested against."""
    links = tuple(link_from_msg(m) for m in ipr.get_links())
    addresses = tuple(address_from_msg(m) for m in ipr.get_addr())
    rules = tuple(
        rule_from_msg(m) for family in (AF_INET, AF_INET6) for m in ipr.get_rules(family=family)
    )
    return links, addresses, rules


def read_netns(path: str | None, *, routes: bool = True) -> NetnsState:
    """The whole routing state of the namespace at ``path`` (``None``: our own); without its
    routes when ``routes`` is false (a capture streams them apart).

    Raises NetnsError when the namespace cannot be entered or vanishes while being read.
    """
    try:
        with entered(path):
            links, addresses, rules = read_small_here()
            table = tuple(dump_routes(None, socket.AF_UNSPEC)) if routes else ()
            nexthops = read_nexthops(None)
            sysctls = read_sysctls()
            proc6 = read_ipv6_proc_routes()
            neighbours = dump_neighbours()
            fdb = dump_fdb()
    except NetnsError:
        raise
    except OSError as exc:
        where = path or "own namespace"
        raise NetnsError(f"{where}: {exc.strerror or exc}") from exc
    return NetnsState(
        links=links,
        addresses=addresses,
        rules=rules,
        routes=table,
        sysctls=sysctls,
        ipv6_proc_routes=proc6,
        neighbours=neighbours,
        nexthops=nexthops,
        fdb=fdb,
    )


def hostname_and_kernel() -> tuple[str, str]:
    """The host's name and kernel release, for the capture header."""
    uts = os.uname()
    return uts.nodename, uts.release
