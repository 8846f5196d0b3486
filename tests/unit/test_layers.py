"""The layers are enforced, not only described: pure parts never pull in netlink or Textual."""

from __future__ import annotations

import subprocess
import sys

import pytest

PURE = [
    "tui.model",
    "tui.capture",
    "tui.source",
    "tui.source.events",
    "tui.store.routes",
    "tui.store.routes6",
    "tui.store.loader",
    "tui.table_files",
    "tui.formats.iproute",
    "tui.formats.iprule",
    "tui.formats.route_n",
    "tui.formats.json_view",
    "tui.lwtunnel",
    "tui.fib.via",
    "tui.fib",
]


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_neither_pyroute2_nor_textual(module: str) -> None:
    code = (
        f"import sys, importlib; importlib.import_module({module!r}); "
        "bad = [m for m in ('pyroute2', 'textual', 'psutil') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{module} pulls in {out.stdout.strip()}"


def test_app_does_not_import_pyroute2() -> None:
    code = "import sys, tui.app.app; print('pyroute2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_app_command_imports_neither_textual_nor_the_engines_before_the_app() -> None:
    """What ``fibscope`` imports before ``tui.app.run`` (the CLI, the terminal check, the live
    source and its monitor) must stay free of the UI, pyroute2 (links, addresses and rules
    come from raw dumps), the lookup and path engines and the capture code: each is CPU
    taken from the first screen."""
    code = (
        "import sys; import tui.cli, tui.cli.app, tui.app.terminal, tui.kernel.live_source, "
        "tui.kernel.monitor; "
        "bad = [m for m in ('textual', 'pyroute2', 'tui.app.app', 'tui.fib', 'tui.path', "
        "'tui.capture') "
        "if m in sys.modules]; print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
