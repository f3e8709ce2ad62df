"""Starting the dashboard: checks, the first administrator, then gunicorn (or the dev server).

`serve(host, port)` refuses sign-in settings that would expose the app on this address
(dashboard.auth.check_binding), creates the user `admin` with a random password printed once
when the user store is empty (password mode), notes a missing warehouse, and then replaces this
process with gunicorn (`python -m gunicorn -c python:dashboard.gunicorn_conf app:server`):
workers and threads from the settings, request logs with the signed-in user. With `dev=True`
it runs Flask's development server in this process instead.
"""

from __future__ import annotations

import os
import sys

from core import settings
from dashboard.auth import AuthConfigError, check_binding, is_loopback
from dashboard.factory import get_app
from dashboard.users import UserStore, random_password


def ensure_first_admin(store=None, out=None) -> str | None:
    """When no user exists, create `admin` with a random password and print it (once)."""
    store = store or UserStore()
    out = out or sys.stdout
    if store.count():
        return None
    password = random_password()
    store.add("admin", "admin", password)
    print("\n  No users yet: created user 'admin' (role admin). Its password, shown only now:\n"
          f"\n      {password}\n\n  Change it with `outcomes users passwd admin`; add people "
          "with `outcomes users add NAME --role viewer`.\n", file=out, flush=True)
    return password


def prepare(host: str) -> str:
    """The checks and first-start steps shared by both servers; returns the sign-in mode."""
    mode = settings.auth_mode()
    try:
        check_binding(mode, host)
    except AuthConfigError as e:
        raise SystemExit(f"outcomes: refusing to start: {e}") from None
    if not is_loopback(host) and not settings.trusted_proxies():
        print(f"note: serving plain http on {host}: passwords and data cross the network "
              "unencrypted; put a TLS proxy in front (README, Deploying)", file=sys.stderr)
    if mode == "password":
        ensure_first_admin()
    elif mode == "header":
        if not UserStore().count():
            print("note: header mode and no users in the store: every request will be refused "
                  "until `outcomes users add NAME --role ...`", file=sys.stderr)
    wh = settings.warehouse_path()
    if not wh.is_file():
        print(f"note: no warehouse at {wh}; the dashboard will explain how to build one "
              "(`make demo` or `outcomes demo`).", file=sys.stderr)
    return mode


def gunicorn_argv(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-c", "python:dashboard.gunicorn_conf",
            "--bind", f"[{host}]:{port}" if ":" in host else f"{host}:{port}", "app:server"]


def serve(host: str = "127.0.0.1", port: int = 8050, dev: bool = False,
          debug: bool = False) -> int:
    prepare(host)
    if dev:
        # No version check: it would call plotly.com from the browser.
        get_app().run(host=host, port=port, debug=debug, dev_tools_disable_version_check=True)
        return 0
    argv = gunicorn_argv(host, port)
    os.chdir(settings.REPO_ROOT)  # gunicorn imports `app` from the repository
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)
    return 0  # pragma: no cover - execv does not return
