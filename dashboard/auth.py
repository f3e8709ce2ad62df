"""Sign-in and the gate every request passes: who is asking, with which role and programs.

`install_auth(app, mode, users)` wires it onto the Dash app's Flask server:
- password (default): /login form (Flask-Login session, Argon2 hashes in dashboard/users.py,
  failed attempts throttled by Flask-Limiter), /logout;
- header: the user name comes from a header set by an SSO proxy, accepted only from the
  trusted proxy's address (OUTCOMES_TRUSTED_PROXY; unset: loopback only); the user must exist
  in the store and gets its role and programs;
- none: everyone on this machine is an administrator; only requests from loopback are served.

The gate runs before anything else (before Dash's own hooks): without a user, a page answers
302 to /login, anything else (Dash's /_dash-* requests, downloads, assets) 401. It puts the
user's `dashboard.scope.Access` on flask.g, where url_state's filters are clamped.

CSRF (Flask-WTF's CSRFProtect) guards every POST. Forms carry the token in a hidden field.
Dash's own POSTs to /_dash-update-component carry JSON, and the Dash renderer copies the cookie
`_csrf_token` into an `X-CSRFToken` header on each of them; we set that cookie (readable by
the page's script, SameSite=Strict) to Flask-WTF's token on every HTML page, and CSRFProtect
checks the header against the session. Another site can neither read the cookie nor set the
header, so a forged request fails; a token is bound to the session that was given it.
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import timedelta
from urllib.parse import urlsplit

from dash import Dash
from flask import (
    Flask,
    g,
    jsonify,
    redirect,
    render_template_string,
    request,
    session,
)
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from core import settings
from dashboard import scope
from dashboard.security import install_security_headers
from dashboard.users import User, UserStore, dummy_hash

log = logging.getLogger(__name__)

CSRF_COOKIE = "_csrf_token"  # the name the Dash renderer reads
PUBLIC_PATHS = frozenset({"/login", "/assets/style.css", "/_favicon.ico"})
USER_ENVIRON = "outcomes.user"  # the WSGI environ key gunicorn's access log prints


class AuthConfigError(RuntimeError):
    """A setting that would expose the app (e.g. header mode on a public address)."""


# -- binding checks (made by the server launchers, which know the address) ----------------------
def is_loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_binding(mode: str, host: str) -> None:
    """Refuse modes that would let anyone in from the network."""
    if mode == "none" and not is_loopback(host):
        raise AuthConfigError(f"OUTCOMES_AUTH=none serves everyone as an administrator; it "
                              f"binds only to 127.0.0.1, not {host}")
    if mode == "header" and not is_loopback(host) and not settings.trusted_proxies():
        raise AuthConfigError(f"OUTCOMES_AUTH=header on {host} would trust a user-name header "
                              "from anyone: set OUTCOMES_TRUSTED_PROXY to the proxy's address")


# -- users for Flask-Login ----------------------------------------------------------------------
class SignedIn(UserMixin):
    def __init__(self, user: User):
        self.user = user

    def get_id(self) -> str:
        # The nonce changes with the password, which ends every session opened before.
        return f"{self.user.name}|{self.user.session_nonce}"


class HttpsAwareSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the Secure flag whenever the request is https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


class FromTrustedProxy:
    """X-Forwarded-For/-Proto/-Host (werkzeug's ProxyFix) honoured only on requests whose TCP
    peer is one of the trusted proxies; anyone else's forwarded headers count for nothing."""

    def __init__(self, app, proxies: tuple[str, ...]):
        from werkzeug.middleware.proxy_fix import ProxyFix

        self.app, self.proxies = app, set(proxies)
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1)

    def __call__(self, environ, start_response):
        if environ.get("REMOTE_ADDR") in self.proxies:
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)


def _access(user: User) -> scope.Access:
    return scope.Access(user.name, user.role, user.programs)


def peer_address() -> str:
    """The TCP peer (the proxy, when there is one), before ProxyFix rewrote REMOTE_ADDR."""
    orig = request.environ.get("werkzeug.proxy_fix.orig") or {}
    return orig.get("REMOTE_ADDR") or request.environ.get("REMOTE_ADDR") or ""


def _trusted_peer() -> bool:
    proxies = settings.trusted_proxies()
    peer = peer_address()
    return peer in proxies if proxies else is_loopback(peer)


