"""``--verify`` when fibscope and the kernel really disagree: exit status 3.

A disagreement is made honestly: fibscope reads the namespace, then the test changes the
kernel before the question is asked, so the engine answers from the old state and the
kernel from the new one.  In a batch over a pipe the change happens between two lines; for
one query the state comes from a capture taken before the change and the question goes to
the live kernel (the source the CLI refuses to combine, built here from the two real ones).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import tui.cli.lookup
from tests.netns_helpers import Netns, requires_netns, run_fibscope, temp_netns
from tui.cli import main
from tui.kernel.live_source import LiveSource
from tui.source import CaptureSource
from tui.source.kernel import KernelAccess

pytestmark = requires_netns


@pytest.fixture
def router() -> Iterator[Netns]:
    with temp_netns("fsd") as ns:
        ns.veth("e1", "p1")
        ns.ip("addr", "add", "10.1.0.1/24", "dev", "e1")
        ns.ip("route", "add", "default", "via", "10.1.0.254")
        yield ns


def test_a_batch_whose_kernel_changes_midway_exits_3(router: Netns) -> None:
    argv = [sys.executable, "-m", "tui", "lookup", "--batch", "-", "--netns", router.name]
    with subprocess.Popen(
        [*argv, "--verify"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write('{"dst": "10.98.1.1"}\n')
        proc.stdin.flush()
        first = json.loads(proc.stdout.readline())  # answered at once: the state is read
        assert first["agree"] is True and first["result"]["gateway"] == "10.1.0.254"
        router.ip("route", "add", "10.98.0.0/16", "via", "10.1.0.98")
        proc.stdin.write('{"dst": "10.98.1.1"}\n{"dst": "10.99.1.1"}\n')
        proc.stdin.close()
        second, third = (json.loads(line) for line in proc.stdout.read().splitlines())
        assert proc.wait() == 3
    assert second["agree"] is False
    assert second["result"]["gateway"] == "10.1.0.254"
    assert second["kernel"]["gateway"] == "10.1.0.98"
    assert third["agree"] is True


class CapturedThenAsked:
    """A capture taken before the kernel changed, with the live kernel to ask."""

    def __init__(self, capture: CaptureSource) -> None:
        self.capture = capture
        self.live = True
        self.description = "test"

    def __getattr__(self, name: str) -> object:
        return getattr(self.capture, name)

    def kernel(self) -> KernelAccess:
        return LiveSource().kernel()


def test_one_query_that_disagrees_exits_3(
    router: Netns,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = str(tmp_path / "before.json")
    assert run_fibscope("capture", "--netns", router.name, "-o", path).returncode == 0
    router.ip("route", "add", "10.98.0.0/16", "via", "10.1.0.98")
    stale = CapturedThenAsked(CaptureSource.open(path))
    monkeypatch.setattr(tui.cli.lookup, "open_source", lambda _state: stale)
    assert main(["lookup", "10.98.1.1", "--netns", router.name, "--verify"]) == 3
    out = capsys.readouterr().out
    assert "Kernel: 10.98.1.1 via 10.1.0.98 dev e1 src 10.1.0.1 table main\n" in out
    assert "Agree: NO (gateway: ours '10.1.0.254', kernel '10.1.0.98')\n" in out
    assert main(["lookup", "10.98.1.1", "--netns", router.name, "--verify", "--json"]) == 3
    data = json.loads(capsys.readouterr().out)
    assert data["agree"] is False and data["kernel"]["gateway"] == "10.1.0.98"
    assert main(["lookup", "10.97.1.1", "--netns", router.name, "--verify"]) == 0
    assert "Agree: yes" in capsys.readouterr().out


def test_lookup_0_0_0_0_agrees(router: Netns) -> None:
    proc = run_fibscope("lookup", "0.0.0.0", "--netns", router.name, "--verify")
    assert proc.returncode == 0, proc.stdout
    assert "Kernel: local 0.0.0.0 dev lo src 127.0.0.1\n" in proc.stdout
    assert proc.stdout.endswith("Agree: yes\n")


def test_a_hashed_choice_the_kernel_made_among_the_candidates_is_no_disagreement() -> None:
    """Multipath without a hash seed: fibscope lists the candidates (``predicted: false``);
    whichever of them the kernel took, that is not a disagreement (exit 0, not 3)."""
    with temp_netns("fsd") as ns, temp_netns("fsd") as peer:
        for n in (1, 2):
            ns.veth(f"e{n}", f"p{n}", peer_ns=peer)
            ns.ip("addr", "add", f"10.{n}.0.1/24", "dev", f"e{n}")
        ns.ip(
            "route", "add", "198.51.100.0/24",
            "nexthop", "via", "10.1.0.2", "dev", "e1",
            "nexthop", "via", "10.2.0.2", "dev", "e2",
        )  # fmt: skip
        for dst in [f"198.51.100.{n}" for n in (1, 2, 3, 9, 10, 77, 130, 200)]:
            proc = run_fibscope("lookup", dst, "--netns", ns.name, "--verify", "--json")
            doc = json.loads(proc.stdout)
            assert doc["predicted"] is False and doc["kernel_candidate"] is not None
            assert proc.returncode == 0, doc
            human = run_fibscope("lookup", dst, "--netns", ns.name, "--verify")
            assert human.returncode == 0 and "<- the kernel took this one" in human.stdout
