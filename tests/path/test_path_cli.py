"""``fibscope path`` from capture files: the new capture fields round-trip, older captures
load, and bad input is one line on stderr with exit status 2."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_cli_errors import assert_one_line_error
from tests.path.made import calico, small_node
from tests.patience import PATIENCE
from tui import capture
from tui.fib.query import Query
from tui.path import follow
from tui.path.host import CaptureHost


def fibscope(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, text=True, timeout=PATIENCE
    )


def write(path: Path, doc: object) -> str:
    path.write_text(json.dumps(doc))
    return str(path)


@pytest.fixture
def node_file(tmp_path: Path) -> str:
    buf = io.StringIO()
    capture.write(calico().build(), buf)
    return write(tmp_path / "node.json", json.loads(buf.getvalue()))


def test_path_facts_round_trip() -> None:
    host = small_node().build()
    doc = capture.to_json(host)
    assert capture.from_json(json.loads(json.dumps(doc))) == host
    node = doc["namespaces"][0]["state"]
    veth = next(link for link in node["links"] if link["name"] == "veth1")
    assert veth["kind"] == "veth" and veth["link"] == 2 and veth["link_netnsid"] == 0
    assert node["nsids"] == [[0, 4026532001], [1, 4026532002], [2, 4026532003]]


def test_an_older_capture_loads_without_path_facts() -> None:
    doc = capture.to_json(calico().build(nsids=False))
    for ns in doc["namespaces"]:
        del ns["state"]["nsids"]
        for link in ns["state"]["links"]:
            for key in ("link", "link_netnsid"):
                link.pop(key, None)
    host = capture.from_json(doc)
    assert all(ns.state is not None and ns.state.nsids is None for ns in host.namespaces)


def test_a_bad_nsid_map_is_a_corrupt_capture(tmp_path: Path) -> None:
    doc = capture.to_json(calico().build())
    doc["namespaces"][0]["state"]["nsids"] = [["x", 1]]
    path = write(tmp_path / "bad.json", doc)
    assert_one_line_error(fibscope("path", "10.0.0.1", "--state", path), "corrupt capture")


def test_path_from_a_capture(node_file: str) -> None:
    proc = fibscope("path", "10.244.0.9", "--netns", "fbkpod7", "--state", node_file)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-2] == "delivered in fbkpod9 after 3 hops"
    proc = fibscope(
        "path", "10.244.0.9", "--netns", "fbkpod7", "--state", node_file, "--json", "--steps"
    )
    doc = json.loads(proc.stdout)
    assert set(doc) == {"query", "hops", "end", "note"}
    assert doc["query"] == {"netns": "fbkpod7", "dst": "10.244.0.9"}
    assert set(doc["hops"][0]) == {
        "netns",
        "inode",
        "iif",
        "from",
        "predicted",
        "reason",
        "result",
        "crossing",
        "steps",
    }
    assert doc["hops"][0]["steps"][-1]["kind"] == "verdict"
    steps = fibscope("path", "10.244.0.9", "--netns", "fbkpod7", "--state", node_file, "--steps")
    assert "      Verdict: 10.244.0.9 via 169.254.1.1 dev eth0" in steps.stdout


def test_exit_status_one_when_not_delivered(node_file: str) -> None:
    proc = fibscope(
        "path", "127.0.0.9", "--iif", "eth0", "--from", "198.51.100.4", "--state", node_file
    )
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[-2].startswith("dropped in host after 1 hop: martian")


def test_starting_on_an_input_device(node_file: str) -> None:
    proc = fibscope(
        "path", "10.244.0.9", "--state", node_file, "--iif", "eth0", "--from", "198.51.100.4"
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "path 10.244.0.9 from host (src 198.51.100.4 iif eth0)"
    assert "arrives on eth0 from 198.51.100.4: forwarded dev cali9" in lines[1]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("not-an-ip",), ("not an IP address",)),
        (("10.0.0.1", "--netns", "nope"), ("unknown namespace",)),
        (("10.0.0.1", "--iif", "nope0"), ("no device named 'nope0'",)),
        (("10.0.0.1", "--mark", "x"), ("mark",)),
        (("10.0.0.1", "--from", "fd00::1"), ("different families",)),
        (("10.0.0.1", "--verify"), ("--verify",)),
        (("10.0.0.1", "--flowlabel", "5"), ("flow label",)),
        (("fd00::1", "--flowlabel", "0x100000"), ("flowlabel",)),
        (("10.0.0.1", "--dscp", "AF99"), ("dscp",)),
        (("10.0.0.1", "--dscp", "AF41", "--tos", "0x10"), ("disagree",)),
    ],
)
def test_bad_input(node_file: str, args: tuple[str, ...], words: tuple[str, ...]) -> None:
    assert_one_line_error(fibscope("path", *args, "--state", node_file), *words)


def test_dscp_and_flow_label_are_carried_by_every_hop(node_file: str) -> None:
    """The packet keeps its DSCP across hops: every hop's lookup is asked with it."""
    args = ("path", "10.244.0.9", "--netns", "fbkpod7", "--state", node_file, "--json")
    proc = fibscope(*args, "--dscp", "AF41", "--steps")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["query"] == {"netns": "fbkpod7", "dst": "10.244.0.9", "tos": 0x88, "dscp": 34}
    assert len(doc["hops"]) == 3
    plain = json.loads(fibscope(*args).stdout)
    assert [hop["result"] for hop in doc["hops"]] == [hop["result"] for hop in plain["hops"]]
    text = fibscope(*args[:-1], "--dscp", "AF41").stdout
    assert text.splitlines()[0] == "path 10.244.0.9 from fbkpod7 (tos 0x88)"
    host = calico().build()
    start = next(ns.info for ns in host.namespaces if ns.info.label == "fbkpod7")
    result = follow(CaptureHost(host), start, Query(dst="10.244.0.9", dscp=34))
    assert [(hop.trace.query.tos, hop.trace.query.dscp) for hop in result.hops] == [(0x88, 34)] * 3
    six = follow(CaptureHost(host), start, Query(dst="fd00::9", flowlabel=0x12345))
    assert {hop.trace.query.flowlabel for hop in six.hops} == {0x12345}