def _wants_page() -> bool:
    return (request.method in ("GET", "HEAD") and not request.path.startswith("/_dash-")
            and request.accept_mimetypes.accept_html)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never //host or a scheme) after signing in."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


# -- pages of our own (plain HTML, autoescaped) ---------------------------------------------------
_FRAME = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · OCSS Program Outcomes</title>
<link rel="stylesheet" href="/assets/style.css"></head>
<body><header class="site-header"><div class="header-top"><div class="brand">
<span class="brand-name">OCSS Program Outcomes</span>
<span class="brand-sub">NYC Office of Child Support Services</span></div></div></header>
<main class="content auth-page">{{ body }}</main></body></html>"""

LOGIN_BODY = """<section class="card auth-card"><h1>Sign in</h1>
{% if error %}<p class="auth-error" role="alert">{{ error }}</p>{% endif %}
<form method="post" action="/login">
<input type="hidden" name="csrf_token" value="{{ token }}">
<input type="hidden" name="next" value="{{ next }}">
<label for="username">User name</label>
<input id="username" name="username" autocomplete="username" required value="{{ username }}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button class="button" type="submit">Sign in</button></form></section>"""

LOGOUT_BODY = """<section class="card auth-card"><h1>Sign out</h1>
<form method="post" action="/logout"><input type="hidden" name="csrf_token" value="{{ token }}">
<button class="button" type="submit">Sign out</button></form>
<p><a href="/">Back to the dashboard</a></p></section>"""

ADMIN_BODY = """<section class="card"><h1>Users</h1>
<p>Manage them with <code>outcomes users add|list|remove|passwd</code>.</p>
<table class="admin-table" id="admin-users"><thead><tr><th>User</th><th>Role</th>
<th>Programs</th><th>Created</th><th>Last sign-in</th></tr></thead><tbody>
{% for u in users %}<tr><td>{{ u.name }}</td><td>{{ u.role }}</td>
<td>{{ u.programs or "all" }}</td><td>{{ u.created_at }}</td><td>{{ u.last_signin or "–" }}</td>
</tr>{% endfor %}</tbody></table></section>
<section class="card"><h2>Recent sign-ins</h2>
<table class="admin-table" id="admin-signins"><thead><tr><th>When (UTC)</th><th>User</th>
<th>Result</th><th>How</th><th>From</th></tr></thead><tbody>
{% for s in signins %}<tr><td>{{ s.at }}</td><td>{{ s.name }}</td>
<td>{{ "signed in" if s.ok else "refused" }}</td><td>{{ s.method }}</td>
<td>{{ s.address or "" }}</td></tr>{% endfor %}</tbody></table>
<p><a href="/">Back to the dashboard</a></p></section>"""


def _page(title: str, body: str, status: int = 200, **ctx):
    from markupsafe import Markup

    inner = render_template_string(body, **ctx)
    return render_template_string(_FRAME, title=title, body=Markup(inner)), status


