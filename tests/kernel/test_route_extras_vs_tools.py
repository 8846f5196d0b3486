"""encap (ip, ip6, seg6, seg6local), realms, congctl and protocol names from rt_protos and
rt_protos.d, against the installed ``ip`` (6.1) byte for byte, live and from a capture; and
lookups through encap routes against ``ip route get``.

``ip`` runs in a private mount namespace where /etc/iproute2 is a directory of the test's own
(rt_protos, rt_protos.d/frr.conf, a file renaming nothing built in); fibscope reads the same
directory through FIBSCOPE_IPROUTE2_DIR, so no host file is involved.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ipv6_settle import wait_ipv6_settled
from tests.netns_helpers import Netns, requires_netns, temp_netns
from tests.patience import PATIENCE
from tui.fib import Engine, Query
from tui.kernel.name_files import ENV_DIR, read_proto_names
from tui.kernel.netlink.dump import read_netns

pytestmark = requires_netns

SETUP = [
    "link add e1 type veth peer name e2",
    "link set e1 up",
    "link set e2 up",
    "link add vx0 type vxlan external dstport 4789",
    "link set vx0 up",
    "addr add 10.0.0.1/24 dev e1",
    "-6 addr add fd00::1/64 dev e1 nodad",
    "route add 10.5.0.0/16 encap ip id 1 dst 10.0.0.2 ttl 5 dev vx0",
    "route add 10.6.0.0/16 encap ip6 id 2 dst fd00::2 hoplimit 3 dev vx0",
    "route add 10.7.0.0/16 encap ip id 7 src 10.0.0.1 dst 10.0.0.3 tos 4 key csum dev vx0",
    "route add 10.8.0.0/16 encap seg6 mode encap segs fd00::5,fd00::6 dev e1",
    "-6 route add fd10::/64 encap seg6 mode inline segs fd00::5 dev e1",
    "-6 route add fd11::/64 encap seg6local action End dev e1",
    "-6 route add fd12::/64 encap seg6local action End.DX4 nh4 10.0.0.2 dev e1",
    "-6 route add fd13::/64 encap seg6local action End.DT6 table 100 dev e1",
    "-6 route add fd14::/64 encap seg6 mode l2encap segs fd00::7 dev e1",
    "route add 10.9.0.0/16 dev e1 realm 5 congctl cubic",
    "route add 10.10.0.0/16 via 10.0.0.9 realms 3/4 congctl lock reno mtu 1400",
    "route add 10.11.0.0/16 nexthop via 10.0.0.3 dev e1 realm 7 nexthop via 10.0.0.4 dev e1",
    "route add 10.12.0.0/16 nexthop encap ip id 3 dst 10.0.0.9 dev vx0 nexthop dev e1",
    "route add 10.13.0.0/16 dev e1 proto 250",
    "route add 10.14.0.0/16 dev e1 proto 99",
    "route add 10.15.0.0/16 dev e1 proto 4",
    "route add 10.16.0.0/16 dev e1 proto 251",
    "route add 10.17.0.0/16 dev e1 proto 0x20",
    "-6 route add fd20::/64 dev e1 proto 250 realm 9",
    "rule add lookup 100 proto 250 pref 100",
]
RT_PROTOS = "# made up for the test\n0\tunspec\n2 kernel\n3 boot\n4 static\n99 openr\n"
CONF_D = {
    "frr.conf": "250\tfrr\n",
    "other.conf": "0x20 thirtytwo # hex id\n",
    ".hidden.conf": "251 no\n",
}

# `ip` in a private mount namespace with our directory over /etc/iproute2.
_IP_IN = (
    "import os, subprocess, sys\n"
    "subprocess.run(['mount', '--bind', sys.argv[1], '/etc/iproute2'], check=True)\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)


@pytest.fixture
def lab() -> Iterator[tuple[Netns, str]]:
    with temp_netns("fsx") as ns, tempfile.TemporaryDirectory(prefix="fsx-conf-") as conf:
        Path(conf, "rt_protos").write_text(RT_PROTOS)
        Path(conf, "rt_protos.d").mkdir()
        for name, text in CONF_D.items():
            Path(conf, "rt_protos.d", name).write_text(text)
        for line in SETUP:
            ns.ip(*line.split())
        wait_ipv6_settled(ns)  # table local is complete before any view is read
        yield ns, conf


def _ip(conf: str, *args: str) -> str:
    argv = ["unshare", "--mount", "--propagation", "private", sys.executable, "-c", _IP_IN]
    proc = subprocess.run([*argv, conf, "ip", *args], capture_output=True, text=True, check=True)
    return proc.stdout


def _fibscope(conf: str, *args: str) -> str:
    env = {**os.environ, ENV_DIR: conf}
    proc = subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=PATIENCE,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_name_files_read_as_ip_reads_them(lab: tuple[Netns, str]) -> None:
    _ns, conf = lab
    assert read_proto_names(conf) == {0: "unspec", 2: "kernel", 3: "boot", 4: "static",
                                      99: "openr", 250: "frr", 32: "thirtytwo"}  # fmt: skip


@pytest.mark.parametrize(
    "view",
    [
        ("routes", "--format", "ip", "--table", "all"),
        ("routes", "--format", "ip"),
        ("routes", "--format", "ip", "-6"),
        ("rules",),
    ],
    ids=["all", "main4", "main6", "rules"],
)
def test_views_byte_identical_live_and_from_capture(
    lab: tuple[Netns, str], view: tuple[str, ...]
) -> None:
    ns, conf = lab
    words = {"all": ["route", "show", "table", "all"], "rules": ["rule", "show"]}
    key = "all" if "all" in view else ("rules" if view[0] == "rules" else "main")
    ip_args = words.get(key, ["-6", "route", "show"] if "-6" in view else ["route", "show"])
    want = _ip(conf, "-n", ns.name, *ip_args)
    assert "proto frr" in want or key == "rules" or "-6" in view
    live = _fibscope(conf, *view, "--netns", ns.name)
    assert live == want
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="fsx-cap-") as cap:
        _fibscope(conf, "capture", "--netns", ns.name, "-o", cap.name)
        doc = json.loads(Path(cap.name).read_text())
        assert doc["proto_names"]["250"] == "frr"
        # the capture answers with the names it recorded, not the reader's files
        offline = _fibscope(tempfile.gettempdir(), *view, "--state", cap.name, "--netns", ns.name)
    assert offline == want


def test_lookups_through_encap_routes_agree(lab: tuple[Netns, str]) -> None:
    ns, _conf = lab
    engine = Engine(read_netns(ns.path))
    cases = ["10.5.1.1", "10.6.1.1", "10.7.1.1", "10.8.1.1", "10.9.1.1", "10.10.1.1",
             "fd10::1", "fd11::1", "fd12::1", "fd14::1", "fd20::1"]  # fmt: skip
    for dst in cases:
        got = json.loads(ns.ip("-d", "-j", "route", "get", dst))[0]
        trace = engine.lookup(Query(dst))
        assert trace.predicted, trace.reason
        v = trace.verdict
        assert (v.dev, v.gateway, v.prefsrc) == (
            got.get("dev"),
            got.get("gateway"),
            got.get("prefsrc"),
        )
        encap = [s.text for s in trace.steps if "lightweight tunnel" in s.text]
        assert bool(encap) == ("encap" in got), (dst, got)
