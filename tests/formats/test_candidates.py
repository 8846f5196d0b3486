"""The candidates of an unpredicted choice, as text, and which one the kernel took."""

from __future__ import annotations

from dataclasses import replace

from tests.engine.states import two_links
from tui.app.lookup_view import trace_text
from tui.formats.candidates import candidate_lines, candidate_words, disagrees, kernel_pick

CANDIDATES = (
    {"gateway": "10.1.0.254", "dev": "e1", "weight": 3, "share": 0.75},
    {"gateway": None, "dev": "e2", "weight": 1, "share": 0.25},
)


def test_words_and_the_kernels_pick() -> None:
    assert candidate_words(CANDIDATES[0]) == "via 10.1.0.254 dev e1 weight 3 (75.0% of flows)"
    assert candidate_words({**CANDIDATES[1], "share": None}) == "dev e2 weight 1"
    assert kernel_pick(CANDIDATES, {"dev": "e2", "gateway": None, "error": None}) == 1
    assert kernel_pick(CANDIDATES, {"error": "ENETUNREACH"}) is None


def test_lines_mark_the_kernels_pick_or_say_none_matched() -> None:
    lines = candidate_lines(CANDIDATES, {"dev": "e1", "gateway": "10.1.0.254", "error": None})
    assert lines[0] == "Candidates:"
    assert lines[1].endswith("<- the kernel took this one") and "<-" not in lines[2]
    lines = candidate_lines(CANDIDATES, {"dev": "e3", "gateway": None, "error": None})
    assert lines[-1] == "  the kernel took none of these"
    assert candidate_lines((), None) == []


def test_the_app_pane_lists_them() -> None:
    host = two_links().route("8.8.0.0/16", nexthops=(("10.1.0.254", "e1"), ("10.2.0.254", "e2")))
    trace = host.get("8.8.8.8")
    assert not trace.predicted and len(trace.candidates) == 2
    kernel = {
        "type": "unicast", "error": None, "table": 254, "gateway": "10.2.0.254",
        "dev": "e2", "prefsrc": "10.2.0.1",
    }  # fmt: skip
    plain = trace_text(trace, kernel).plain
    assert (
        "2. via 10.2.0.254 dev e2 weight 1 (50.0% of flows)  <- the kernel took this one" in plain
    )
    assert "Candidates:" not in trace_text(replace(trace, candidates=()), None).plain


def test_a_listed_candidate_taken_by_the_kernel_is_no_disagreement() -> None:
    host = two_links().route("8.8.0.0/16", nexthops=(("10.1.0.254", "e1"), ("10.2.0.254", "e2")))
    trace = host.get("8.8.8.8")
    taken = {
        "type": "unicast", "error": None, "table": 254, "gateway": "10.2.0.254",
        "dev": "e2", "prefsrc": "10.2.0.1",
    }  # fmt: skip
    elsewhere = {**taken, "gateway": "10.9.0.254", "dev": "e9"}
    assert not disagrees(trace.predicted, trace.candidates, taken)
    assert disagrees(trace.predicted, trace.candidates, elsewhere)
    assert not disagrees(trace.predicted, trace.candidates, None)
    # The kernel took the candidate that is not our first guess: the answers differ, honestly.
    other = next(c for c in trace.candidates if c["dev"] != trace.verdict.to_json()["dev"])
    differs = {**taken, "gateway": other["gateway"], "dev": other["dev"]}
    differs["prefsrc"] = "10.1.0.1" if other["dev"] == "e1" else "10.2.0.1"
    plain = trace_text(trace, differs).plain
    assert "not predicted: the kernel took a listed candidate" in plain
    assert "DISAGREE" not in plain
    assert "DISAGREE" in trace_text(trace, elsewhere).plain
