"""``--netns`` and ``--state`` mean the same before and after the subcommand, for every
command and the app; an unknown namespace is one line and exit 2 (never the host instead).

The namespace is captured, then changed in the kernel, so an answer read from the capture
and one read live differ: whichever the command printed shows which one it really used.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.netns_helpers import Netns, requires_netns, run_fibscope, temp_netns
from tests.patience import PATIENCE

pytestmark = requires_netns


@dataclass(frozen=True)
class Setup:
    ns: Netns
    capture: str


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    """A namespace captured with route 10.97.0.0/16 and rule 123, then given route
    10.98.0.0/16 and rule 124 that only the live kernel has."""
    with temp_netns("fsg") as ns:
        ns.veth("e1", "p1")
        ns.ip("addr", "add", "10.1.0.1/24", "dev", "e1")
        ns.ip("route", "add", "10.97.0.0/16", "via", "10.1.0.97")
        ns.ip("rule", "add", "fwmark", "7", "lookup", "77", "pref", "123")
        path = str(tmp_path_factory.mktemp("global") / "cap.json")
        proc = run_fibscope("capture", "--netns", ns.name, "-o", path)
        assert proc.returncode == 0, proc.stderr
        ns.ip("route", "add", "10.98.0.0/16", "via", "10.1.0.98")
        ns.ip("rule", "add", "fwmark", "8", "lookup", "88", "pref", "124")
        yield Setup(ns, path)


def ok(*args: str, status: int = 0) -> str:
    proc = run_fibscope(*args)
    assert proc.returncode == status, (args, proc.stderr)
    assert proc.stderr == ""
    return proc.stdout


def both_ways(command: list[str], options: list[str], status: int = 0) -> str:
    """The output with ``options`` before the subcommand, checked equal to the output with
    them after it (and split: one before, one after)."""
    before = ok(*options, *command, status=status)
    after = ok(*command, *options, status=status)
    assert before == after, (command, options)
    if len(options) == 4:
        split = ok(*options[:2], *command, *options[2:], status=status)
        assert split == before
    return before


def test_routes_live_and_from_the_capture(setup: Setup) -> None:
    live = both_ways(["routes"], ["--netns", setup.ns.name])
    assert live == setup.ns.ip("route", "show")
    assert "10.98.0.0/16" in live
    saved = both_ways(["routes"], ["--state", setup.capture, "--netns", setup.ns.name])
    assert "10.97.0.0/16 via 10.1.0.97" in saved and "10.98.0.0/16" not in saved
    assert both_ways(["routes", "--format", "json"], ["--netns", setup.ns.name])


def test_rules_live_and_from_the_capture(setup: Setup) -> None:
    live = both_ways(["rules"], ["--netns", setup.ns.name])
    assert live == setup.ns.ip("rule", "show")
    saved = both_ways(["rules"], ["--state", setup.capture, "--netns", setup.ns.name])
    assert "123:\tfrom all fwmark 0x7 lookup 77" in saved and "124:" not in saved


def test_lookup_live_and_from_the_capture(setup: Setup) -> None:
    query = ["lookup", "10.98.1.1", "--json"]
    live = json.loads(both_ways(query, ["--netns", setup.ns.name]))
    assert live["result"]["gateway"] == "10.1.0.98"
    options = ["--state", setup.capture, "--netns", setup.ns.name]
    saved = json.loads(both_ways(query, options, status=1))
    assert saved["result"]["error"] == "ENETUNREACH"


def test_path_live_and_from_the_capture(setup: Setup) -> None:
    """``path`` starts in the namespace named before or after it, live or from the capture:
    live, the packet is sent via 10.1.0.98 (nobody owns it on the veth: unresolved, exit 1);
    the capture has no route to it (dropped there, exit 1)."""
    query = ["path", "10.98.1.1", "--json"]
    live = json.loads(both_ways(query, ["--netns", setup.ns.name], status=1))
    assert live["query"]["netns"] == setup.ns.name
    assert live["hops"][0]["result"]["gateway"] == "10.1.0.98"
    assert live["end"]["kind"] == "unresolved"
    verified = json.loads(both_ways([*query, "--verify"], ["--netns", setup.ns.name], status=1))
    assert verified["hops"][0]["agree"] is True
    options = ["--state", setup.capture, "--netns", setup.ns.name]
    saved = json.loads(both_ways(query, options, status=1))
    assert saved["hops"][0]["result"]["error"] == "ENETUNREACH"


def test_path_verify_with_a_state_file_is_one_line_exit_2(setup: Setup) -> None:
    for args in (
        ["--state", setup.capture, "path", "10.98.1.1", "--verify"],
        ["path", "10.98.1.1", "--verify", "--state", setup.capture],
    ):
        proc = run_fibscope(*args)
        assert proc.returncode == 2 and proc.stdout == "", args
        assert proc.stderr == (
            "fibscope: --verify asks the live kernel: it cannot be used with --state\n"
        )


def test_namespaces_from_the_capture_and_one_named(setup: Setup) -> None:
    saved = json.loads(both_ways(["namespaces", "--format", "json"], ["--state", setup.capture]))
    assert [ns["label"] for ns in saved] == [setup.ns.name]
    one = json.loads(both_ways(["namespaces", "--format", "json"], ["--netns", setup.ns.name]))
    assert [ns["label"] for ns in one] == [setup.ns.name]
    # the live one has 10.98.0.0/16 and rule 124 too
    assert one[0]["counts"]["routes4"] == saved[0]["counts"]["routes4"] + 1
    assert one[0]["counts"]["rules4"] == saved[0]["counts"]["rules4"] + 1


def captured(path: Path) -> list[str]:
    """The labels of the namespaces in a capture file (read back through fibscope)."""
    listing = json.loads(ok("namespaces", "--state", str(path), "--format", "json"))
    return [ns["label"] for ns in listing]


def test_capture_takes_the_namespace_before_or_after(setup: Setup, tmp_path: Path) -> None:
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    ok("--netns", setup.ns.name, "capture", "-o", str(before))
    ok("capture", "-o", str(after), "--netns", setup.ns.name)
    assert captured(before) == captured(after) == [setup.ns.name]
    routes = ["routes", "--table", "all", "--netns", setup.ns.name]
    assert ok(*routes, "--state", str(before)) == ok(*routes)  # the live state, not the file's
    with temp_netns("fsg") as other:
        both = tmp_path / "both.json"
        ok("--netns", setup.ns.name, "capture", "--netns", other.name, "-o", str(both))
        assert captured(both) == [setup.ns.name, other.name]


def test_capture_refuses_a_state_file(setup: Setup) -> None:
    for args in (["--state", setup.capture, "capture"], ["capture", "--state", setup.capture]):
        proc = run_fibscope(*args)
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr.count("\n") == 1 and "--state" in proc.stderr


UNKNOWN = "fsg-no-such-namespace"


@pytest.mark.parametrize(
    "command",
    [
        ["routes"],
        ["rules"],
        ["lookup", "10.1.1.1"],
        ["path", "10.1.1.1"],
        ["namespaces"],
        ["capture"],
        [],
    ],
    ids=["routes", "rules", "lookup", "path", "namespaces", "capture", "app"],
)
@pytest.mark.parametrize("where", ["before", "after"])
def test_unknown_namespace_is_one_line_exit_2(command: list[str], where: str) -> None:
    option = ["--netns", UNKNOWN]
    args = [*option, *command] if where == "before" else [*command, *option]
    # stdin and stdout are not a terminal: an app that started anyway would not end well.
    proc = subprocess.run(
        run_fibscope_argv(*args), capture_output=True, text=True, stdin=subprocess.DEVNULL,
        timeout=PATIENCE,
    )  # fmt: skip
    assert proc.returncode == 2, (args, proc.stdout[-500:], proc.stderr[-500:])
    assert proc.stdout == ""
    assert proc.stderr == f'fibscope: unknown namespace "{UNKNOWN}"\n'


def test_unknown_namespace_in_a_capture(setup: Setup) -> None:
    for args in (
        ["--state", setup.capture, "--netns", UNKNOWN, "routes"],
        ["rules", "--state", setup.capture, "--netns", UNKNOWN],
        ["--netns", UNKNOWN, "namespaces", "--state", setup.capture],
        ["--state", setup.capture, "--netns", UNKNOWN],
        ["--netns", UNKNOWN, "path", "10.1.1.1", "--state", setup.capture],
        ["path", "10.1.1.1", "--state", setup.capture, "--netns", UNKNOWN],
    ):
        proc = subprocess.run(
            run_fibscope_argv(*args), capture_output=True, text=True, stdin=subprocess.DEVNULL,
            timeout=PATIENCE,
        )  # fmt: skip
        assert proc.returncode == 2 and proc.stdout == "", args
        assert proc.stderr == f'fibscope: unknown namespace "{UNKNOWN}"\n'


def run_fibscope_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "tui", *args]


def test_capture_file_missing_before_the_subcommand(tmp_path: Path) -> None:
    proc = run_fibscope("--state", str(tmp_path / "none.json"), "rules")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
