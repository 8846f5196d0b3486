"""The VRF model through the command line, from a made-up capture (this kernel has no vrf
module): ``lookup --vrf NAME`` is ``ip route get ... vrf NAME``.  Modelled, not verified on a
live kernel."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.engine.test_vrf import BLUE, vrf_state
from tests.netns_helpers import run_fibscope
from tui import capture
from tui.model import HostState, Namespace, NamespaceInfo


@pytest.fixture(scope="module")
def vrf_capture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    host = HostState((Namespace(NamespaceInfo(0, 0, names=("vrfs",)), vrf_state()),))
    path = tmp_path_factory.mktemp("vrf") / "vrf.json"
    path.write_text(json.dumps(capture.to_json(host)))
    yield str(path)


def test_lookup_vrf_is_the_vrf_device_as_oif(vrf_capture: str) -> None:
    done = run_fibscope("--state", vrf_capture, "lookup", "10.50.1.1", "--vrf", "blue", "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["predicted"] is True
    result = answer["result"]
    assert (result["table"], result["gateway"], result["dev"], result["prefsrc"]) == (
        BLUE,
        "10.1.0.254",
        "e1",
        "10.1.0.1",
    )
    same = run_fibscope("--state", vrf_capture, "lookup", "10.50.1.1", "--oif", "blue", "--json")
    assert json.loads(same.stdout)["result"] == result


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--vrf", "e1"), "is not a VRF device"),
        (("--vrf", "nosuch\x1b[31m"), "is not a VRF device"),
        (("--vrf", "blue", "--oif", "e1"), "give one"),
    ],
)
def test_bad_vrf_is_one_line(vrf_capture: str, args: tuple[str, ...], words: str) -> None:
    done = run_fibscope("--state", vrf_capture, "lookup", "10.50.1.1", *args)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and words in done.stderr
    assert "\x1b" not in done.stderr and "Traceback" not in done.stderr


def test_vrf_table_and_l3mdev_rule_are_shown(vrf_capture: str) -> None:
    rules = run_fibscope("--state", vrf_capture, "rules")
    assert "1000:\tfrom all lookup [l3mdev-table]\n" in rules.stdout
    table = run_fibscope("--state", vrf_capture, "routes", "--table", str(BLUE))
    assert table.returncode == 0, table.stderr
    assert "unreachable default metric 4278198272 \n" in table.stdout
    assert "10.50.0.0/16 via 10.1.0.254 dev e1 \n" in table.stdout
