"""Security headers on every response, whatever the sign-in mode.

The Content-Security-Policy allows only this server's origin: scripts from 'self' plus the
hashes of Dash's inline scripts (`Dash.csp_hashes()`: the renderer's start-up line and any
clientside callbacks), no eval; styles from 'self' and inline (plotly and Dash's components
set style attributes and inject <style> elements); images from 'self', data: and blob: (plotly
draws legends and exports with them); no frames, objects or form posts elsewhere. Framing is
refused twice (frame-ancestors and X-Frame-Options), MIME sniffing is off, the Referer never
leaves the site, and Dash's data responses are not cached.
"""

from __future__ import annotations

from dash import Dash
from flask import request

STATIC_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def content_security_policy(script_hashes: list[str]) -> str:
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{k} {' '.join(v)}" for k, v in directives.items())


def install_security_headers(app: Dash) -> None:
    harden_dash_config(app)
    server = app.server
    cached: dict[str, str] = {}

    @server.after_request
    def security_headers(response):
        if "csp" not in cached:  # after every callback (and clientside script) is registered
            cached["csp"] = content_security_policy(list(app.csp_hashes()))
        response.headers["Content-Security-Policy"] = cached["csp"]
        for name, value in STATIC_HEADERS.items():
            response.headers[name] = value
        if request.path.startswith("/_dash-update-component") or request.path == "/admin":
            response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Server", None)
        return response


def harden_dash_config(app: Dash) -> None:
    """The page's Dash config names no outside host and no version: the version check (a call
    to plotly's server, dev tools only) is off and its URL blank, the Python version is not
    shown. (Wraps Dash's private `_config`; checked by tests/test_serve_security.py.)"""
    original = app._config

    def config():
        cfg = original()
        cfg.update(disable_version_check=True, dash_version_url="", python_version="")
        return cfg

    app._config = config
