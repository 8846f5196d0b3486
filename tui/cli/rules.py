"""``fibscope rules``: the policy rules as ``ip rule show`` or JSON."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from tui.cli.common import open_source, read_namespace
from tui.formats.iprule import ip_rule_show
from tui.formats.json_view import rule_json
from tui.model import AF_INET, AF_INET6


def cmd_rules(args: argparse.Namespace, out: TextIO) -> int:
    """``fibscope rules``."""
    source = open_source(args.state)
    names = source.table_names()
    ns = read_namespace(source, args.netns)
    assert ns.state is not None
    family = AF_INET6 if args.ipv6 else AF_INET
    rules = [r for r in ns.state.rules if r.family == family]
    if args.format == "json":
        json.dump([rule_json(r, names) for r in rules], out, indent=1)
        out.write("\n")
    else:
        out.write(ip_rule_show(rules, family=family, table_names=names))
    return 0
