"""The command line's grammar: the argparse parser and its one-line usage errors."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from tui import __version__

EPILOG = """commands:
  (none)      start the terminal app
  namespaces  list every network namespace with its processes and counts
  routes      print a routing table like `route -n` or `ip route show`
  rules       print the policy rules like `ip rule show`
  nexthops    print the nexthop objects like `ip nexthop show`
  lookup      trace where a packet to DEST would go, and why
  path        follow a packet to DEST across namespaces, hop by hop
  capture     save the routing state of the host to a file

Every reading command takes --state FILE to work from a capture instead of the kernel;
--netns and --state may come before or after the command.

lookup exit status: 0 a route, 1 an error verdict, 2 bad input, 3 --verify disagrees.
path exit status: 0 delivered or left the host, 1 dropped/loop/unresolved/unpredicted,
2 bad input, 3 a hop disagrees with the kernel (--verify)."""


class UsageError(Exception):
    """Bad input: one line on stderr and exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad usage as our one-line error, exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


NETNS_HELP = "namespace name, inode, or 'host' (default: host)"
STATE_HELP = "read a capture file instead of the kernel"


def _source_args(p: argparse.ArgumentParser, *, sub: bool = True) -> None:
    """--netns and --state.  A subcommand's copy has no default (SUPPRESS): left out, it keeps
    what was given before the subcommand instead of overwriting it with None."""
    default = argparse.SUPPRESS if sub else None
    p.add_argument("--netns", metavar="NAME", default=default, help=NETNS_HELP)
    p.add_argument("--state", metavar="FILE", default=default, help=STATE_HELP)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = _Parser(
        prog="fibscope",
        description="Show how Linux really routes a packet: namespaces, every routing table, "
        "policy rules, and the kernel's decision step by step.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"fibscope {__version__}")
    _source_args(parser, sub=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("namespaces", help="list network namespaces")
    _source_args(p)
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = sub.add_parser("routes", help="print a routing table (route -n, ip route, json)")
    _source_args(p)
    p.add_argument("-6", dest="ipv6", action="store_true", help="IPv6 instead of IPv4")
    p.add_argument("--table", metavar="ID|NAME|all", default=None, help="table (default: main)")
    p.add_argument("--format", choices=("route-n", "ip", "json"), default="ip")

    p = sub.add_parser("rules", help="print the policy rules (ip rule show, json)")
    _source_args(p)
    p.add_argument("-6", dest="ipv6", action="store_true", help="IPv6 instead of IPv4")
    p.add_argument("--format", choices=("ip", "json"), default="ip")

    from tui.cli.nexthops import add_parser as add_nexthops

    _source_args(add_nexthops(sub))

    p = sub.add_parser("capture", help="save the routing state to a file")
    p.add_argument(
        "--netns",
        metavar="NAME",
        dest="capture_netns",
        action="append",
        default=None,
        help="only this namespace (repeatable)",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        default="-",
        help="output file, replaced only once complete, mode 0600 (default: stdout)",
    )
    p.add_argument(
        "--cmdline",
        action="store_true",
        help="also store each process's full command line (may hold secrets; default: "
        "name and pid only)",
    )

    p = sub.add_parser("lookup", help="trace the kernel's routing decision for DEST")
    _source_args(p)
    p.add_argument("dest", metavar="DEST", nargs="?", help="destination address")
    p.add_argument("--from", dest="src", metavar="ADDR", help="source address")
    p.add_argument("--iif", metavar="DEV", help="input device: simulate a packet arriving on it")
    p.add_argument("--oif", metavar="DEV", help="output device")
    p.add_argument("--vrf", metavar="NAME", help="look up in a VRF (ip route get ... vrf NAME)")
    _flow_args(p)
    p.add_argument("--json", action="store_true", help="one JSON object per result")
    p.add_argument(
        "--verify", action="store_true", help="also ask the kernel and compare (live only)"
    )
    p.add_argument("--batch", metavar="FILE", help="one JSON query per line ('-': stdin)")
    p.add_argument(
        "--steps", action="store_true", help="include the steps in --batch/--json output"
    )

    p = sub.add_parser("path", help="follow a packet to DEST across namespaces, hop by hop")
    _source_args(p)
    p.add_argument("dest", metavar="DEST", help="destination address")
    p.add_argument("--from", dest="src", metavar="ADDR", help="source address")
    p.add_argument("--iif", metavar="DEV", help="start as a packet arriving on DEV")
    _flow_args(p)
    p.add_argument("--json", action="store_true", help="the path as one JSON object")
    p.add_argument("--verify", action="store_true", help="ask the kernel at each hop (live only)")
    p.add_argument("--steps", action="store_true", help="each hop's full lookup trace")
    return parser


def _flow_args(p: argparse.ArgumentParser) -> None:
    """What a packet carries besides its addresses: the same words for lookup and path."""
    p.add_argument("--mark", metavar="N", help="firewall mark")
    p.add_argument(
        "--tos", metavar="N", help="type of service byte (number, or a class name: AF41, CS1, EF)"
    )
    p.add_argument("--dscp", metavar="N", help="DSCP, 0..63 or a class name (sets tos)")
    p.add_argument("--flowlabel", metavar="N", help="IPv6 flow label (0..0xfffff)")
    p.add_argument("--uid", metavar="N", help="user id of the sending socket")
    p.add_argument("--ipproto", metavar="tcp|udp|icmp|N", help="IP protocol")
    p.add_argument("--sport", metavar="N", help="source port")
    p.add_argument("--dport", metavar="N", help="destination port")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The parsed command line, global options merged: ``--netns``/``--state`` count the same
    before and after the subcommand (after wins); ``capture`` takes every ``--netns`` given
    (as the list ``netns``) and no ``--state``."""
    args = build_parser().parse_args(argv)
    if args.command == "capture":
        names = [args.netns] if args.netns is not None else []
        names += args.capture_netns or []
        args.netns = names or None
        del args.capture_netns
        if args.state is not None:
            raise UsageError("capture reads the live kernel: --state cannot be used with it")
    return args
