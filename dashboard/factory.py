"""create_app(): a fresh Dash app with every page and callback registered (no globals, so tests
can build as many as they like)."""

from __future__ import annotations

import threading
from pathlib import Path

from dash import Dash

from dashboard.auth import install_auth
from dashboard.chart_downloads import register_export_callbacks
from dashboard.export_engine import warm_export_engine
from dashboard.notebook_panel import register_notebook_callbacks
from dashboard.pages import PAGE_MODULES, PAGES
from dashboard.report_button import register_report_callbacks
from dashboard.shell import PRODUCT_NAME, register_shell_callbacks, serve_layout

ASSETS = Path(__file__).resolve().parent / "assets"


class ThreadSafeDash(Dash):
    """Dash whose first-request setup finishes before any request is served.

    Dash marks its setup done *before* doing it (registering the component scripts it may
    serve), so under a threaded server (gunicorn's gthread workers) a second request arriving
    meanwhile is served by a half-set-up app: scripts answer 500, "not a registered library".
    A lock makes the others wait for the first."""

    _setup_lock = threading.Lock()

    def _setup_server(self):
        with self._setup_lock:
            super()._setup_server()


def create_app(warm_exports: bool = True, auth: str | None = None, users=None) -> Dash:
    """The app; `warm_exports` starts the image engine in the background (once per process,
    see dashboard.export_engine.warm_export_engine) so the first download is quick.

    `auth` is the sign-in mode (password | header | none; default $OUTCOMES_AUTH, else
    password) and `users` the user store (a path or dashboard.users.UserStore; default
    $OUTCOMES_USERS): see dashboard/auth.py. Every route passes its gate."""
    app = ThreadSafeDash(
        __name__,
        title=PRODUCT_NAME,
        assets_folder=str(ASSETS),
        serve_locally=True,
        suppress_callback_exceptions=True,
        update_title=None,
        external_stylesheets=[],
        external_scripts=[],
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.layout = serve_layout(PAGES)
    register_shell_callbacks(app, PAGES, {m.PAGE.key: m.layout for m in PAGE_MODULES})
    for m in PAGE_MODULES:
        m.register_callbacks(app)
    register_export_callbacks(app)
    register_notebook_callbacks(app)
    register_report_callbacks(app)
    install_auth(app, auth, users)
    if warm_exports:
        warm_export_engine()
    return app


_PROCESS_APP: dict = {}
_PROCESS_APP_LOCK = threading.Lock()


def get_app() -> Dash:
    """The process's one app, built on first use (app.py's `app` and `server`, the dev server)."""
    with _PROCESS_APP_LOCK:
        if "app" not in _PROCESS_APP:
            _PROCESS_APP["app"] = create_app()
        return _PROCESS_APP["app"]
