"""Writing a file so that the old one survives every failure.

``capture -o FILE`` used to truncate FILE and then write: Ctrl-C, SIGTERM or a full disk left
nothing or half a document where a good capture had been.  Here the text goes to a new file in
the same directory (created exclusively, never through a symlink, mode 0600: a capture lists
processes and is nobody else's business), is flushed to disk, and only then renamed over FILE
in one step.  Whatever stops the writer before the rename leaves FILE as it was; the temporary
file is removed on the way out (SIGTERM and SIGHUP are turned into that way out meanwhile).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import stat
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TextIO

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_CAUGHT = (signal.SIGTERM, signal.SIGHUP)


class Interrupted(BaseException):
    """A terminating signal arrived while writing (BaseException: nothing may swallow it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


@contextlib.contextmanager
def signals_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP raise ``Interrupted`` inside the block (so cleanup runs), as SIGINT
    raises KeyboardInterrupt; the old handlers come back afterwards."""
    old = {sig: signal.signal(sig, _raise) for sig in _CAUGHT}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def die_of(signum: int) -> None:
    """End the process by ``signum`` with its default action: the status a shell expects."""
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def check_target(path: str) -> None:
    """OSError unless ``path`` may be replaced: absent, a regular file, or a symlink (which is
    replaced, never followed); its directory must exist."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise FileNotFoundError(2, "No such directory", directory) from None
        return
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
        raise IsADirectoryError(21, "not a regular file", path)


def write_atomic(path: str, write: Callable[[TextIO], None]) -> None:
    """Replace ``path`` with what ``write`` writes, or leave it untouched (and raise)."""
    check_target(path)
    directory = os.path.dirname(os.path.abspath(path))
    temp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    # No signal between creating the file and being ready to remove it: a Python handler
    # (KeyboardInterrupt, Interrupted) would otherwise run there and leave it behind.
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, (signal.SIGINT, *_CAUGHT))
    try:
        fd = os.open(temp, _FLAGS, 0o600)
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                write(fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.rename(temp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    with contextlib.suppress(OSError):  # the rename itself on disk: the directory's entry
        dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
