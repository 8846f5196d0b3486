"""Discovering every network namespace of the host.

Sources: our own namespace (the host's reference: PID 1's link is often unreadable), the named
ones in ``/run/netns`` and ``/var/run/netns``, nsfs bind mounts anywhere (``/proc/self/mountinfo``,
e.g. Docker's ``/var/run/docker/netns``), those only processes hold (``/proc/PID/ns/net``),
those only an open file descriptor holds (``/proc/PID/fd/N``), and those bind-mounted in another
mount namespace (each distinct one's mountinfo, entered as ``/proc/PID/root/...``).  Each says
what it is when its processes tell (``tui.kernel.identity``).  Namespaces are de-duplicated by
``(st_dev, st_ino)``.  Processes that vanish or that we may not inspect are normal and skipped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import psutil

from tui.kernel.identity import (
    held_by_fd,
    mount_namespace,
    own_uts,
    read_cgroup,
    read_mountinfo,
    uts_hostname,
)
from tui.model import NamespaceInfo, Process

NAMED_DIRS = ("/run/netns", "/var/run/netns")
SELF_NS = "/proc/self/ns/net"


@dataclass
class _Found:
    """A namespace being assembled during discovery."""

    dev: int
    inode: int
    names: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    processes: list[Process] = field(default_factory=list)
    hostname: str | None = None
    container: str | None = None
    pod_uid: str | None = None


def _key(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _unescape_mount(path: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as octal."""
    for esc, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        path = path.replace(esc, char)
    return path


def nsfs_mounts(mountinfo: str) -> list[str]:
    """Mount points of network namespace bind mounts listed in a mountinfo text."""
    return [_unescape_mount(point) for _, point in nsfs_entries(mountinfo)]


# mountinfo: ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS;
# an nsfs bind mount of a network namespace has the root "net:[INODE]".
_NSFS_LINE = re.compile(r"^\S+ \S+ \S+ net:\[(\d+)\] (\S+) (?:\S+ )*?- nsfs(?: |$)", re.M)
_NET_ROOT = re.compile(r"net:\[(\d+)\]")  # anywhere: a superset of the roots above


def nsfs_entries(mountinfo: str, skip: AbstractSet[str] = frozenset()) -> list[tuple[int, str]]:
    """(namespace inode, escaped mount point) of each network namespace bind mount listed in
    a mountinfo text, but those whose inode (as text) is in ``skip``: one regular expression
    over the text (a node's other mount namespaces may each list hundreds of them: no Python
    work per line beyond a set lookup)."""
    if skip and skip >= set(_NET_ROOT.findall(mountinfo)):
        return []  # every namespace it names is skipped (the usual case: a quicker scan)
    return [(int(ino), point) for ino, point in _NSFS_LINE.findall(mountinfo) if ino not in skip]


def _process(proc: psutil.Process) -> Process | None:
    try:
        info = proc.as_dict(attrs=["pid", "name", "cmdline"])
    except (psutil.Error, OSError):
        return None
    cmdline = " ".join(info.get("cmdline") or []) or f"[{info.get('name') or ''}]"
    return Process(pid=int(info["pid"]), name=str(info.get("name") or ""), cmdline=cmdline)


def _identify(entry: _Found, pid: int, uts: tuple[int, int] | None) -> None:
    """The container, pod and hostname of a namespace, from the first process that tells."""
    if entry.container is None or entry.pod_uid is None:
        runtime, container, pod = read_cgroup(pid)
        if entry.container is None and container is not None:
            entry.container = f"{runtime}:{container}"
        if entry.pod_uid is None:
            entry.pod_uid = pod
    if entry.hostname is None:
        entry.hostname = uts_hostname(pid, uts)


