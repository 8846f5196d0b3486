"""Container identity from /proc/PID/cgroup text, as the runtimes write their paths."""

from __future__ import annotations

import pytest

from tui.kernel.identity import parse_cgroup

ID = "0123456789abcdef" * 4
UID = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"0::/system.slice/docker-{ID}.scope\n", ("docker", ID, None)),
        (f"12:pids:/docker/{ID}\n0::/\n", ("docker", ID, None)),
        (
            "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
            f"{UID.replace('-', '_')}.slice/cri-containerd-{ID}.scope\n",
            ("containerd", ID, UID),
        ),
        (
            f"0::/kubepods.slice/kubepods-pod{UID.replace('-', '_')}.slice/crio-{ID}.scope\n",
            ("cri-o", ID, UID),
        ),
        (f"0::/kubepods/besteffort/pod{UID}/{ID}\n", ("kubernetes", ID, UID)),
        (f"0::/user.slice/user-1000.slice/libpod-{ID}.scope\n", ("podman", ID, None)),
        ("0::/user.slice/user-1000.slice/session-3.scope\n", (None, None, None)),
        ("", (None, None, None)),
        ("garbage without colons\n", (None, None, None)),
    ],
)
def test_parse_cgroup(text: str, expected: tuple[str | None, str | None, str | None]) -> None:
    assert parse_cgroup(text) == expected
