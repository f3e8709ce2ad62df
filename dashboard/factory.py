"""create_app(): a fresh Dash app with every page and callback registered (no globals, so tests
can build as many as they like)."""

from __future__ import annotations

from pathlib import Path

from dash import Dash

from dashboard.pages import PAGE_MODULES, PAGES
from dashboard.shell import PRODUCT_NAME, register_shell_callbacks, serve_layout

ASSETS = Path(__file__).resolve().parent / "assets"


def create_app() -> Dash:
    app = Dash(
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
    return app
