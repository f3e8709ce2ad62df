"""Serving: the user store, sign-in modes, CSRF, throttling, security headers, roles and program
scope (dashboard/auth.py, dashboard/scope.py, dashboard/security.py, dashboard/users.py), through
Flask's test client on the real app and a real SQLite store and DuckDB warehouse."""

from __future__ import annotations

import io
import json
import re
import sqlite3
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import g

from dashboard import chart_downloads, ids, notebook_panel, report_button, scope
from dashboard.page_parts import clear_body_cache
from dashboard.url_state import parse_search, parse_suppress
from dashboard.users import UserError, UserStore
from outcomes.cli import main as cli
from tests.conftest import PRODUCTION_HASHER, SMALL_FILES
from warehouse.query import Filters, open_warehouse

PASSWORD = "correct horse battery"
OTHER_PROGRAMS = ("ARREARS_CAP", "PAY_IT_OFF", "FAMILIES_FORWARD", "MEDIATION")
EXTERNAL = re.compile(r"https?://(?!127\.0\.0\.1|localhost)[\w.-]+", re.I)


@pytest.fixture(scope="session")
def _users_once(tmp_path_factory) -> Path:
    """The five users, hashed once per session: Argon2 is slow on purpose (seconds for five on
    a busy machine), and most tests here start from these users."""
    s = UserStore(tmp_path_factory.mktemp("users") / "users.db")
    s.add("ada", "admin", PASSWORD)
    s.add("ana", "analyst", PASSWORD)
    s.add("vic", "viewer", PASSWORD)
    s.add("pat", "viewer", PASSWORD, programs=["PSP", "step"])
    s.add("cap", "viewer", PASSWORD, programs=["PSP", "Arrears Cap"])
    return s.path


@pytest.fixture
def store(tmp_path, _users_once) -> UserStore:
    """A copy of the five users of its own, which the test may change."""
    path = tmp_path / "users.db"
    with sqlite3.connect(_users_once) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return UserStore(path)


@pytest.fixture
def demo(demo_warehouse, monkeypatch):
    monkeypatch.setenv("OUTCOMES_WAREHOUSE", str(demo_warehouse))
    clear_body_cache()
    yield open_warehouse(demo_warehouse)
    clear_body_cache()


def make_app(store, mode="password", **env):
    from dashboard.factory import create_app

    return create_app(warm_exports=False, auth=mode, users=store)


def sign_in(client, name, password=PASSWORD, next_="/"):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"csrf_token": token, "username": name,
                                       "password": password, "next": next_})


def csrf_cookie(client, path="/") -> str:
    """The token the Dash renderer would send back (from the page's `_csrf_token` cookie)."""
    response = client.get(path)
    assert response.status_code == 200
    cookies = SimpleCookie()
    for header in response.headers.getlist("Set-Cookie"):
        cookies.load(header)
    return cookies["_csrf_token"].value


def dash_post(client, output: str, prop: str, inputs: list[dict], token: str | None):
    body = {"output": f"{output}.{prop}", "outputs": {"id": output, "property": prop},
            "inputs": inputs, "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs],
            "state": []}
    headers = {"X-CSRFToken": token} if token else {}
    return client.post("/_dash-update-component", json=body, headers=headers)


def page_body(client, page: str, search: str, token: str):
    r = dash_post(client, ids.page_body(page), "children",
                  [{"id": ids.URL, "property": "search", "value": search}], token)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return r.get_data(as_text=True)


# -- the user store and the command line ---------------------------------------------------------
def test_store_hashes_with_argon2_and_verifies(store):
    raw = sqlite3.connect(store.path).execute(
        "SELECT password_hash FROM users WHERE name = 'ada'").fetchone()[0]
    assert raw.startswith("$argon2id$") and PASSWORD not in raw
    assert store.verify("ada", PASSWORD).role == "admin"
    assert store.verify("ada", "wrong password") is None
    assert store.verify("nobody", PASSWORD) is None
    assert store.get("pat").programs == ("PSP", "STEP")


