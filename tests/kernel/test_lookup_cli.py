"""``fibscope lookup`` end to end on a real namespace: verdicts, --json, --verify, --batch,
--state, exit statuses; and fibscope without root."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.netns_helpers import Netns, requires_netns, run_fibscope, temp_netns

pytestmark = requires_netns


fibscope = run_fibscope


@pytest.fixture(scope="module")
def router() -> Iterator[Netns]:
    """A small router: two links, a VPN table chosen by a rule, reject routes."""
    with temp_netns("fsk") as ns:
        ns.veth("e1", "p1")
        ns.veth("e2", "p2")
        ns.ip("addr", "add", "10.1.0.1/24", "dev", "e1")
        ns.ip("addr", "add", "10.2.0.1/24", "dev", "e2")
        for cmd in (
            "route add default via 10.1.0.254",
            "route add 10.64.0.0/10 via 10.2.0.5 metric 5",
            "route add 10.64.0.0/10 via 10.2.0.6 metric 50",
            "route add unreachable 10.67.0.0/16",
            "route add default via 10.2.0.254 table 100",
            "rule add from 10.2.0.0/24 lookup 100 pref 100",
        ):
            ns.ip(*cmd.split())
        ns.exec("sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
        yield ns


def test_human_trace_and_kernel_agree(router: Netns) -> None:
    proc = fibscope("lookup", "10.70.1.1", "--netns", router.name, "--verify")
    assert proc.returncode == 0, proc.stderr
    assert (
        "10.64.0.0/10 via 10.2.0.5 dev e2 metric 5 chosen: metric 5 beats metric 50" in proc.stdout
    )
    assert (
        "Verdict: 10.70.1.1 via 10.2.0.5 dev e2 src 10.2.0.1 \u2014 10.64.0.0/10 in table main "
        "(rule 32766)\n" in proc.stdout
    )
    assert "Agree: yes" in proc.stdout


def test_json_has_the_documented_shape(router: Netns) -> None:
    proc = fibscope(
        "lookup", "10.9.9.9", "--from", "10.2.0.1", "--netns", router.name, "--json", "--verify"
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == {"query", "predicted", "result", "steps", "kernel", "agree"}
    assert out["result"]["table"] == 100 and out["result"]["rule"] == 100
    assert out["result"]["gateway"] == "10.2.0.254" and out["result"]["dev"] == "e2"
    route = out["result"]["route"]  # the entry that decided, as `fibscope routes --format json`
    assert (route["dst"], route["table"], route["gateway"]) == ("0.0.0.0/0", 100, "10.2.0.254")
    assert out["agree"] is True
    assert all({"kind", "text"} <= set(step) for step in out["steps"])


def test_error_verdict_exits_1(router: Netns) -> None:
    proc = fibscope("lookup", "10.67.0.1", "--netns", router.name, "--json", "--verify")
    assert proc.returncode == 1
    out = json.loads(proc.stdout)
    assert out["result"]["error"] == "EHOSTUNREACH" and out["kernel"]["error"] == "EHOSTUNREACH"


def test_forwarding_on_the_input_path(router: Netns) -> None:
    proc = fibscope(
        "lookup", "10.70.1.1", "--from", "10.1.0.77", "--iif", "e1", "--netns", router.name,
        "--json", "--verify",
    )  # fmt: skip
    out = json.loads(proc.stdout)
    assert out["result"]["action"] == "forward" and out["agree"] is True


def test_batch_reads_the_state_once_and_answers_in_order(router: Netns, tmp_path: Path) -> None:
    batch = tmp_path / "q.jsonl"
    batch.write_text(
        "\n".join(
            json.dumps(q)
            for q in (
                {"dst": "10.70.1.1"},
                {"dst": "10.67.0.1"},
                {"dst": "8.8.8.8", "from": "10.2.0.1"},
                {"dst": "8.8.8.8", "iif": "e1", "from": "10.1.0.9", "ipproto": "tcp", "dport": 443},
            )
        )
        + "\n"
    )
    proc = fibscope("lookup", "--batch", str(batch), "--netns", router.name, "--verify")
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["query"]["dst"] for line in lines] == [
        "10.70.1.1",
        "10.67.0.1",
        "8.8.8.8",
        "8.8.8.8",
    ]
    assert all("steps" not in line for line in lines)
    assert all(line["agree"] for line in lines)
    assert proc.returncode == 1  # one verdict is an error


def test_batch_bad_line_is_reported_and_the_rest_answered(router: Netns, tmp_path: Path) -> None:
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"dst": "10.70.1.1"}\n{"dst": "10.1.x"}\n{"dst": "10.70.1.2"}\n')
    proc = fibscope("lookup", "--batch", str(batch), "--netns", router.name, "--steps")
    assert proc.returncode == 2
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert "input_error" in lines[1] and lines[1]["line"] == 2
    assert lines[2]["steps"], "--steps includes the steps"
    assert proc.stderr.count("\n") == 1 and "q.jsonl:2" in proc.stderr


def test_lookup_on_a_capture_without_the_kernel(router: Netns, tmp_path: Path) -> None:
    path = str(tmp_path / "cap.json")
    assert fibscope("capture", "--netns", router.name, "-o", path).returncode == 0
    live = json.loads(
        fibscope(
            "lookup", "10.9.9.9", "--from", "10.2.0.1", "--netns", router.name, "--json"
        ).stdout
    )
    saved = json.loads(
        fibscope(
            "lookup",
            "10.9.9.9",
            "--from",
            "10.2.0.1",
            "--state",
            path,
            "--netns",
            router.name,
            "--json",
        ).stdout
    )
    assert saved == live
    proc = fibscope("lookup", "10.9.9.9", "--state", path, "--netns", router.name, "--verify")
    assert proc.returncode == 2 and "--verify" in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["10.1.0.x"], "not an IP address"),
        (["10.1.0.1", "--iif", "nodev"], "no device named 'nodev'"),
        (["10.1.0.1", "--from", "fd00::1"], "different families"),
        (["10.1.0.1", "--dport", "70000"], "out of range"),
        (["10.1.0.1", "--ipproto", "bogus"], "unknown protocol"),
    ],
)
def test_bad_input_is_one_line_exit_2(router: Netns, args: list[str], message: str) -> None:
    proc = fibscope("lookup", *args, "--netns", router.name)
    assert proc.returncode == 2
    assert (
        proc.stderr.count("\n") == 1 and message in proc.stderr and "Traceback" not in proc.stderr
    )


def test_without_root_own_namespace_works_others_need_root(router: Netns) -> None:
    nobody = 65534
    listing = fibscope("namespaces", user=nobody)
    assert listing.returncode == 0, listing.stderr
    assert any(
        router.name in line and "root is needed" in line for line in listing.stdout.splitlines()
    )
    own = fibscope("routes", user=nobody)
    assert own.returncode == 0 and own.stderr == ""
    other = fibscope("routes", "--netns", router.name, user=nobody)
    assert other.returncode == 2 and "root is needed" in other.stderr
