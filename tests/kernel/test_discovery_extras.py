"""Discovery of namespaces a Kubernetes node holds in other ways than /run/netns: by an open
file descriptor only, by a bind mount visible only in another mount namespace; and a
namespace's UTS hostname (a pod's name) from its processes."""

from __future__ import annotations

import os
import sys

from tests.hidden_netns import UNSHARE_MOUNT, child
from tests.netns_helpers import Netns, delete_netns, ip, requires_netns, temp_netns
from tui.kernel.live_source import LiveSource
from tui.kernel.namespaces import discover
from tui.model import NamespaceInfo

pytestmark = requires_netns

HOLD = "import os, sys; print(os.open(sys.argv[1], os.O_RDONLY), flush=True); sys.stdin.read()"


def inode_of(ns: Netns) -> int:
    return os.stat(ns.path).st_ino


def found(inode: int) -> NamespaceInfo:
    return next(info for info in discover() if info.inode == inode)


def test_namespace_held_only_by_a_file_descriptor() -> None:
    with temp_netns("fsd") as ns:
        ns.ip("addr", "add", "10.77.0.1/32", "dev", "lo")
        inode = inode_of(ns)
        with child([sys.executable, "-c", HOLD, ns.path]) as (proc, fd):
            delete_netns(ns.name)
            info = found(inode)
            assert f"/proc/{proc.pid}/fd/{fd}" in info.paths
            assert not info.names
            state = LiveSource().read(info).state
            assert state is not None
            assert any(a.address == "10.77.0.1" for a in state.addresses)


def test_namespace_mounted_only_in_another_mount_namespace() -> None:
    with temp_netns("fsd") as ns:
        inode = inode_of(ns)
        with child([*UNSHARE_MOUNT, ns.path]) as (proc, ready):
            assert ready == "ready"
            ip("netns", "delete", ns.name)
            info = found(inode)
            assert f"/proc/{proc.pid}/root/mnt/net" in info.paths
            assert LiveSource().read(info).state is not None


def test_hostname_of_the_processes_of_a_namespace() -> None:
    with temp_netns("fsd") as ns:
        script = (
            "import socket, sys; socket.sethostname('fsd-pod-7'); print('ready', flush=True); "
            "sys.stdin.read()"
        )
        argv = ["ip", "netns", "exec", ns.name, "unshare", "--uts", sys.executable, "-c", script]
        with child(argv) as (_, ready):
            assert ready == "ready"
            info = found(inode_of(ns))
            assert info.hostname == "fsd-pod-7"
            assert info.container is None


def test_a_namespace_we_can_see_gains_no_path_from_others() -> None:
    """Named in /run/netns here, also held by a descriptor and bound in another mount namespace
    (whose copy of /run/netns shows it too): the listing stays what our own mounts say, so it
    does not depend on which processes happen to be running."""
    with temp_netns("fsd") as ns:
        inode = inode_of(ns)
        with (
            child([sys.executable, "-c", HOLD, ns.path]) as (_holder, _fd),
            child([*UNSHARE_MOUNT, ns.path]) as (_other, ready),
        ):
            assert ready == "ready"
            info = found(inode)
            assert info.names == (ns.name,)
            assert ns.path in info.paths
            assert [p for p in info.paths if p.startswith("/proc/")] == []