def test_real_use_hashes_with_argon2_defaults():
    """The tests hash at Argon2's smallest cost (tests/conftest.py); real use keeps
    argon2-cffi's defaults, which a test-only hasher must not hide."""
    defaults = PasswordHasher()
    params = ("type", "time_cost", "memory_cost", "parallelism", "hash_len", "salt_len")
    assert {p: getattr(PRODUCTION_HASHER, p) for p in params} == \
        {p: getattr(defaults, p) for p in params}
    assert PRODUCTION_HASHER.hash(PASSWORD).startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_store_refuses_bad_input(store):
    with pytest.raises(UserError, match="exists"):
        store.add("ada", "admin", PASSWORD)
    with pytest.raises(UserError, match="role"):
        store.add("x", "owner", PASSWORD)
    with pytest.raises(UserError, match="at least"):
        store.add("x", "viewer", "short")
    with pytest.raises(UserError, match="unknown program"):
        store.add("x", "viewer", PASSWORD, programs=["NOPE"])
    with pytest.raises(UserError, match="no user"):
        store.remove("ghost")


def test_password_change_ends_sessions(store):
    nonce = store.get("vic").session_nonce
    store.set_password("vic", "another long one")
    assert store.get("vic").session_nonce != nonce
    assert store.verify("vic", PASSWORD) is None
    assert store.verify("vic", "another long one") is not None


