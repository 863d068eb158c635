"""Which Chromium to drive (CONTRACT.md §1): GOVAUDIT_CHROMIUM, Playwright's own, then Debian's."""
from __future__ import annotations

import glob
import os
from pathlib import Path

# Flags for a headless Chromium on a closed network (no background connections, no sandbox as root).
LAUNCH_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage",
)


class BrowserNotFound(RuntimeError):
    """No Chromium could be found; run `make setup` (installs Debian's chromium)."""


def find_chromium() -> str:
    """The path of the browser to launch, in the contract's order."""
    explicit = os.environ.get("GOVAUDIT_CHROMIUM")
    if explicit:
        if os.access(explicit, os.X_OK):
            return explicit
        raise BrowserNotFound(f"GOVAUDIT_CHROMIUM={explicit} is not an executable file")
    home = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or str(Path.home() / ".cache" / "ms-playwright")
    for candidate in sorted(glob.glob(f"{home}/chromium-*/chrome-linux*/chrome"), reverse=True):
        if os.access(candidate, os.X_OK):
            return candidate
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if os.access(candidate, os.X_OK):
            return candidate
    raise BrowserNotFound("no Chromium found: set GOVAUDIT_CHROMIUM or run `make setup` (installs Debian's chromium)")
