"""``capture -o FILE`` never destroys the previous capture, never follows a planted symlink,
is private (0600), keeps no command lines unless asked, and fails loudly for a namespace it
cannot read."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.netns_helpers import Netns, requires_netns, run_fibscope, temp_netns
from tests.patience import PATIENCE
from tui import capture

pytestmark = requires_netns

OLD = b'{"an old capture": "must survive"}\n'


@pytest.fixture(scope="module")
def big_ns() -> Iterator[Netns]:
    """A namespace with 300,000 routes: a capture of it takes a while to read and write."""
    with temp_netns("fsc-cap") as ns:
        ns.veth("c0", "c1")
        ns.ip("addr", "add", "10.1.0.1/24", "dev", "c0")
        ns.batch(
            f"route add 10.{64 + i // 65536}.{(i >> 8) & 255}.{i & 255}/32 dev c0"
            for i in range(300_000)
        )
        yield ns


def _leftovers(directory: Path, keep: str) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != keep)


def _complete(path: Path) -> bool:
    """Whether ``path`` holds a whole capture (the new one: it was renamed into place)."""
    try:
        capture.load(str(path))
    except capture.CaptureError:
        return False
    return True


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_while_writing_leaves_the_old_file(
    big_ns: Netns, tmp_path: Path, sig: signal.Signals
) -> None:
    target = tmp_path / "host.json"
    # The write itself takes a few tens of milliseconds (routes are streamed into columns while
    # the dump is read, before the temporary file exists): a signal sent once the file appears
    # may land after the rename.  Such a run proves nothing and is tried again.
    for _attempt in range(20):
        target.write_bytes(OLD)
        proc = subprocess.Popen(
            [sys.executable, "-m", "tui", "capture", "--netns", big_ns.name, "-o", str(target)],
            stderr=subprocess.PIPE,
        )
        try:
            # Wait until the temporary file exists: the capture is being written now.
            while proc.poll() is None and not _leftovers(tmp_path, target.name):
                pass
            if proc.poll() is not None:
                continue  # finished before it could be interrupted
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=PATIENCE)
        finally:
            if proc.poll() is None:
                proc.kill()
        if proc.returncode != 0 and not _complete(target):
            break  # else the signal came after the rename: the capture was done
    assert proc.returncode != 0, "every capture ended before the signal reached it"
    assert target.read_bytes() == OLD
    assert _leftovers(tmp_path, target.name) == []  # the temporary file is gone too
    if sig == signal.SIGINT:
        assert proc.returncode == 130
    else:
        assert proc.returncode == -sig  # died of the signal, as a shell expects
    assert b"Traceback" not in err


def test_a_signal_while_reading_leaves_the_old_file(big_ns: Netns, tmp_path: Path) -> None:
    target = tmp_path / "host.json"
    target.write_bytes(OLD)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "capture", "--netns", big_ns.name, "-o", str(target)],
        stderr=subprocess.PIPE,
    )
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=PATIENCE)
    assert proc.returncode == -signal.SIGTERM
    assert target.read_bytes() == OLD
    assert _leftovers(tmp_path, target.name) == []


def test_a_full_disk_leaves_the_old_file(big_ns: Netns, tmp_path: Path) -> None:
    """A 1 MB tmpfs (in a mount namespace of its own) cannot hold the capture."""
    script = (
        "import os, subprocess, sys\n"
        "d, ns, old = sys.argv[1], sys.argv[2], sys.argv[3].encode()\n"
        "subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', d], check=True)\n"
        "open(d + '/host.json', 'wb').write(old)\n"
        "p = subprocess.run([sys.executable, '-m', 'tui', 'capture', '--netns', ns, '-o',"
        " d + '/host.json'], capture_output=True, text=True)\n"
        "same = open(d + '/host.json', 'rb').read() == old\n"
        "print(p.returncode, same, sorted(os.listdir(d)), p.stderr.strip())\n"
    )
    out = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", sys.executable, "-c", script]
        + [str(tmp_path), big_ns.name, OLD.decode()],
        capture_output=True,
        text=True,
        timeout=2 * PATIENCE,
        check=True,
    )
    code, same, left, message = out.stdout.strip().split(" ", 3)
    assert (code, same, left) == ("2", "True", "['host.json']"), out.stdout
    assert message.startswith("fibscope: ") and "No space left on device" in message
    assert "\n" not in message


def test_the_file_is_private_and_replaces_a_planted_symlink(tmp_path: Path) -> None:
    with temp_netns("fsc-cap") as ns:
        victim = tmp_path / "victim"
        victim.write_bytes(b"precious\n")
        link = tmp_path / "host.json"
        link.symlink_to(victim)
        proc = run_fibscope("capture", "--netns", ns.name, "-o", str(link))
        assert proc.returncode == 0, proc.stderr
        assert victim.read_bytes() == b"precious\n"  # written through? never
        st = os.lstat(link)
        assert stat.S_ISREG(st.st_mode)
        assert stat.S_IMODE(st.st_mode) == 0o600


def test_command_lines_are_kept_only_when_asked(tmp_path: Path) -> None:
    secret = "--db-password=hunter2"
    with temp_netns("fsc-cap") as ns:
        proc = subprocess.Popen(
            ["ip", "netns", "exec", ns.name, sys.executable, "-c", "import time; time.sleep(300)"]
            + [secret],
        )
        try:
            plain, full = tmp_path / "plain.json", tmp_path / "full.json"
            assert run_fibscope("capture", "--netns", ns.name, "-o", str(plain)).returncode == 0
            args = ("capture", "--cmdline", "--netns", ns.name, "-o", str(full))
            assert run_fibscope(*args).returncode == 0
        finally:
            proc.kill()
            proc.wait()
    assert secret not in plain.read_text()
    assert f'"pid":{proc.pid},"name":"python' in plain.read_text()
    assert secret in full.read_text()


def test_a_namespace_that_cannot_be_read_exits_2() -> None:
    """Unknown, or not readable by this user: exit 2, one line, the old file untouched."""
    shared = Path(tempfile.mkdtemp(prefix="fsc-cap-", dir="/tmp"))  # reachable by nobody
    try:
        shared.chmod(0o777)
        target = shared / "host.json"
        target.write_bytes(OLD)
        target.chmod(0o666)
        proc = run_fibscope("capture", "--netns", "no-such-netns-fsc", "-o", str(target))
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
        with temp_netns("fsc-cap") as ns:
            nobody = 65534
            proc = run_fibscope("capture", "--netns", ns.name, "-o", str(target), user=nobody)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith(f"fibscope: namespace {ns.name} cannot be read: ")
        assert proc.stderr.count("\n") == 1
        assert target.read_bytes() == OLD
    finally:
        shutil.rmtree(shared)