class _Discovery:
    """The namespaces found so far, keyed by ``(st_dev, st_ino)``; ours is the host's."""

    def __init__(self) -> None:
        own = _key(SELF_NS)
        if own is None:
            raise OSError("cannot read /proc/self/ns/net: is /proc mounted?")
        self.own = own
        self.nsfs_dev = own[0]
        self.found: dict[tuple[int, int], _Found] = {own: _Found(*own)}
        self.visible: set[tuple[int, int]] = set()

    def add(self, key: tuple[int, int] | None, name: str | None, path: str) -> _Found | None:
        if key is None or key[0] != self.nsfs_dev:
            return None
        entry = self.found.setdefault(key, _Found(*key))
        if name and name not in entry.names:
            entry.names.append(name)
        if path not in entry.paths:
            entry.paths.append(path)
        return entry

    def add_hidden(self, key: tuple[int, int] | None, name: str | None, path: str) -> None:
        """Mounted where we can see it: a descriptor or another mount namespace's copy of
        the same mount adds nothing (and would make the listing depend on who happens to
        run right now)."""
        if key not in self.visible:
            self.add(key, name, path)

    def mounted_here(self) -> None:
        """The named namespaces and the nsfs bind mounts of our own mount namespace."""
        for directory in NAMED_DIRS:
            try:
                entries = sorted(os.listdir(directory))
            except OSError:
                continue
            for name in entries:
                path = os.path.join(directory, name)
                self.add(_key(path), name, path)
        try:
            with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as fh:
                mounts = nsfs_mounts(fh.read())
        except OSError:
            mounts = []
        for point in mounts:
            parent = os.path.dirname(point)
            name = os.path.basename(point) if parent in NAMED_DIRS else point
            self.add(_key(point), name, point)
        self.visible = set(self.found)

    def process_namespace(self, pid: int) -> tuple[tuple[int, int], _Found] | None:
        """The namespace a process is in (a path to it when nothing else names it)."""
        path = f"/proc/{pid}/ns/net"
        key = _key(path)
        if key is None:
            return None
        entry = self.found.get(key) or self.add(key, None, path)
        if entry is None:
            return None
        if not entry.paths:
            entry.paths.append(path)
        return key, entry

    def infos(self) -> list[NamespaceInfo]:
        """The host's first, then named ones, then the unnamed ones."""
        found = dict(self.found)
        host = found.pop(self.own)
        ordered = [host, *sorted(found.values(), key=lambda f: (not f.names, f.names, f.inode))]
        return [
            NamespaceInfo(
                dev=f.dev,
                inode=f.inode,
                names=tuple(f.names),
                paths=tuple(f.paths),
                processes=tuple(sorted(f.processes, key=lambda p: p.pid)),
                is_host=f is host,
                hostname=f.hostname,
                container=f.container,
                pod_uid=f.pod_uid,
            )
            for f in ordered
        ]


def discover_quick() -> list[NamespaceInfo]:
    """The namespaces that are quick to find (a few milliseconds with hundreds of pods): ours,
    the named ones, our own nsfs bind mounts and those processes are in; without what
    ``discover`` adds (their processes and identity, descriptors, other mount namespaces'
    bind mounts: reading those mount tables is the slow part of discovery)."""
    found = _Discovery()
    found.mounted_here()
    for pid in psutil.pids():
        found.process_namespace(pid)
    return found.infos()


def discover() -> list[NamespaceInfo]:
    """Every namespace we can see, the host's first, then named ones, then the unnamed ones."""
    found = _Discovery()
    found.mounted_here()
    visible_inodes = {str(inode) for dev, inode in found.visible if dev == found.nsfs_dev}
    mount_namespaces = {mount_namespace(os.getpid())}
    uts = own_uts()
    for proc in psutil.process_iter():
        pid = proc.pid
        for held in held_by_fd(pid, found.nsfs_dev):  # held by a descriptor only (a socket)
            found.add_hidden(_key(held), None, held)
        mnt = mount_namespace(pid)
        if mnt is not None and mnt not in mount_namespaces:  # bind mounts only it can see
            mount_namespaces.add(mnt)
            # Those visible here already are what add_hidden skips: left out without a stat.
            for _, escaped in nsfs_entries(read_mountinfo(pid), visible_inodes):
                point = _unescape_mount(escaped)
                where = f"/proc/{pid}/root{point}"
                parent = os.path.dirname(point)
                named = os.path.basename(point) if parent in NAMED_DIRS else None
                found.add_hidden(_key(where), named, where)
        held_in = found.process_namespace(pid)
        if held_in is None:
            continue
        key, entry = held_in
        process = _process(proc)
        if process is not None:
            entry.processes.append(process)
            if key != found.own:
                _identify(entry, pid, uts)
    return found.infos()


def is_own(info: NamespaceInfo) -> bool:
    """True when ``info`` is the namespace this process runs in (readable without setns)."""
    return _key(SELF_NS) == (info.dev, info.inode)
