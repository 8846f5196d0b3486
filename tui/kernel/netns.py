"""Entering a network namespace for the calling thread only.

``setns(2)`` on a network namespace changes the calling thread alone, so a reader thread can
step into a namespace, open its sockets and read its ``/proc/sys/net`` files, and step back.
Sockets keep the namespace they were created in.  No fork, no shell.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Iterator
from contextlib import contextmanager

CLONE_NEWNET = 0x40000000

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


class NetnsError(Exception):
    """A namespace could not be entered (gone, or no privilege)."""


class NamespaceFile:
    """A namespace file's identity (device, inode), to tell that it went away or was
    replaced by another namespace of the same name."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._identity: tuple[int, int] | None = None
        self._identity = self._stat()

    def _stat(self) -> tuple[int, int] | None:
        if self.path is None:
            return None
        try:
            st = os.stat(self.path)
        except PermissionError:
            return self._identity  # not readable now is not "gone"; entering will tell
        except OSError:
            return None
        return (st.st_dev, st.st_ino)

    def gone(self) -> bool:
        """The file no longer names the namespace it named when this was made."""
        return self.path is not None and self._stat() != self._identity


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


@contextmanager
def entered(path: str | None) -> Iterator[None]:
    """Run the body inside the namespace at ``path`` (``None``: stay where we are)."""
    if path is None:
        yield
        return
    try:
        target = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError as exc:
        raise NetnsError(f"namespace {path} has gone") from exc
    except PermissionError as exc:
        raise NetnsError(f"namespace {path}: permission denied (root is needed)") from exc
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        try:
            _setns(target)
        except OSError as exc:
            raise NetnsError(
                f"cannot enter namespace {path}: {exc.strerror} (root is needed)"
            ) from exc
        try:
            yield
        finally:
            _setns(home)
    finally:
        os.close(target)
        os.close(home)
