"""Policy rules, one behaviour per test: how the kernel walks ``ip rule``."""

from __future__ import annotations

from tests.engine.states import said, two_links
from tui.model import (
    AF_INET,
    FIB_RULE_INVERT,
    FR_ACT_BLACKHOLE,
    FR_ACT_GOTO,
    FR_ACT_NOP,
    FR_ACT_PROHIBIT,
    FR_ACT_UNREACHABLE,
    RTN_THROW,
)


def test_rule_skipped_when_source_is_outside_its_prefix() -> None:
    host = two_links().route("10.9.0.0/16", via="10.2.0.254", table=100)
    host.rule(100, table=100, src="10.2.0.0", src_len=24)
    trace = host.get("10.9.0.1", src="10.1.0.1")
    assert said(
        trace,
        "rule 100 `from 10.2.0.0/24 lookup 100`: skipped, source 10.1.0.1 is outside 10.2.0.0/24",
    )
    assert trace.verdict.error_name == "ENETUNREACH"


def test_matching_rule_sends_the_lookup_to_its_table() -> None:
    host = two_links().route("10.9.0.0/16", via="10.2.0.254", table=100)
    host.rule(100, table=100, src="10.1.0.0", src_len=24)
    verdict = host.get("10.9.0.1", src="10.1.0.1").verdict
    assert (verdict.table, verdict.rule, verdict.gateway, verdict.dev) == (
        100,
        100,
        "10.2.0.254",
        "e2",
    )


def test_fwmark_with_mask() -> None:
    host = two_links().route("default", via="10.2.0.254", table=100)
    host.rule(10, table=100, fwmark=0x100, fwmask=0xF00)
    assert host.get("8.8.8.8", mark=0x1FF).verdict.table == 100
    assert host.get("8.8.8.8", mark=0x200).verdict.error_name == "ENETUNREACH"


def test_not_inverts_the_whole_rule() -> None:
    host = two_links().route("default", via="10.2.0.254", table=100)
    host.rule(10, table=100, fwmark=1, fwmask=0xFFFFFFFF, flags=FIB_RULE_INVERT)
    assert host.get("8.8.8.8").verdict.table == 100
    assert host.get("8.8.8.8", mark=1).verdict.error_name == "ENETUNREACH"


def test_iif_lo_matches_locally_generated_traffic_only() -> None:
    host = two_links().route("default", via="10.2.0.254", table=100).link("e3")
    host.rule(10, table=100, iifname="lo")
    assert host.get("8.8.8.8").verdict.table == 100
    trace = host.get("8.8.8.8", src="10.9.9.9", iif="e1")
    assert said(trace, "the packet comes in on e1, not lo")


def test_oif_rule_needs_an_oif() -> None:
    host = two_links().route("default", via="10.2.0.254", table=100)
    host.rule(10, table=100, oifname="e2")
    assert said(host.get("8.8.8.8"), "the lookup has no oif")
    assert host.get("8.8.8.8", oif="e2").verdict.table == 100


def test_uidrange_ipproto_and_ports() -> None:
    host = two_links().route("default", via="10.2.0.254", table=100)
    host.rule(10, table=100, uid_range=(1000, 1999), ip_proto=6, dport_range=(443, 443))
    assert host.get("8.8.8.8", uid=1500, ipproto="tcp", dport=443).verdict.table == 100
    assert said(host.get("8.8.8.8", uid=1500, ipproto="tcp", dport=80), "dport 80 is outside")
    assert said(host.get("8.8.8.8", uid=5, ipproto="tcp", dport=443), "uid 5 is outside")
    # ip route get sends UDP when no protocol is given
    assert said(host.get("8.8.8.8", uid=1500), "ipproto 17 is not 6")


def test_goto_jumps_and_an_unresolved_goto_is_skipped() -> None:
    host = two_links().route("default", via="10.2.0.254", table=100)
    host.rule(10, action=FR_ACT_GOTO, goto=50)
    host.rule(20, action=FR_ACT_BLACKHOLE)
    host.rule(50, table=100)
    trace = host.get("8.8.8.8")
    assert said(trace, "jumping to rule 50") and trace.verdict.table == 100
    host = two_links().route("default", via="10.2.0.254", table=100)
    host.rule(10, action=FR_ACT_GOTO, goto=40)
    host.rule(50, table=100)
    trace = host.get("8.8.8.8")
    assert said(trace, "unresolved goto") and trace.verdict.rule == 50


def test_nop_continues() -> None:
    host = two_links().route("default", via="10.2.0.254", table=100)
    host.rule(10, action=FR_ACT_NOP).rule(20, table=100)
    assert host.get("8.8.8.8").verdict.rule == 20


def test_rule_actions_end_with_their_errors() -> None:
    for action, name in (
        (FR_ACT_BLACKHOLE, "EINVAL"),
        (FR_ACT_UNREACHABLE, "ENETUNREACH"),
        (FR_ACT_PROHIBIT, "EACCES"),
    ):
        host = two_links().rule(10, action=action, dst="8.8.8.0", dst_len=24)
        verdict = host.get("8.8.8.8").verdict
        assert (verdict.error_name, verdict.rule) == (name, 10)


def test_missing_table_and_throw_continue_with_the_next_rule() -> None:
    host = two_links().route("8.0.0.0/8", type=RTN_THROW, table=100)
    host.route("default", via="10.2.0.254", table=200)
    host.rule(10, table=300).rule(20, table=100).rule(30, table=200)
    trace = host.get("8.8.8.8")
    assert said(trace, "table 300 does not exist: next rule")
    assert said(trace, "throw route, a miss")
    assert trace.verdict.table == 200


def test_suppress_prefixlength_zero_skips_only_the_default_route() -> None:
    """wg-quick: ``lookup main suppress_prefixlength 0`` then the tunnel's table."""
    host = two_links().route("default", via="10.1.0.254", dev="e1")
    host.route("default", via="10.2.0.254", table=51820)
    host.rule(100, table=254, suppress_prefixlen=0).rule(200, table=51820)
    trace = host.get("8.8.8.8")
    assert said(trace, "suppressed, its prefix length 0 is <= suppress_prefixlength 0")
    assert trace.verdict.gateway == "10.2.0.254"
    assert host.get("10.1.0.7").verdict.rule == 100  # the connected /24 is kept


def test_suppress_ifgroup() -> None:
    host = two_links().link("e3", group=7).addr("e3", "10.3.0.1/24")
    host.route("8.0.0.0/8", via="10.3.0.254", table=100)
    host.route("default", via="10.2.0.254", table=200)
    host.rule(10, table=100, suppress_ifgroup=7).rule(20, table=200)
    trace = host.get("8.8.8.8")
    assert said(trace, "is in group 7") and trace.verdict.table == 200


def test_no_rule_answers_enetunreach() -> None:
    host = two_links().rule(10, table=100)
    assert host.get("8.8.8.8").verdict.error_name == "ENETUNREACH"


def test_default_rules_use_the_kernels_fast_path() -> None:
    trace = two_links().route("default", via="10.1.0.254").get("8.8.8.8")
    assert said(trace, "merged trie") and trace.verdict.rule is None
    assert trace.verdict.table == 254 and trace.predicted
    assert trace.query.family == AF_INET