def test_users_cli(tmp_path, monkeypatch, capsys):
    path = str(tmp_path / "u.db")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert cli(["users", "--users", path, "add", "mo", "--role", "analyst",
                "--programs", "PSP,Arrears Cap", "--password-stdin"]) == 0
    assert cli(["users", "--users", path, "list"]) == 0
    out = capsys.readouterr().out
    assert "mo" in out and "analyst" in out and "PSP,ARREARS_CAP" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("new password 1\n"))
    assert cli(["users", "--users", path, "passwd", "mo", "--password-stdin"]) == 0
    assert UserStore(path).verify("mo", "new password 1") is not None
    # Without --password-stdin it prompts (twice, and the two must agree).
    answers = iter(["prompted pass", "prompted pass"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert cli(["users", "--users", path, "add", "jo", "--role", "viewer"]) == 0
    assert UserStore(path).verify("jo", "prompted pass") is not None
    assert cli(["users", "--users", path, "remove", "mo"]) == 0
    assert cli(["users", "--users", path, "remove", "mo"]) == 2
    assert UserStore(path).get("mo") is None


def test_first_start_creates_admin_once(tmp_path):
    from dashboard.serve import ensure_first_admin

    s = UserStore(tmp_path / "first.db")
    out = io.StringIO()
    password = ensure_first_admin(s, out)
    assert password and password in out.getvalue()
    assert s.verify("admin", password).role == "admin"
    assert ensure_first_admin(s, io.StringIO()) is None  # never again


def test_a_load_does_not_touch_users(tmp_path, monkeypatch, small_warehouse, fresh_copy):
    """The store is its own file: replacing the warehouse (as loads and `demo --force` do)
    leaves it whole."""
    monkeypatch.setenv("OUTCOMES_USERS", str(tmp_path / "users.db"))
    UserStore().add("keep", "viewer", PASSWORD)
    wh = fresh_copy(small_warehouse)
    assert cli(["load", *map(str, SMALL_FILES), "--warehouse", str(wh)]) == 0
    assert cli(["demo", "--warehouse", str(wh), "--scale", "0.05", "--force"]) == 0
    assert UserStore().get("keep") is not None


# -- the gate -----------------------------------------------------------------------------------
def test_password_mode_gates_every_route(store, demo):
    client = make_app(store).server.test_client()
    r = client.get("/arrears?from=2010", headers={"Accept": "text/html"})
    assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=")
    for path in ("/_dash-layout", "/_dash-dependencies", "/_dash-component-suites/dash/"
                 "dcc/dash_core_components.js", "/admin"):
        assert client.get(path).status_code in (401, 302), path
    assert client.get("/_dash-layout").status_code == 401
    assert client.post("/_dash-update-component", json={}).status_code == 401
    assert client.get("/login").status_code == 200
    assert client.get("/assets/style.css").status_code == 200


def test_sign_in_sign_out(store, demo):
    client = make_app(store).server.test_client()
    r = sign_in(client, "ana", next_="/arrears?from=2010")
    assert r.status_code == 302 and r.headers["Location"] == "/arrears?from=2010"
    session_cookie = next(h for h in r.headers.getlist("Set-Cookie")
                          if h.startswith("outcomes_session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert "Secure" not in session_cookie  # plain http here
    assert client.get("/_dash-layout").status_code == 200
    assert "ana" in client.get("/_dash-layout").get_data(as_text=True)
    page = client.get("/logout").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/_dash-layout").status_code == 401
    # Recorded, with the refused attempt too.
    sign_in(client, "ana", "wrong password")
    recent = store.recent_signins()
    assert [(s["name"], s["ok"]) for s in recent[:2]] == [("ana", 0), ("ana", 1)]


def test_secure_cookie_over_https(store, demo):
    client = make_app(store).server.test_client()
    page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/login", base_url="https://localhost",
                    headers={"Referer": "https://localhost/login"},
                    data={"csrf_token": token, "username": "ana", "password": PASSWORD})
    assert r.status_code == 302
    assert any("Secure" in h for h in r.headers.getlist("Set-Cookie")
               if h.startswith("outcomes_session="))


def test_open_redirect_refused(store, demo):
    app = make_app(store)
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        r = sign_in(app.server.test_client(), "ana", next_=target)
        assert r.headers["Location"] == "/", target


def test_throttling_of_failed_sign_ins(store, demo, monkeypatch):
    monkeypatch.setenv("OUTCOMES_LOGIN_LIMIT", "3 per minute")
    client = make_app(store).server.test_client()
    codes = [sign_in(client, "ada", f"wrong guess {i}").status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]
    # Even the right password waits now.
    assert sign_in(client, "ada").status_code == 429


def test_csrf_on_forms_and_dash_posts(store, demo):
    client = make_app(store).server.test_client()
    # The sign-in form without its token.
    r = client.post("/login", data={"username": "ana", "password": PASSWORD})
    assert r.status_code == 400 and "expired" in r.get_data(as_text=True)
    assert sign_in(client, "ana").status_code == 302
    # Dash's JSON POSTs: refused without the header, or with a wrong one; served with the token
    # the page's cookie carries (what the Dash renderer sends as X-CSRFToken).
    inputs = [{"id": ids.URL, "property": "search", "value": "?from=2010"}]
    assert dash_post(client, "overview-body", "children", inputs, None).status_code == 400
    assert dash_post(client, "overview-body", "children", inputs, "forged").status_code == 400
    token = csrf_cookie(client)
    assert dash_post(client, "overview-body", "children", inputs, token).status_code == 200
    # The token is bound to this session: another signed-in session cannot use it.
    other = make_app(store).server.test_client()
    sign_in(other, "ada")
    assert dash_post(other, "overview-body", "children", inputs, token).status_code == 400


def test_security_headers_on_every_response(store, demo):
    client = make_app(store).server.test_client()
    for r in (client.get("/login"), client.get("/arrears", headers={"Accept": "text/html"}),
              client.get("/_dash-layout"), client.get("/assets/style.css")):
        h = r.headers
        csp = h["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "'unsafe-eval'" not in csp and "script-src 'self' 'sha256-" in csp
        assert not EXTERNAL.search(csp)
        assert h["X-Frame-Options"] == "DENY"
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "same-origin"
        assert "Server" not in h


def test_no_external_host_in_pages_or_figure_configs(store, demo):
    from dashboard.chart_card import GRAPH_CONFIG

    client = make_app(store).server.test_client()
    sign_in(client, "ada")
    index = client.get("/").get_data(as_text=True)
    assert not EXTERNAL.search(index), EXTERNAL.search(index)
    config = json.loads(re.search(r'id="_dash-config" type="application/json">(.*?)</script>',
                                  index).group(1))
    assert config["disable_version_check"] is True and not config["python_version"]
    token = csrf_cookie(client)
    body = page_body(client, "arrears", "?from=2009&to=2023", token)
    assert not EXTERNAL.search(body)
    for cfg in re.findall(r'"config":\s*(\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\})', body):
        assert "plotlyServerURL" not in cfg and '"showSendToCloud":false' in cfg.replace(" ",
                                                                                       "")
    assert "toImage" in GRAPH_CONFIG["modeBarButtonsToRemove"]


# -- the other modes ----------------------------------------------------------------------------
def test_header_mode(store, demo, monkeypatch):
    monkeypatch.delenv("OUTCOMES_TRUSTED_PROXY", raising=False)
    client = make_app(store, "header").server.test_client()
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/_dash-layout", headers={"X-Forwarded-User": "ghost"}).status_code == 401
    r = client.get("/_dash-layout", headers={"X-Forwarded-User": "pat"})
    assert r.status_code == 200 and "pat" in r.get_data(as_text=True)
    # From an address that is not the proxy, the header counts for nothing.
    r = client.get("/_dash-layout", headers={"X-Forwarded-User": "ada"},
                   environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert r.status_code == 401


def test_header_mode_with_a_named_proxy(store, demo, monkeypatch):
    monkeypatch.setenv("OUTCOMES_TRUSTED_PROXY", "10.0.0.5")
    monkeypatch.setenv("OUTCOMES_AUTH_HEADER", "X-Remote-User")
    client = make_app(store, "header").server.test_client()
    ok = client.get("/_dash-layout", headers={"X-Remote-User": "ana"},
                    environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert ok.status_code == 200
    assert client.get("/_dash-layout", headers={"X-Remote-User": "ana"},
                      environ_base={"REMOTE_ADDR": "10.0.0.6"}).status_code == 401
    # The proxy's X-Forwarded-Proto makes the cookies Secure; nobody else's does.
    via_proxy = client.get("/", headers={"X-Remote-User": "ana", "X-Forwarded-Proto": "https"},
                           environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert "Secure" in via_proxy.headers["Set-Cookie"]
    password_app = make_app(store).server.test_client()
    direct = password_app.get("/login", headers={"X-Forwarded-Proto": "https",
                                                 "X-Forwarded-For": "1.2.3.4"},
                              environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert direct.status_code == 200
    assert all("Secure" not in h for h in direct.headers.getlist("Set-Cookie"))


def test_binding_checks(monkeypatch):
    from dashboard.auth import AuthConfigError, check_binding

    monkeypatch.delenv("OUTCOMES_TRUSTED_PROXY", raising=False)
    check_binding("none", "127.0.0.1")
    check_binding("header", "127.0.0.1")
    check_binding("password", "0.0.0.0")
    with pytest.raises(AuthConfigError):
        check_binding("none", "0.0.0.0")
    with pytest.raises(AuthConfigError):
        check_binding("header", "0.0.0.0")
    monkeypatch.setenv("OUTCOMES_TRUSTED_PROXY", "10.0.0.5")
    check_binding("header", "0.0.0.0")
    with pytest.raises(SystemExit):
        monkeypatch.setenv("OUTCOMES_AUTH", "none")
        from dashboard.serve import prepare

        prepare("0.0.0.0")


def test_none_mode_says_so_and_serves_loopback_only(store, demo):
    client = make_app(store, "none").server.test_client()
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "Sign-in is off" in layout
    assert client.get("/_dash-layout", environ_base={"REMOTE_ADDR": "10.1.2.3"}
                      ).status_code == 401


# -- roles and program scope ----------------------------------------------------------------------
def access(name, store):
    u = store.get(name)
    return scope.Access(u.name, u.role, u.programs)


def test_clamp_filters():
    pat = scope.Access("pat", "viewer", ("PSP", "STEP"))
    assert scope.clamp_filters(Filters(), pat).programs == ("PSP", "STEP")
    assert scope.clamp_filters(Filters(programs=("PSP", "ARREARS_CAP")), pat).programs == (
        "PSP",)
    assert scope.clamp_filters(Filters(programs=("ARREARS_CAP",)), pat).programs == (
        "PSP", "STEP")
    assert scope.clamp_filters(Filters(programs=("ARREARS_CAP",)),
                               scope.UNRESTRICTED).programs == ("ARREARS_CAP",)


def test_a_request_without_the_gate_is_refused(store):
    app = make_app(store)
    with app.server.test_request_context("/"), pytest.raises(scope.AccessDenied):
        parse_search("?program=PSP")


def test_viewer_cannot_turn_suppression_off(store, demo):
    client = make_app(store).server.test_client()
    sign_in(client, "vic")
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "Suppressed under 11" in layout and "Suppress under 11" not in layout
    token = csrf_cookie(client)
    # Employment in one borough and year: graduates under 11 everywhere. A viewer's page hides
    # them (the note under the charts), whatever the URL says; an analyst's does not.
    search = "?from=2021&to=2021&borough=Staten+Island&suppress=0"
    viewer = page_body(client, "employment", search, token)
    analyst_client = make_app(store).server.test_client()
    sign_in(analyst_client, "ana")
    analyst = page_body(analyst_client, "employment", search, csrf_cookie(analyst_client))
    assert "suppressed-note" in viewer and "suppressed-note" not in analyst
    with make_app(store).server.test_request_context("/"):
        g.outcomes_access = access("vic", store)
        assert parse_suppress("?suppress=0") is True
        assert parse_suppress("") is True
        g.outcomes_access = access("ana", store)
        assert parse_suppress("") is False and parse_suppress("?suppress=1") is True


def test_no_notebook_for_viewers(store, demo):
    app = make_app(store)
    with app.server.test_request_context("/"):
        g.outcomes_access = access("vic", store)
        bar = json.dumps(chart_downloads.export_bar("arrears_totals", Filters()).to_plotly_json(),
                         default=str)
        assert "Open in a notebook" not in bar
        with pytest.raises(scope.AccessDenied):
            notebook_panel.notebook_panel(1, "arrears_totals", "")
        g.outcomes_access = access("ana", store)
        bar = json.dumps(chart_downloads.export_bar("arrears_totals", Filters()).to_plotly_json(),
                         default=str)
        assert "Open in a notebook" in bar


def _scoped_text(payload: dict) -> str:
    import base64

    return base64.b64decode(payload["content"]).decode("utf-8-sig").replace("\r\n", "\n")


def test_scoped_user_sees_only_their_programs_in_pages_and_totals(store, demo):
    client = make_app(store).server.test_client()
    sign_in(client, "pat")
    token = csrf_cookie(client)
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "Arrears Cap" not in layout and "Parent Support Program" in layout
    pat = scope.Access("pat", "viewer", ("PSP", "STEP"))
    wh = demo
    mine = wh.metrics(scope.clamp_filters(wh.resolve(Filters()), pat), with_total=True)
    all_row = mine[mine["program"] == "ALL"].iloc[0]
    everyone = wh.metrics(wh.resolve(Filters()), with_total=True)
    assert all_row["participants_served"] < everyone[everyone["program"] == "ALL"].iloc[0][
        "participants_served"]
    for search in ("", "?program=ARREARS_CAP", "?program=ARREARS_CAP&program=MEDIATION"):
        overview = page_body(client, "overview", search, token)
        assert f"{int(all_row['participants_served']):,}" in overview, search
        for page in ("arrears", "employment", "referrals", "families-forward"):
            body = page_body(client, page, search, token)
            for code in OTHER_PROGRAMS:
                assert f'"{code}"' not in body, (page, search, code)
    # The data-quality page counts every program's rows: not for a scoped user.
    assert "Not available to your account" in page_body(client, "data-quality", "", token)


def test_scoped_user_downloads(store, demo):
    """(The report pack: test_queued_export_through_the_callbacks.)"""
    app = make_app(store)
    with app.server.test_request_context("/"):
        g.outcomes_access = access("pat", store)
        for search in ("", "?program=ARREARS_CAP"):
            csv_text = _scoped_text(chart_downloads.chart_download("program_summary", "csv",
                                                                 search))
            rows = csv_text.split("\n\n", 1)[1].splitlines()[1:]
            assert rows and {r.split(",")[0] for r in rows} <= {"PSP", "STEP", "ALL"}, rows
        with pytest.raises(scope.AccessDenied):
            chart_downloads.chart_download("rejects_by_reason", "csv", "")


def test_export_access_log(store, demo, tmp_path, monkeypatch):
    log = tmp_path / "access.log"
    monkeypatch.setenv("OUTCOMES_ACCESS_LOG", str(log))
    from dashboard.access_log import record_export

    app = make_app(store)
    with app.server.test_request_context("/"):
        g.outcomes_access = access("pat", store)
        record_export("chart", "program_summary", "csv", "?program=ARREARS_CAP")
    entry = json.loads(log.read_text().splitlines()[-1])
    assert entry["user"] == "pat" and entry["what"] == "program_summary"
    assert entry["asked"] == "?program=ARREARS_CAP"
    assert "program=PSP" in entry["filters"] and "ARREARS_CAP" not in entry["filters"]
    assert "suppress=1" in entry["filters"]


def test_admin_page(store, demo):
    client = make_app(store).server.test_client()
    sign_in(client, "vic")
    assert client.get("/admin").status_code == 403
    client.get("/logout")
    client = make_app(store).server.test_client()
    sign_in(client, "ada")
    page = client.get("/admin").get_data(as_text=True)
    assert all(n in page for n in ("ada", "ana", "vic", "pat", "PSP,STEP", "signed in"))


def test_export_queue_is_bounded_and_reports_its_state(tmp_path):
    import threading

    from dashboard.export_queue import ExportQueue, QueueFull, poll, status_text

    q = ExportQueue(concurrency=1, waiting=1, folder=tmp_path)
    release = threading.Event()

    def slow():
        release.wait(10)
        return {"content": "first"}

    first = q.submit(slow, {"user": "vic"})
    deadline = threading.Event()
    while poll(first, "vic", tmp_path)["state"] != "running" and not deadline.wait(0.01):
        pass
    second = q.submit(lambda: {"content": "second"}, {"user": "vic"})
    state = poll(second, "vic", tmp_path)
    assert state["state"] == "queued" and state["ahead"] == 1
    assert status_text(state, "report") == "Queued: 1 export ahead of this report…"
    with pytest.raises(QueueFull):  # one running, one waiting: full
        q.submit(lambda: {}, {"user": "vic"})
    assert poll(second, "someone else", tmp_path)["state"] == "unknown"
    assert poll("../../etc/passwd", "vic", tmp_path)["state"] == "unknown"
    release.set()
    while poll(second, "vic", tmp_path)["state"] != "done" and not deadline.wait(0.01):
        pass
    # Handed over once, then gone.
    assert poll(second, "vic", tmp_path)["state"] == "unknown"
    assert poll(first, "vic", tmp_path)["payload"] == {"content": "first"}
    assert not list(tmp_path.iterdir())


@pytest.mark.usefixtures("image_engine")
def test_queued_export_through_the_callbacks(store, demo, monkeypatch, tmp_path):
    """A PNG and a report asked through the callbacks: a ticket at once, the file on a later
    poll, made over the user's programs only (the job gets scoped filters, not the URL)."""
    import base64
    import time as _time

    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    app = make_app(store)
    with app.server.test_request_context("/"):
        g.outcomes_access = access("cap", store)

        def call(fn, trigger, *args):
            context_value.set(AttributeDict(triggered_inputs=[
                {"prop_id": json.dumps(trigger, separators=(",", ":")) + ".n_clicks"
                 if isinstance(trigger, dict) else f"{trigger}.n_clicks", "value": 1}]))
            return fn(*args)

        out = call(report_button._on_report, ids.REPORT_PPTX, 0, 1, 0,
                   "?program=PAY_IT_OFF", None)
        ticket = out[2]
        assert out[1].startswith(("Queued", "Preparing")) and out[3] is False
        for _ in range(600):
            out = call(report_button._on_report, report_button.REPORT_POLL, 0, 1, 1,
                       "?program=PAY_IT_OFF", ticket)
            if out[0] is not dash_no_update():
                break
            assert out[1].startswith(("Queued", "Preparing")), out[1]
            _time.sleep(0.1)
        payload = out[0]
        assert payload["filename"].endswith(".pptx") and out[3] is True
        from pptx import Presentation

        deck = Presentation(io.BytesIO(base64.b64decode(payload["content"])))
        text = " ".join(shape.text_frame.text for slide in deck.slides
                        for shape in slide.shapes if shape.has_text_frame)
        assert "programs: Arrears Cap, Parent Support Program" in text


def dash_no_update():
    from dash import no_update

    return no_update


# -- the production server (what `make run` starts) ---------------------------------------------
@pytest.mark.slow  # two Python processes starting the whole app: seconds of imports
def test_make_run_server_gunicorn(tmp_path, demo_warehouse):
    """`outcomes serve` on a free port: gunicorn, the first admin's password printed once, no
    Server banner, the security headers, and the request log naming the signed-in user."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, OUTCOMES_AUTH="password", OUTCOMES_USERS=str(tmp_path / "u.db"),
               OUTCOMES_WAREHOUSE=str(demo_warehouse), OUTCOMES_WORKERS="1",
               OUTCOMES_THREADS="2", OUTCOMES_EXPORT_WARMUP="0")
    outcomes = Path(sys.executable).parent / "outcomes"
    log = tmp_path / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([str(outcomes), "serve", "--port", str(port)], env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                urllib.request.urlopen(base + "/login", timeout=5)
                break
            except OSError:
                time.sleep(0.3)
        password = re.search(r"shown only now:\s+(\S+)", log.read_text()).group(1)
        import requests

        s = requests.Session()
        page = s.get(base + "/login", timeout=60)
        assert "Server" not in page.headers
        assert page.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = s.post(base + "/login", data={"csrf_token": token, "username": "admin",
                                          "password": password}, allow_redirects=False,
                   timeout=60)
        assert r.status_code == 302
        assert s.get(base + "/admin", timeout=60).status_code == 200
        assert requests.get(base + "/_dash-layout", timeout=60).status_code == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    text = log.read_text()
    assert "gunicorn" in text and text.count(password) == 1
    assert re.search(r'127\.0\.0\.1 admin \[[^]]+\] "GET /admin HTTP/1\.1" 200', text), text
