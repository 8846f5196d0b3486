"""Regenerates screenshots/*.svg from the made-up edge-router capture (the snapshot fixture).

Run: ``.venv/bin/python scripts/screenshots.py``.  Each screenshot is the app at 100x30 after a
few keys, exactly as a user would see it.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.app.helpers import fixture_app, loaded  # noqa: E402

SHOTS: dict[str, tuple[str, ...]] = {
    "routes": (),
    "ip-route": ("v",),
    "rules": ("r",),
    "links": ("i",),
    "namespaces": ("n",),
    "lookup": ("l", *"10.64.1.1", "enter"),
    "lookup-forward": ("l", *"203.0.113.9", "tab", *"10.20.0.77", "tab", *"eth1", "enter"),
}


async def shoot(name: str, keys: tuple[str, ...], size: tuple[int, int] = (100, 30)) -> None:
    """Run the app, press ``keys``, save ``screenshots/NAME.svg``."""
    app = fixture_app()
    async with app.run_test(size=size) as pilot:
        await loaded(pilot)
        if keys:
            await pilot.press(*keys)
        await loaded(pilot)
        app.save_screenshot(filename=f"{name}.svg", path=str(ROOT / "screenshots"))


async def main() -> None:
    """Every screenshot in SHOTS."""
    for name, keys in SHOTS.items():
        await shoot(name, keys)
        print(f"screenshots/{name}.svg")


if __name__ == "__main__":
    asyncio.run(main())
