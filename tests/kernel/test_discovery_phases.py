"""Discovery in two phases: the quick look (named namespaces, our own bind mounts, the
namespaces processes are in) and every namespace (other mount namespaces' bind mounts too).
The first screen starts from the quick look; nothing that needs every namespace (the
``namespaces`` command, a name given on the command line) is answered from it alone."""

from __future__ import annotations

import json
import os
import subprocess

from tests.hidden_netns import hidden_netns
from tests.netns_helpers import requires_netns, run_fibscope, temp_netns
from tests.patience import wait_until
from tui.kernel.live_source import LiveSource
from tui.kernel.namespaces import discover, discover_quick
from tui.model import NamespaceInfo
from tui.source.discovery import first_look

pytestmark = requires_netns


def by_inode(infos: list[NamespaceInfo], inode: int) -> NamespaceInfo | None:
    matches = [i for i in infos if i.inode == inode]
    assert len(matches) <= 1, f"namespace {inode} listed {len(matches)} times"
    return matches[0] if matches else None


def test_the_quick_look_finds_named_and_process_held_namespaces() -> None:
    with temp_netns("fsq") as named, temp_netns("fsq") as other:
        proc = subprocess.Popen(["ip", "netns", "exec", other.name, "sleep", "300"])
        try:
            held = os.stat(other.path).st_ino
            wait_until(
                lambda: os.stat(f"/proc/{proc.pid}/ns/net").st_ino == held,
                "the process entered the namespace",
            )
            subprocess.run(["ip", "netns", "delete", other.name], check=True)  # held only by it
            quick = discover_quick()
            assert quick[0].is_host and sum(i.is_host for i in quick) == 1
            info = by_inode(quick, os.stat(named.path).st_ino)
            assert info is not None and info.names == (named.name,) and named.path in info.paths
            info = by_inode(quick, held)
            assert info is not None and not info.names
            assert info.paths == (f"/proc/{proc.pid}/ns/net",)
            # The full discovery finds the same ones, and says more (who is in them).
            full = by_inode(discover(), held)
            assert full is not None and proc.pid in [p.pid for p in full.processes]
        finally:
            proc.kill()
            proc.wait()


def test_a_namespace_bound_only_in_another_mount_namespace_waits_for_every_namespace() -> None:
    with hidden_netns() as hidden:
        quick, complete = LiveSource().first_namespaces()
        assert not complete
        assert by_inode(quick, hidden.inode) is None  # reading other mount tables is not quick
        found = by_inode(LiveSource().namespaces(), hidden.inode)
        assert found is not None and hidden.path in found.paths
        # Asked for by inode: looked for among every namespace, never called unknown.
        infos, complete = first_look(LiveSource(), str(hidden.inode))
        assert complete and by_inode(infos, hidden.inode) is not None
        infos, complete = first_look(LiveSource(), f"net:[{hidden.inode}]")
        assert complete and by_inode(infos, hidden.inode) is not None


def test_a_name_found_in_the_quick_look_is_not_looked_for_further() -> None:
    with temp_netns("fsq") as ns:
        infos, complete = first_look(LiveSource(), ns.name)
        assert not complete
        assert [i.names for i in infos if ns.name in i.names] == [(ns.name,)]
        infos, complete = first_look(LiveSource(), None)
        assert not complete and infos[0].is_host


def test_the_namespaces_command_lists_every_namespace() -> None:
    with hidden_netns() as hidden:
        result = run_fibscope("namespaces", "--format", "json")
        assert result.returncode == 0, result.stderr
        listed = [ns for ns in json.loads(result.stdout) if ns["inode"] == hidden.inode]
        assert len(listed) == 1 and hidden.path in listed[0]["paths"]
        assert listed[0]["error"] is None
        result = run_fibscope("namespaces", "--netns", str(hidden.inode))
        assert result.returncode == 0, result.stderr
        assert f"net:[{hidden.inode}]" in result.stdout
