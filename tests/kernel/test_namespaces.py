"""Namespace discovery on real namespaces: named, held only by a process, bind-mounted elsewhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.netns_helpers import Netns, as_user, requires_netns, temp_netns
from tests.patience import PATIENCE, deadline, wait_until
from tui.kernel.live_source import LiveSource
from tui.kernel.namespaces import discover, nsfs_entries, nsfs_mounts
from tui.model import NamespaceInfo

pytestmark = requires_netns


def _inode(path: str) -> int:
    return os.stat(path).st_ino


def _by_inode(infos: list[NamespaceInfo], inode: int) -> NamespaceInfo:
    matches = [i for i in infos if i.inode == inode]
    assert len(matches) == 1, f"namespace {inode} found {len(matches)} times"
    return matches[0]


@pytest.fixture
def sleeper_in_new_netns() -> Iterator[subprocess.Popen[bytes]]:
    """A process in a namespace of its own that nothing names (like a container)."""
    proc = subprocess.Popen(["unshare", "--net", "sleep", "300"])
    try:
        wait_until(
            lambda: os.readlink(f"/proc/{proc.pid}/ns/net") != os.readlink("/proc/self/ns/net"),
            "unshare entered its namespace",
        )
        yield proc
    finally:
        proc.kill()
        proc.wait()


def test_host_comes_first_and_is_ours() -> None:
    infos = discover()
    assert infos[0].is_host
    assert infos[0].inode == _inode("/proc/self/ns/net")
    assert sum(1 for i in infos if i.is_host) == 1


def test_named_namespace_with_its_process_is_one_entry() -> None:
    with temp_netns("fsn") as ns:
        proc = subprocess.Popen(["ip", "netns", "exec", ns.name, "sleep", "300"])
        try:
            # Wait for the exec, not only the setns: before it the process is still called "ip".
            end = deadline()
            while time.monotonic() < end:
                try:
                    inode = os.stat(f"/proc/{proc.pid}/ns/net").st_ino
                    with open(f"/proc/{proc.pid}/comm") as f:
                        comm = f.read().strip()
                except FileNotFoundError:
                    inode, comm = 0, ""
                if inode == _inode(ns.path) and comm == "sleep":
                    break
                time.sleep(0.02)
            info = _by_inode(discover(), _inode(ns.path))
            assert info.names == (ns.name,)
            assert ns.path in info.paths
            assert proc.pid in [p.pid for p in info.processes]
            assert [p.name for p in info.processes if p.pid == proc.pid] == ["sleep"]
            assert not info.is_host
        finally:
            proc.kill()
            proc.wait()


def test_unnamed_namespace_held_by_a_process(sleeper_in_new_netns: subprocess.Popen[bytes]) -> None:
    pid = sleeper_in_new_netns.pid
    info = _by_inode(discover(), _inode(f"/proc/{pid}/ns/net"))
    assert info.names == ()
    assert info.label == f"net:[{info.inode}]"
    assert [p.pid for p in info.processes] == [pid]
    ns = LiveSource().read(info)
    assert ns.error is None and ns.state is not None
    assert [link.name for link in ns.state.links] == ["lo"]


def test_bind_mount_elsewhere_is_found_and_deduplicated() -> None:
    with temp_netns("fsn") as ns, tempfile.TemporaryDirectory() as tmp:
        target = os.path.join(tmp, "docker-like")
        open(target, "w").close()
        subprocess.run(["mount", "--bind", ns.path, target], check=True)
        try:
            info = _by_inode(discover(), _inode(ns.path))
            assert ns.name in info.names
            assert target in info.paths
        finally:
            subprocess.run(["umount", target], check=True)


def test_namespace_that_vanishes_is_reported_not_crashed_on() -> None:
    with temp_netns("fsn") as ns:
        info = _by_inode(discover(), _inode(ns.path))
    # the namespace is deleted now: reading it must give an error, not raise
    result = LiveSource().read(info)
    assert result.state is None
    assert result.error and "gone" in result.error


def test_read_state_of_a_named_namespace() -> None:
    with temp_netns("fsn") as ns:
        ns.veth("va", "vb")
        ns.ip("addr", "add", "10.30.0.1/24", "dev", "va")
        ns.ip("route", "add", "10.31.0.0/16", "via", "10.30.0.9", "table", "77")
        ns.ip("rule", "add", "from", "10.30.0.0/24", "lookup", "77", "pref", "77")
        ns.exec("sysctl", "-q", "-w", "net.ipv4.ip_forward=1", "net.ipv4.conf.va.rp_filter=2")
        state = LiveSource().read(_by_inode(discover(), _inode(ns.path))).state
        assert state is not None
        names = {link.index: link.name for link in state.links}
        assert sorted(names.values()) == ["lo", "va", "vb"]
        assert state.sysctls.ip_forward == 1
        va = state.link_named("va")
        assert va is not None and va.inet is not None and va.inet.rp_filter == 2
        assert any(
            r.table == 77 and r.dst == "10.31.0.0" and r.gateway == "10.30.0.9"
            for r in state.routes
        )
        assert any(r.priority == 77 and r.table == 77 and r.src == "10.30.0.0" for r in state.rules)
        assert any(a.address == "10.30.0.1" and a.prefixlen == 24 for a in state.addresses)


def test_nsfs_mounts_parses_escaped_mount_points() -> None:
    text = (
        "36 25 0:4 net:[4026532300] /run/netns/blue rw shared:5 - nsfs nsfs rw\n"
        "37 25 0:4 net:[4026532301] /var/run/docker/netns/a\\040b rw - nsfs nsfs rw\n"
        "38 25 0:4 mnt:[4026532302] /run/mntns/x rw - nsfs nsfs rw\n"
        "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
    )
    assert nsfs_mounts(text) == ["/run/netns/blue", "/var/run/docker/netns/a b"]
    assert nsfs_entries(text) == [
        (4026532300, "/run/netns/blue"),
        (4026532301, "/var/run/docker/netns/a\\040b"),
    ]
    assert nsfs_entries(text.replace("- nsfs nsfs", "- tmpfs tmpfs")) == []
    assert nsfs_entries("36 25 0:4 net:[7] /x rw - nsfs") == [(7, "/x")], "no source field"
    assert nsfs_entries(text, {"4026532300"}) == [(4026532301, "/var/run/docker/netns/a\\040b")]
    assert nsfs_entries(text, {"4026532300", "4026532301"}) == []
    assert nsfs_entries(text, {"4026532300", "4026532302"}) == [
        (4026532301, "/var/run/docker/netns/a\\040b")
    ], "a mount namespace's own (mnt:) root is no network namespace"


def test_a_netns_helper_namespace_is_deleted_afterwards() -> None:
    with temp_netns("fsn") as ns:
        path = ns.path
        assert os.path.exists(path)
    assert not os.path.exists(path)
    assert isinstance(ns, Netns)


def test_which_namespaces_can_be_read_is_known_before_reading() -> None:
    """As root every namespace can be read; as nobody only our own: the app's namespace
    picker says so before one is chosen."""
    root = Path(__file__).resolve().parents[2]
    code = (
        "import json; from tui.kernel.live_source import LiveSource; s = LiveSource(); "
        "print(json.dumps({str(i.inode): s.unreadable(i) for i in s.namespaces()}))"
    )
    with temp_netns("fsu") as ns:
        inode = str(_inode(ns.path))
        own = str(_inode("/proc/self/ns/net"))
        for user, other in ((None, None), (65534, "root needed")):
            argv = as_user([sys.executable, "-c", code], user)
            proc = subprocess.run(argv, capture_output=True, text=True, cwd=root, timeout=PATIENCE)
            assert proc.returncode == 0, proc.stderr
            notes = json.loads(proc.stdout)
            assert notes[own] is None and notes[inode] == other
