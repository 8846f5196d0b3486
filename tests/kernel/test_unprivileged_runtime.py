"""Tests that run fibscope as an unprivileged user work from any checkout: from a directory
only root may enter (``mktemp -d``, /root/src) the user cannot import the checkout, so the
helpers give it a world-readable copy of fibscope and what it imports."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.netns_helpers import as_user, requires_netns, user_runtime

pytestmark = requires_netns
NOBODY = 65534
WHERE = "import tui, sys; print(tui.__file__)"


def test_a_root_only_checkout_is_not_what_the_user_imports() -> None:
    private = Path(tempfile.mkdtemp(prefix="fsc-private-"))  # mode 0700, as mktemp -d makes
    try:
        shutil.copytree(Path(__file__).resolve().parents[2] / "tui", private / "tui")
        assert private.stat().st_mode & 0o077 == 0
        python, base = user_runtime(NOBODY)
        plain = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        refused = subprocess.run(
            [
                *plain,
                python,
                "-I",
                "-S",
                "-c",
                f"import sys; sys.path.insert(0, {str(private)!r}); {WHERE}",
            ],
            capture_output=True,
            text=True,
            cwd="/",
            check=False,
        )
        assert refused.returncode != 0  # the checkout itself cannot be imported...
        argv = as_user([sys.executable, "-c", WHERE], NOBODY)
        works = subprocess.run(argv, capture_output=True, text=True, cwd=private, check=False)
        assert works.returncode == 0, works.stderr  # ...the helpers' copy can
        assert works.stdout.startswith(base + "/tui/")
        version = subprocess.run(
            as_user([sys.executable, "-m", "tui", "--version"], NOBODY),
            capture_output=True,
            text=True,
            cwd=private,
            check=False,
        )
        assert version.returncode == 0 and version.stdout.startswith("fibscope ")
    finally:
        shutil.rmtree(private)
