"""What a namespace is, as far as the host can tell without asking a daemon: the container
(runtime and id) and Kubernetes pod UID from the cgroup path of its processes, and the UTS
hostname its processes see (a pod's name).  Also the namespaces held only by an open file
descriptor, or bind-mounted in another mount namespace than ours."""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import os
import re
from collections.abc import Iterator

CLONE_NEWUTS = 0x04000000

# The last container-looking component of a cgroup v2 (or v1) path.
_RUNTIMES = (
    (re.compile(r"docker-([0-9a-f]{64})\.scope$"), "docker"),
    (re.compile(r"^/docker/([0-9a-f]{64})$"), "docker"),
    (re.compile(r"cri-containerd-([0-9a-f]{64})\.scope$"), "containerd"),
    (re.compile(r"crio-(?:conmon-)?([0-9a-f]{64})\.scope$"), "cri-o"),
    (re.compile(r"libpod-(?:conmon-)?([0-9a-f]{64})\.scope$"), "podman"),
    (re.compile(r"/kubepods[^ ]*/pod[0-9a-f_-]{36}/([0-9a-f]{64})$"), "kubernetes"),
)
_POD_UID = re.compile(
    r"pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})"
)


def parse_cgroup(text: str) -> tuple[str | None, str | None, str | None]:
    """(runtime, container id, pod UID) from /proc/PID/cgroup text; None where not found."""
    runtime = container = pod = None
    for line in text.splitlines():
        path = line.split(":", 2)[-1].strip()
        if not path:
            continue
        match = _POD_UID.search(path)
        if match and pod is None:
            pod = match.group(1).replace("_", "-")
        for pattern, name in _RUNTIMES:
            found = pattern.search(path)
            if found and container is None:
                runtime, container = name, found.group(1)
    return runtime, container, pod


def read_cgroup(pid: int) -> tuple[str | None, str | None, str | None]:
    """The container identity of a process (nothing when it cannot be read)."""
    try:
        with open(f"/proc/{pid}/cgroup", encoding="utf-8", errors="replace") as fh:
            return parse_cgroup(fh.read())
    except OSError:
        return None, None, None


_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def uts_hostname(pid: int, own_uts: tuple[int, int] | None) -> str | None:
    """The hostname the process sees, when its UTS namespace is not ours (setns for this
    thread only, then back); None when it is ours or cannot be entered."""
    path = f"/proc/{pid}/ns/uts"
    try:
        st = os.stat(path)
    except OSError:
        return None
    if own_uts == (st.st_dev, st.st_ino):
        return None
    try:
        target = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    home = os.open("/proc/thread-self/ns/uts", os.O_RDONLY | os.O_CLOEXEC)
    try:
        if _libc.setns(target, CLONE_NEWUTS) != 0:
            return None
        try:
            return os.uname().nodename
        finally:
            if _libc.setns(home, CLONE_NEWUTS) != 0:
                raise OSError(ctypes.get_errno(), "cannot return to our UTS namespace")
    finally:
        os.close(target)
        os.close(home)


def own_uts() -> tuple[int, int] | None:
    """Our UTS namespace's key."""
    try:
        st = os.stat("/proc/thread-self/ns/uts")
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


NS_GET_NSTYPE = 0xB703  # _IO(0xb7, 0x3)
CLONE_NEWNET = 0x40000000
_NOT_NSFS = ("socket:", "pipe:", "anon_inode:", "/dev/", "/proc/", "/sys/")


def _is_net_namespace(path: str) -> bool:
    """NS_GET_NSTYPE: a namespace file of the network kind (nsfs holds every kind)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        return fcntl.ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNET
    except OSError:
        return False
    finally:
        os.close(fd)


def held_by_fd(pid: int, nsfs_dev: int) -> Iterator[str]:
    """``/proc/PID/fd/N`` for each descriptor of the process open on a network namespace.

    Its link reads ``net:[INODE]`` when it was opened through /proc, but the path of the bind
    mount it was opened through (``/`` once that is gone) otherwise: the device number and the
    namespace type tell."""
    base = f"/proc/{pid}/fd"
    try:
        fds = os.listdir(base)
    except OSError:
        return
    for fd in fds:
        path = f"{base}/{fd}"
        try:
            target = os.readlink(path)
        except OSError:
            continue
        if target.startswith("net:["):
            yield path
            continue
        if target.startswith(_NOT_NSFS) or target.startswith(("mnt:", "uts:", "ipc:", "pid:")):
            continue
        try:
            if os.stat(path).st_dev != nsfs_dev:
                continue
        except OSError:
            continue
        if _is_net_namespace(path):
            yield path


def mount_namespace(pid: int) -> tuple[int, int] | None:
    """The process's mount namespace key."""
    try:
        st = os.stat(f"/proc/{pid}/ns/mnt")
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def read_mountinfo(pid: int) -> str:
    """/proc/PID/mountinfo ("" when it cannot be read)."""
    try:
        with open(f"/proc/{pid}/mountinfo", encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return ""