# -- wiring -------------------------------------------------------------------------------------
def install_auth(app: Dash, mode: str | None = None, users: UserStore | str | None = None) -> None:
    mode = mode or settings.auth_mode()
    if mode not in settings.AUTH_MODES:
        raise AuthConfigError(f"unknown sign-in mode {mode!r}")
    store = users if isinstance(users, UserStore) else UserStore(users)
    server: Flask = app.server
    server.config.update(
        OUTCOMES_AUTH=mode,
        SECRET_KEY=server.config.get("SECRET_KEY") or settings.secret_key(),
        SESSION_COOKIE_NAME="outcomes_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours()),
        WTF_CSRF_TIME_LIMIT=None,  # bound to the session, which expires on its own
    )
    server.session_interface = HttpsAwareSessions()
    if settings.trusted_proxies():
        server.wsgi_app = FromTrustedProxy(server.wsgi_app, settings.trusted_proxies())
    server.extensions["outcomes_users"] = store
    if mode == "password":
        dummy_hash()  # made now, so a first sign-in with an unknown name costs no more

    csrf = CSRFProtect(server)
    logins = LoginManager(server)
    logins.session_protection = "basic"

    @logins.user_loader
    def load_user(user_id: str):
        name, _, nonce = user_id.partition("|")
        user = store.get(name)
        return SignedIn(user) if user and user.session_nonce == nonce else None

    limiter = Limiter(key_func=lambda: request.remote_addr or "-", app=server,
                      storage_uri=settings.limiter_storage(), default_limits=[],
                      headers_enabled=False)

    def identify() -> scope.Access | None:
        if mode == "none":
            return scope.Access("local", "admin") if is_loopback(peer_address()) else None
        if mode == "header":
            name = request.headers.get(settings.auth_header(), "").strip()
            if not name or not _trusted_peer():
                return None
            user = store.get(name)
            return _access(user) if user else None
        if current_user.is_authenticated:
            return _access(current_user.user)
        return None

    def gate():
        request.environ[USER_ENVIRON] = "-"
        if request.path in PUBLIC_PATHS:
            g.outcomes_access = scope.ANONYMOUS
            return None
        access = identify()
        if access is None:
            if mode == "password" and _wants_page():
                nxt = request.full_path.rstrip("?")
                return redirect("/login" + ("?next=" + _quote(nxt) if nxt != "/" else ""))
            return jsonify(error="sign-in required"), 401
        g.outcomes_access = access
        request.environ[USER_ENVIRON] = access.user
        return None

    # First, before Dash's hooks (which may build the layout) and CSRF's check.
    server.before_request_funcs.setdefault(None, []).insert(0, gate)

    @server.route("/login", methods=["GET", "POST"])
    @limiter.limit(settings.login_limit(), methods=["POST"],
                   deduct_when=lambda response: response.status_code != 302)
    def login():
        if mode != "password":
            return redirect("/")
        nxt = _safe_next(request.values.get("next"))
        if request.method == "GET":
            if current_user.is_authenticated:
                return redirect(nxt)
            return _page("Sign in", LOGIN_BODY, token=generate_csrf(), next=nxt, username="",
                         error=None)
        name = (request.form.get("username") or "").strip()
        user = store.verify(name, request.form.get("password") or "")
        store.record_signin(name or "-", user is not None, "password", request.remote_addr)
        if user is None:
            return _page("Sign in", LOGIN_BODY, 401, token=generate_csrf(), next=nxt,
                         username=name, error="Wrong user name or password.")
        session.clear()  # a fresh session: nothing from before signing in carries over
        login_user(SignedIn(user))
        session.permanent = True
        return redirect(nxt)

    @server.route("/logout", methods=["GET", "POST"])
    def logout():
        if mode != "password":
            return _page("Sign out", "<section class='card auth-card'><h1>Sign out</h1><p>"
                         + ("Sign-in is handled by your organisation's sign-in proxy: sign out "
                            "there." if mode == "header" else "Sign-in is off on this "
                            "machine (OUTCOMES_AUTH=none).") + "</p></section>")
        if request.method == "GET":
            return _page("Sign out", LOGOUT_BODY, token=generate_csrf())
        logout_user()
        session.clear()
        return redirect("/login")

    @server.route("/admin")
    def admin():
        if not scope.current().is_admin:
            return _page("Not allowed", "<section class='card'><h1>Administrators only</h1>"
                         "</section>", 403)
        return _page("Users", ADMIN_BODY, users=store.list(), signins=store.recent_signins())

    @server.errorhandler(CSRFError)
    def csrf_failed(e):
        if request.path == "/login" and mode == "password":
            return _page("Sign in", LOGIN_BODY, 400, token=generate_csrf(), next="/",
                         username="", error="The form had expired; please sign in again.")
        return jsonify(error=f"CSRF check failed: {e.description}"), 400

    @server.errorhandler(RateLimitExceeded)
    def throttled(e):
        log.warning("sign-in throttled for %s", request.remote_addr)
        return _page("Sign in", LOGIN_BODY, 429, token=generate_csrf(), next="/", username="",
                     error="Too many failed sign-ins from this address; wait a minute and try "
                           "again.")

    @server.after_request
    def csrf_cookie(response):
        # The token Dash's renderer sends back as X-CSRFToken (see the module doc).
        access = getattr(g, "outcomes_access", None)
        if (response.mimetype == "text/html" and request.method == "GET"
                and access not in (None, scope.ANONYMOUS)):
            response.set_cookie(CSRF_COOKIE, generate_csrf(), secure=request.is_secure,
                                httponly=False, samesite="Strict", path="/")
        return response

    server.extensions["outcomes_csrf"] = csrf  # guards every POST: forms and Dash's JSON
    install_security_headers(app)


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="")
