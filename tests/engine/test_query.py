"""Queries are validated before any lookup; the JSON output has the shape the issue fixes."""

from __future__ import annotations

import json

import pytest

from tests.engine.states import two_links
from tui.fib import Query, QueryError


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dst": "10.0.0.300"}, "not an IP address"),
        ({"dst": "10.0.0.1", "src": "fd00::1"}, "different families"),
        ({"dst": "10.0.0.1", "mark": "lots"}, "mark: not a number"),
        ({"dst": "10.0.0.1", "tos": 256}, "out of range"),
        ({"dst": "10.0.0.1", "dport": 70000}, "out of range"),
        ({"dst": "10.0.0.1", "ipproto": "gre"}, "unknown protocol"),
        ({"dst": "10.0.0.1", "iif": "a b"}, "not a device name"),
    ],
)
def test_bad_input_is_one_clear_line(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(QueryError, match=message) as info:
        Query.parse(**kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(info.value)


def test_protocols_by_name_and_number() -> None:
    assert Query.parse("10.0.0.1", ipproto="tcp").ipproto == 6
    assert Query.parse("10.0.0.1", ipproto="icmp").ipproto == 1
    assert Query.parse("fd00::1", ipproto="icmp").ipproto == 58
    assert Query.parse("10.0.0.1", ipproto="47").ipproto == 47
    assert Query.parse("10.0.0.1", mark="0x10").mark == 16


def test_batch_line_keys() -> None:
    q = Query.from_mapping({"dst": "10.0.0.1", "from": "10.1.0.1", "iif": "e1", "dport": 53})
    assert (q.src, q.iif, q.dport, q.family) == ("10.1.0.1", "e1", 53, 2)
    with pytest.raises(QueryError, match="unknown key"):
        Query.from_mapping({"dst": "10.0.0.1", "gateway": "x"})


def test_json_shape() -> None:
    trace = two_links().route("default", via="10.1.0.254").get("8.8.8.8", src="10.1.0.7", iif="e2")
    out = json.loads(json.dumps(trace.to_json()))
    assert set(out) == {"query", "predicted", "result", "steps"}
    assert set(out["result"]) == {
        "type",
        "error",
        "table",
        "rule",
        "prefix",
        "gateway",
        "dev",
        "prefsrc",
        "action",
    }
    assert out["result"]["error"] == "EHOSTUNREACH" and out["result"]["action"] == "drop"
    assert all({"kind", "text"} <= set(step) for step in out["steps"])
    assert out["steps"][-1]["kind"] == "verdict"
    unpredicted = (
        two_links()
        .route("default", via="10.1.0.254")
        .route("default", via="10.2.0.254")
        .get("8.8.8.8")
        .to_json()
    )
    assert unpredicted["predicted"] is False and unpredicted["reason"]
