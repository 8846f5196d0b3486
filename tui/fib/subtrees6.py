"""IPv6 source-specific routes: the fib6 source subtrees (``CONFIG_IPV6_SUBTREES``).

A route added with ``from SRC/LEN`` does not sit at its destination's node of the fib6 tree
but in a second tree hanging off that node, keyed on the source (net/ipv6/ip6_fib.c
``fib6_add``).  The lookup order this gives is not simply "longest destination, then longest
source", so it is written down here exactly as the kernel walks it:

* ``fib6_node_lookup_1``: destination prefixes that hold ``daddr``, longest first.  At a prefix
  with source routes the subtree is searched for the longest source prefix holding ``saddr``;
  when none holds it the *whole prefix is passed over*, its routes without ``from`` included,
  and the search goes on with shorter destinations (the table's root, ``::/0``, is the
  exception: its own routes are then tried).
* ``fib6_backtrack`` (when ``rt6_select`` found nothing usable at a node): from a source
  node to the shorter source prefixes holding ``saddr`` under the same destination, then the
  destination's routes without ``from``, then the next shorter destination (its source
  subtree first, then its own routes), up to the root.

``saddr`` is the flow's source: ``::`` when ``ip route get`` has no ``from``
(``inet6_rtm_getroute`` looks up with the flowi6 as given), the packet's source on input.
Seen on 6.18: with ``2001:db8:600::/48 from 2001:db8:1::/64 dev e1`` and
``2001:db8:600::/48 dev p1`` a query without ``from`` skips both and takes a shorter prefix.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import NamedTuple

from tui.fib.addr import MASK6, to_int
from tui.model import AF_INET6, Route

Match = tuple[int, int, list[Route]]  # as TableIndex yields them: (plen, network, routes)


class Node6(NamedTuple):
    """One fib6 node the lookup tries: a destination prefix, a source prefix (0/0 for the
    routes without ``from``) and its routes in kernel order.  ``skipped``: a destination
    whose source routes all miss ``saddr``, passed over by the first descent."""

    plen: int
    net: int
    src_len: int
    src_net: int
    routes: list[Route]
    skipped: bool = False


@lru_cache(maxsize=4096)
def _src_net(src: str, plen: int) -> int:
    return to_int(AF_INET6, src) & MASK6[plen]


def route_src_net(route: Route) -> int:
    """The masked source prefix of a source-specific route as an int."""
    return _src_net(route.src or "::", route.src_len)


def has_sources(routes: Iterable[Route]) -> bool:
    """Whether any of the routes is source-specific (has a ``from``)."""
    return any(route.src_len for route in routes)


def fib6_nodes(matches: Iterable[Match], saddr: int) -> Iterator[Node6]:
    """The nodes in the order ``fib6_table_lookup`` tries them (see the module text)."""
    started = False
    for plen, net, routes in matches:
        if not has_sources(routes):
            started = True
            yield Node6(plen, net, 0, 0, routes)
            continue
        plain = [route for route in routes if not route.src_len]
        groups: dict[tuple[int, int], list[Route]] = {}
        for route in routes:
            if route.src_len:
                snet = route_src_net(route)
                if saddr & MASK6[route.src_len] == snet:
                    groups.setdefault((route.src_len, snet), []).append(route)
        if not started and not groups and plen != 0:
            yield Node6(plen, net, 0, 0, routes, skipped=True)
            continue
        started = True
        for key in sorted(groups, reverse=True):
            yield Node6(plen, net, key[0], key[1], groups[key])
        if plain:
            yield Node6(plen, net, 0, 0, plain)


def plain_nodes(matches: Iterable[Match]) -> Iterator[Node6]:
    """A table without source routes: every destination prefix, longest first."""
    for plen, net, routes in matches:
        yield Node6(plen, net, 0, 0, routes)


__all__ = ["Node6", "fib6_nodes", "has_sources", "plain_nodes", "route_src_net"]
