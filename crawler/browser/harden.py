"""How every Chromium of govaudit is started (README "Safety", docs/browser.md "Hardening").

- **Its traffic**: through the filtering proxy of `crawler.egress.proxy` (launch-wide: the strict
  policy; each site's context gets its own site's policy with `context_proxy(policy)`).
- **Its user**: when govaudit runs as root, Chromium is started through a wrapper that drops to an
  unprivileged user (`GOVAUDIT_BROWSER_USER`, else `govaudit-browser` when `make setup` created it, else
  `nobody`) with `setpriv`; the profile folder Playwright made is handed to that user first.
- **Its sandbox**: on whenever the kernel lets that user start it (user namespaces); tried once per
  process with a real headless start, else `--no-sandbox` (the reason is in `sandbox_state()`).

`launch_kwargs()` gives the keyword arguments of `chromium.launch()` for all of this; every launch site
(crawl, evidence, phone/axe/search, platform renders, PDF printing, login) uses it.
"""
from __future__ import annotations

import functools
import hashlib
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from crawler.browser.launch import LAUNCH_ARGS, find_chromium

USER_ENV = "GOVAUDIT_BROWSER_USER"
DEFAULT_USER = "govaudit-browser"
_WEBRTC = ("--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
           "--webrtc-ip-handling-policy=disable_non_proxied_udp")

_state: dict[str, object] = {}


def browser_user() -> pwd.struct_passwd | None:
    """The unprivileged user Chromium runs as when this process is root; None when not root."""
    if os.geteuid() != 0:
        return None
    for name in filter(None, (os.environ.get(USER_ENV), DEFAULT_USER, "nobody")):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        if entry.pw_uid != 0:
            return entry
    raise RuntimeError("running as root and no unprivileged user to run Chromium as (set GOVAUDIT_BROWSER_USER)")


def _wrapper(executable: str, user: pwd.struct_passwd) -> str:
    """A root-owned script that starts `executable` as `user` (created once, reused)."""
    setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"
    script = f"""#!/bin/sh
# govaudit (crawler/browser/harden.py): start Chromium as {user.pw_name}, never as root.
d=""
for a in "$@"; do
  case "$a" in --user-data-dir=*) d="${{a#--user-data-dir=}}" ;; esac
done
if [ -n "$d" ]; then chown -R {user.pw_uid}:{user.pw_gid} "$d"; fi
h="${{d:-/tmp}}"
exec env HOME="$h" XDG_CONFIG_HOME="$h/.config" XDG_CACHE_HOME="$h/.cache" \\
  {setpriv} --reuid={user.pw_uid} --regid={user.pw_gid} --clear-groups --inh-caps=-all -- "{executable}" "$@"
"""
    digest = hashlib.sha256(script.encode()).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / f"govaudit-chromium-{digest}"
    path = folder / "chromium"
    if not path.is_file() or path.stat().st_uid != 0:
        folder.mkdir(mode=0o755, exist_ok=True)
        if folder.stat().st_uid != 0 or folder.stat().st_mode & 0o022:
            raise RuntimeError(f"{folder} is not a root-owned folder: refusing to start Chromium from it")
        tmp = folder / f".chromium.{os.getpid()}"
        tmp.write_text(script, encoding="utf-8")
        tmp.chmod(0o755)
        tmp.replace(path)
    return str(path)


def executable() -> str:
    """What Playwright starts: Chromium itself, or (as root) the wrapper that drops privileges."""
    exe = find_chromium()
    user = browser_user()
    return _wrapper(exe, user) if user is not None else exe


@functools.cache
def _sandbox_works(exe: str) -> tuple[bool, str]:
    """Does Chromium start with its sandbox on here (as the user it runs as)? One real headless start."""
    if os.environ.get("GOVAUDIT_BROWSER_SANDBOX", "").lower() in ("0", "off", "no"):
        return False, "turned off by GOVAUDIT_BROWSER_SANDBOX"
    profile = tempfile.mkdtemp(prefix="govaudit-sandbox-check-")
    try:
        proc = subprocess.run([exe, "--headless=new", "--disable-gpu", "--no-first-run", f"--user-data-dir={profile}",
                               "--disable-dev-shm-usage", "--dump-dom", "about:blank"],
                              capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"the sandbox check could not run: {exc}"
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if proc.returncode == 0 and b"<html" in proc.stdout:
        return True, "sandbox on"
    err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    detail = next((line for line in err if "sandbox" in line.lower()), err[-1] if err else f"exit {proc.returncode}")
    return False, f"the kernel did not allow the sandbox: {detail[:200]}"


def sandbox_state() -> dict:
    """How this process starts Chromium: as which user, with or without its sandbox, and why."""
    exe = executable()
    ok, why = _sandbox_works(exe)
    user = browser_user()
    return {"user": user.pw_name if user else pwd.getpwuid(os.geteuid()).pw_name, "sandbox": ok, "reason": why}


def launch_kwargs(headless: bool = True, extra_args: tuple[str, ...] = (), drop_args: tuple[str, ...] = ()) -> dict:
    """`chromium.launch(**launch_kwargs())`: the executable (wrapped as root), the sandbox where it works,
    the strict egress proxy for anything not in a site's context."""
    from crawler.egress.proxy import proxy_url

    exe = executable()
    sandbox, _ = _sandbox_works(exe)
    args = [a for a in (*LAUNCH_ARGS, *_WEBRTC, *extra_args) if a not in drop_args and not (sandbox and a == "--no-sandbox")]
    kwargs = {"executable_path": exe, "headless": headless, "args": args, "chromium_sandbox": sandbox,
              "proxy": {"server": proxy_url()}}
    downloads = _downloads_dir()
    if downloads is not None:
        kwargs["downloads_path"] = downloads
    return kwargs


def _downloads_dir() -> str | None:
    """As root: a folder the browser user may write its downloads to (an attachment the browser fetches
    behind a wall arrives as a download; Playwright's own folder is root's and closed to that user)."""
    user = browser_user()
    if user is None:
        return None
    if "downloads" not in _state:
        folder = tempfile.mkdtemp(prefix="govaudit-downloads-")
        os.chown(folder, user.pw_uid, user.pw_gid)
        _state["downloads"] = folder
    return str(_state["downloads"])


def context_proxy(policy: object | None) -> dict:
    """`new_context(proxy=…)`: the site's own policy for its context (crawler.egress.proxy)."""
    from crawler.egress.proxy import proxy_url

    return {"server": proxy_url(policy)}  # type: ignore[arg-type]