def test_missing_destination() -> None:
    assert_one_line_error(fibscope("path"), "DEST")


@pytest.mark.parametrize(
    ("where", "value"),
    [("link", "x"), ("link_netnsid", 1.5), ("inet6_proxy_ndp", [1])],
)
def test_bad_path_fields_of_a_link_are_a_corrupt_capture(
    tmp_path: Path, where: str, value: object
) -> None:
    doc = capture.to_json(calico().build())
    doc["namespaces"][0]["state"]["links"][1][where] = value
    path = write(tmp_path / "bad.json", doc)
    assert_one_line_error(fibscope("path", "10.0.0.1", "--state", path), "corrupt capture")


def test_bad_proxy_arp_setting_is_a_corrupt_capture(tmp_path: Path) -> None:
    doc = capture.to_json(calico().build())
    doc["namespaces"][0]["state"]["sysctls"]["conf_all"]["arp_ignore"] = "2"
    path = write(tmp_path / "bad.json", doc)
    assert_one_line_error(fibscope("path", "10.0.0.1", "--state", path), "corrupt capture")


def test_namespaces_say_what_they_are() -> None:
    import dataclasses

    from tui.formats.namespaces import namespaces_json, namespaces_text

    host = small_node().build()
    pod = host.namespaces[1]
    info = dataclasses.replace(
        pod.info, hostname="web-7", container="containerd:" + "ab" * 32, pod_uid="3f1c"
    )
    shown = [dataclasses.replace(pod, info=info)]
    assert namespaces_text(shown)[2] == (
        f"    hostname web-7, container containerd:{'ab' * 32}, pod 3f1c"
    )
    doc = namespaces_json(shown)[0]
    assert (doc["hostname"], doc["pod_uid"]) == ("web-7", "3f1c")
    assert capture.from_json(capture.to_json(dataclasses.replace(host, namespaces=tuple(shown))))
