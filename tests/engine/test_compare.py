"""How the engine's verdict is compared with the kernel's answer (tui.fib.compare, pure)."""

from __future__ import annotations

from tui.fib.compare import differences
from tui.fib.query import Query

OURS = {
    "type": "unicast",
    "error": None,
    "table": 254,
    "gateway": "10.0.0.1",
    "dev": "e1",
    "prefsrc": "10.0.0.2",
}


def test_equal_answers_agree() -> None:
    assert differences(OURS, dict(OURS)) == []


def test_each_field_counts() -> None:
    kernel = {**OURS, "dev": "e2", "table": 100}
    assert differences(OURS, kernel) == [
        "table: ours 254, kernel 100",
        "dev: ours 'e1', kernel 'e2'",
    ]


def test_errors_compare_only_the_error() -> None:
    ours = {**OURS, "error": "EHOSTUNREACH"}
    kernel = {
        "type": None,
        "error": "EHOSTUNREACH",
        "table": None,
        "gateway": None,
        "dev": None,
        "prefsrc": None,
    }
    assert differences(ours, kernel) == []
    assert differences(OURS, kernel) == ["error: ours None, kernel 'EHOSTUNREACH'"]


def test_prefsrc_the_kernel_leaves_out() -> None:
    kernel = {**OURS, "prefsrc": None}
    assert differences(OURS, kernel, Query(dst="10.9.0.1", src="10.0.0.2")) == []
    assert differences(OURS, kernel, Query(dst="10.9.0.1", src="10.0.0.3")) != []
    assert differences(OURS, kernel, Query(dst="10.9.0.1", src="10.0.0.3", iif="e1")) == []
    assert differences(OURS, kernel, Query(dst="10.9.0.1")) == [
        "prefsrc: ours '10.0.0.2', kernel None"
    ]


def test_no_table_is_none_for_us_and_0_for_the_kernel() -> None:
    """``lookup 0.0.0.0``: the kernel makes the route through lo without a lookup and says
    table 0 (RTM_F_LOOKUP_TABLE); the engine says no table.  Both mean the same."""
    ours = {**OURS, "type": "local", "table": None, "gateway": None, "dev": "lo"}
    assert differences(ours, {**ours, "table": 0}) == []
    assert differences({**ours, "table": 0}, {**ours, "table": None}) == []
    assert differences(ours, {**ours, "table": 254}) == ["table: ours None, kernel 254"]
