"""Differential test: our text views of a real namespace against the real tools, byte for byte.

One namespace holds veth pairs (one end without carrier), tables main/local/1000/4000000000/
3000 (named ``blue`` through an rt_tables mapping), rules with every selector and action,
reject/throw/multipath/nexthop-object/tos/metric routes, IPv6 included, and sweeps of every
protocol, scope, tos and ipproto value.
The model comes from ``tui.kernel.netlink.dump.read_netns``;
the formatters must print exactly what ``ip``, ``route -n`` and ``route -n -A inet6`` print.
``ip`` runs in a private mount namespace whose /etc/iproute2 also names table 3000.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from tests.ipv6_settle import wait_ipv6_settled
from tests.netns_helpers import Netns, requires_netns, temp_netns
from tui.formats.iproute import TABLE_ALL, ip_route_show
from tui.formats.iprule import ip_rule_show
from tui.formats.route_n import route6_n, route_n
from tui.kernel.netlink.dump import read_netns
from tui.kernel.proc_ipv6_route import parse_ipv6_route_proc
from tui.model import AF_INET, AF_INET6, NetnsState
from tui.names import parse_table

pytestmark = requires_netns

NAMED = {3000: "blue"}

SETUP_SYSCTLS = (
    "net.ipv6.conf.all.accept_dad=0",
    "net.ipv6.conf.default.accept_dad=0",
    "net.ipv6.conf.all.forwarding=1",  # IPv6 anycast routes in table local
)
SETUP = """\
link add va type veth peer name vb
link add vc type veth peer name vd
link set va up
link set vb up
link set vc up
addr add 10.1.0.1/24 dev va
addr add 10.30.0.1/24 dev vc
addr add 2001:db8:1::1/64 dev va nodad
addr add 2001:db8:30::1/64 dev vc nodad
route add default via 10.1.0.254
route add 10.2.0.0/16 via 10.1.0.2 metric 5 proto static
route add blackhole 10.3.0.0/16
route add unreachable 10.4.0.0/16
route add prohibit 10.5.0.5
route add throw 10.6.0.0/16
route add 10.7.0.0/16 tos 0x10 via 10.1.0.3
route add 10.7.0.0/16 tos 0x28 via 10.1.0.3
route add 10.8.0.0/16 via 10.1.0.3 mtu lock 1400 advmss 1300
route add 10.9.0.0/16 nexthop via 10.1.0.4 weight 2 nexthop via 10.1.0.5
route add 10.31.0.0/16 via 10.30.0.2
route add 10.32.0.0/16 via 10.99.0.1 dev va onlink
nexthop add id 1 via 10.1.0.4 dev va
nexthop add id 2 via 10.1.0.5 dev va
nexthop add id 3 group 1/2
nexthop add id 6 via 2001:db8:1::9 dev va
route add 10.40.0.0/16 nhid 1
route add 10.41.0.0/16 nhid 3
route add 10.42.0.0/16 nexthop via 10.1.0.4 dev va nexthop via 10.30.0.2 dev vc
route add 10.50.0.0/16 via inet6 fe80::1 dev va
route add 10.51.0.0/16 dev va window 1000 rtt 2s rttvar 100ms ssthresh 5 cwnd 10 initcwnd 20 \
initrwnd 30 reordering 3 hoplimit 64 features ecn quickack 1 rto_min 300ms fastopen_no_cookie 1
route add 10.52.0.0/16 dev va src 10.1.0.1 metric 4294967295
route add 10.9.9.9 via 10.1.0.1
route add 10.61.0.0/16 via inet6 ::1:2:3:4 dev va onlink
route add 10.62.0.0/16 nexthop dev vb nexthop via 10.1.0.9 dev va
route add 10.63.0.0/16 dev va proto 200 scope 200
route add local 10.72.0.1 dev va scope host table main
route add anycast 10.70.0.1 dev va
route add 10.10.0.0/16 dev va table 1000
route add 10.11.0.0/16 dev va table 4000000000
route add 10.12.0.0/16 via 10.1.0.7 table 3000
route add blackhole default table 3000
-6 route add 2001:db8:50::/48 via 2001:db8:1::2 metric 10
-6 route add 2001:db8:51::/48 nexthop via 2001:db8:1::2 dev va nexthop via 2001:db8:1::3 dev va \
weight 3
-6 route add blackhole 2001:db8:52::/48
-6 route add unreachable 2001:db8:53::/48
-6 route add prohibit 2001:db8:54::/48
-6 route add 2001:db8:55::/48 via 2001:db8:30::2
-6 route add 2001:db8:56::/48 dev va expires 86400
-6 route add 2001:db8:57::/48 dev va pref high
-6 route add 2001:db8:71::/48 dev va pref low
-6 route add 2001:db8:72::/48 dev va mtu 1400 hoplimit 10
-6 route add 2001:db8:73::/48 dev va expires 43200 mtu lock 1300
-6 route add throw 2001:db8:74::/48
-6 route add 2001:db8:75::/48 nhid 6
-6 route add 2001:db8:70::/48 from 2001:db8:1::/64 dev va
-6 route add local 2001:db8:60::1 dev va table main
-6 route add 2001:db8:58::/48 dev va table 1000
-6 route add 2001:db8:59::/48 dev va table 4000000000
-6 route add 2001:db8:5a::/48 via 2001:db8:1::5 table 3000
rule add lookup 77 realms 0x012c0000 pref 50
rule add from 10.0.0.0/8 lookup 1000 pref 100
rule add not from 10.1.0.0/16 to 192.168.0.0/16 lookup main pref 101
rule add tos 0x10 lookup 4000000000 pref 102
rule add fwmark 0x5 lookup 3000 pref 103
rule add fwmark 0x5/0xff lookup 77 pref 104
rule add fwmark 0/0xff lookup 77 pref 105
rule add iif va lookup 78 pref 106
rule add oif vb lookup 79 pref 107
rule add iif nosuch1 oif nosuch2 lookup 79 pref 108
rule add uidrange 1000-2000 lookup 77 pref 109
rule add ipproto tcp sport 1000-2000 dport 80 lookup 77 pref 110
rule add ipproto udp dport 53 lookup 77 pref 111
rule add lookup main suppress_prefixlength 0 pref 112
rule add lookup main suppress_ifgroup default pref 113
rule add lookup main suppress_ifgroup 5 pref 114
rule add goto 200 pref 115
rule add goto 300 pref 116
rule add from 1.2.3.4 blackhole pref 117
rule add from 1.2.3.5 unreachable pref 118
rule add from 1.2.3.6 prohibit pref 119
rule add nop pref 120
rule add lookup 77 realms 3/4 pref 121
rule add lookup 77 realms 5 pref 122
rule add lookup 77 realms 0x012c0000 pref 123
rule add lookup 77 proto static pref 124
rule add lookup 77 proto 200 pref 125
rule add l3mdev pref 126
rule add to 10.9.9.9 lookup 77 pref 127
rule add from 0.0.0.0/8 lookup 77 pref 128
rule add fwmark 0x80000000/0x80000000 lookup 77 pref 129
rule add lookup default proto kernel pref 130
rule add lookup 77 pref 200
-6 rule add from 2001:db8::/32 lookup 1000 pref 100
-6 rule add to 2001:db8::1 iif va lookup 3000 pref 101
-6 rule add not tos 0x28 lookup 77 pref 102
-6 rule add fwmark 0x7 ipproto ipv6-icmp lookup 4000000000 pref 103
-6 rule add goto 300 pref 104
-6 rule add unreachable pref 105
"""


def sweeps() -> list[str]:
    """Every protocol (table 77), scope (78), tos (79) and ip protocol (rules 1001..1255)."""
    lines = [f"route add 10.100.{p}.0/24 dev va proto {p} table 77" for p in range(256)]
    lines += [f"route add 10.101.{s}.0/24 dev va scope {s} table 78" for s in range(255)]
    lines += [f"route add 10.102.{t}.0/24 dev va tos {t:#x} table 79" for t in range(4, 256, 4)]
    lines += [f"rule add ipproto {p} lookup 77 pref {1000 + p}" for p in range(1, 256)]
    return lines


# `ip` in a private mount namespace where /etc/iproute2 (copied) also holds our table names.
_IP_WITH_NAMES = (
    "import os, subprocess, sys\n"
    "subprocess.run(['mount', '--bind', sys.argv[1], '/etc/iproute2'], check=True)\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)


def _read_rt_tables(confdir: str) -> dict[int, str]:
    """The table names ``ip`` will know: rt_tables, then rt_tables.d/*.conf."""
    paths = [os.path.join(confdir, "rt_tables")]
    tdir = os.path.join(confdir, "rt_tables.d")
    if os.path.isdir(tdir):
        paths += sorted(os.path.join(tdir, f) for f in os.listdir(tdir) if f.endswith(".conf"))
    names: dict[int, str] = {}
    for path in paths:
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as fh:
            for raw in fh:
                fields = raw.split("#", 1)[0].split()
                if len(fields) >= 2 and fields[0].isdigit():
                    names[int(fields[0])] = fields[1]
    return names


@dataclass
class Lab:
    """The namespace, the conf dir ``ip`` reads and the table names we pass in."""

    ns: Netns
    confdir: str
    names: dict[int, str]
    state: NetnsState

    def ip(self, *args: str) -> str:
        """``ip -n NS ARGS`` as the user sees it (stdout only; errors give empty output)."""
        argv = ["unshare", "--mount", "--propagation", "private", sys.executable, "-c"]
        argv += [_IP_WITH_NAMES, self.confdir, "ip", "-n", self.ns.name, *args]
        return subprocess.run(argv, capture_output=True, text=True, check=False).stdout

    def reread(self) -> NetnsState:
        """A fresh model, read between two reads of the tool (see ``settle``)."""
        self.state = read_netns(self.ns.path)
        return self.state


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    """The namespace with everything set up; deleted afterwards whatever happens."""
    with tempfile.TemporaryDirectory(prefix="fsc-iproute2-") as tmp:
        confdir = os.path.join(tmp, "iproute2")
        shutil.copytree("/etc/iproute2", confdir)
        os.makedirs(os.path.join(confdir, "rt_tables.d"), exist_ok=True)
        with open(os.path.join(confdir, "rt_tables.d", "fibscope.conf"), "w") as fh:
            fh.writelines(f"{tid}\t{name}\n" for tid, name in NAMED.items())
        with temp_netns("fsv") as ns:
            for setting in SETUP_SYSCTLS:
                ns.exec("sysctl", "-qw", setting)
            lines = SETUP.replace("\\\n", "").splitlines()
            ns.batch([line for line in lines if not line.startswith("-6 ")] + sweeps())
            for line in lines:
                if line.startswith("-6 "):
                    ns.ip(*line.split())
            wait_ipv6_settled(ns)
            yield Lab(ns, confdir, _read_rt_tables(confdir), read_netns(ns.path))


# The one field of these views that changes by itself: an IPv6 route's ``expires`` countdown
# (``expires 299sec`` in text, ``"expires":299`` in JSON), whole seconds, never increasing.
_EXPIRES = re.compile(r'(expires"?:? ?)(-?\d+)')


def _countdowns(text: str) -> tuple[str, list[int]]:
    """The text with every countdown value blanked, and the values in order."""
    return _EXPIRES.sub(r"\1#", text), [int(m.group(2)) for m in _EXPIRES.finditer(text)]


def settle(lab: Lab, ours_of: Callable[[NetnsState], str], tool: Callable[[], str]) -> None:
    """Our view equals the tool's, read around ours: tool at t1, ours at t2, tool at t3.

    Everything but the ``expires`` countdowns must be identical in the three.  A countdown
    only goes down, a second at a time, so the value we read at t2 lies between the tool's at
    t3 and at t1: it must (when nothing ticked, t1's and t3's are equal and so must ours be).
    No retry and no time limit: a slow machine only widens the window, it cannot fail this.
    """
    before = tool()
    ours = ours_of(lab.reread())
    after = tool()
    compare_around(before, ours, after)


def compare_around(before: str, ours: str, after: str) -> None:
    """``settle``'s comparison of our text with the tool's texts read before and after it."""
    if before == after:
        assert ours == before
        return
    shape_before, high = _countdowns(before)
    shape_after, low = _countdowns(after)
    assert shape_before == shape_after, "the tool's output changed beyond its countdowns"
    shape, values = _countdowns(ours)
    if shape != shape_before or len(values) != len(high):
        assert ours == before  # shows the difference
    for value, hi, lo in zip(values, high, low, strict=True):
        assert lo <= value <= hi, (value, hi, lo, ours, before, after)


FAMILIES = [([], 0), (["-4"], AF_INET), (["-6"], AF_INET6)]
TABLES = [[], ["table", "all"], ["table", "main"], ["table", "local"], ["table", "1000"]]
TABLES += [["table", "4000000000"], ["table", "blue"], ["table", "3000"], ["table", "77"]]
TABLES += [["table", "78"], ["table", "79"]]


@pytest.mark.parametrize("table_args", TABLES, ids=lambda a: " ".join(a) or "default")
@pytest.mark.parametrize("fam", FAMILIES, ids=lambda f: " ".join(f[0]) or "any")
def test_ip_route_show(lab: Lab, fam: tuple[list[str], int], table_args: list[str]) -> None:
    fam_args, family = fam
    table = 254
    if table_args:
        table = TABLE_ALL if table_args[1] == "all" else parse_table(table_args[1], lab.names)

    def ours(state: NetnsState) -> str:
        links = {link.index: link.name for link in state.links}
        return ip_route_show(state.routes, links, family=family, table=table, table_names=lab.names)

    settle(lab, ours, lambda: lab.ip(*fam_args, "route", "show", *table_args))


@pytest.mark.parametrize("family", [AF_INET, AF_INET6])
def test_ip_rule_show(lab: Lab, family: int) -> None:
    args = ["-6"] if family == AF_INET6 else []

    def ours(state: NetnsState) -> str:
        return ip_rule_show(state.rules, family=family, table_names=lab.names)

    settle(lab, ours, lambda: lab.ip(*args, "rule", "show"))


def test_route_n(lab: Lab) -> None:
    def ours(state: NetnsState) -> str:
        return route_n(state.routes, {link.index: link.name for link in state.links})

    settle(lab, ours, lambda: lab.ns.exec("route", "-n"))


def test_route_n_inet6(lab: Lab) -> None:
    settle(
        lab,
        lambda state: route6_n(state.ipv6_proc_routes),
        lambda: lab.ns.exec("route", "-n", "-A", "inet6"),
    )


def test_route_n_inet6_from_our_proc_parser(lab: Lab) -> None:
    def ours(_state: NetnsState) -> str:
        return route6_n(parse_ipv6_route_proc(lab.ns.exec("cat", "/proc/net/ipv6_route")))

    settle(lab, ours, lambda: lab.ns.exec("route", "-n", "-A", "inet6"))


def test_compare_around_takes_only_a_countdown_between_the_two_reads() -> None:
    """The comparison itself: a value between the tool's two passes, anything else fails."""
    line = "2001:db8:56::/48 dev va metric 1024 expires {}sec pref medium\n"
    compare_around(line.format(300), line.format(300), line.format(300))
    compare_around(line.format(300), line.format(299), line.format(299))
    compare_around(line.format(300), line.format(299), line.format(298))
    json_line = '[{{"dst":"2001:db8:56::/48","expires":{}}}]'
    compare_around(json_line.format(10), json_line.format(10), json_line.format(9))
    for ours in (line.format(301), line.format(297), line.format(299).replace("va", "vb"), ""):
        with pytest.raises(AssertionError):
            compare_around(line.format(300), ours, line.format(298))
    with pytest.raises(AssertionError):
        compare_around(line.format(300), line.format(300), line.format(299) + "x\n")


def test_the_lab_has_what_it_should(lab: Lab) -> None:
    """Guard against a setup that silently lost its interesting cases."""
    text = lab.ip("route", "show", "table", "all")
    for needle in (
        "table blue",
        "table 4000000000",
        "linkdown",
        "nexthop via",
        "nhid 3",
        "tos AF11",
        "mtu lock 1400",
        "rto_min lock 300ms",
        "unreachable",
        "throw",
    ):
        assert needle in text, needle
    rules = lab.ip("rule", "show")
    for needle in ("[detached]", "[unresolved]", "realms 300/unknown", "lookup blue", "nop"):
        assert needle in rules, needle
    assert "expires" in lab.ip("-6", "route", "show")
