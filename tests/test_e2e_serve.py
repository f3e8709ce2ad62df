"""End to end, signed in: the dashboard in headless Chromium (dash_duo) with sign-in on, on the
demo warehouse and a real user store. Sign in / out, a viewer's suppression, a program-scoped
user on every page, download and report (asking for other programs by URL), header mode.
The security headers (CSP included) are on in every test: a CSP violation would be a console
error, and every test asserts there is none."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from dashboard import ids
from dashboard.pages import PAGES
from dashboard.users import UserStore
from tests.test_e2e import _card_button, _external_requests, _url, _wait_file, _wait_page

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
OTHER_NAMES = ("Arrears Credit", "Pay It Off", "Workforce1", "Jobs-Plus", "Mediation")


@pytest.fixture
def store(tmp_path) -> UserStore:
    s = UserStore(tmp_path / "users.db")
    s.add("ana", "analyst", PASSWORD)
    s.add("vic", "viewer", PASSWORD)
    s.add("cap", "viewer", PASSWORD, programs=["PSP", "ARREARS_CAP"])
    return s


@pytest.fixture
def signed_app(demo_warehouse, monkeypatch, store):
    """A factory of apps with sign-in on. Request it after dash_duo (see test_e2e.app_on_demo)."""
    monkeypatch.setenv("OUTCOMES_WAREHOUSE", str(demo_warehouse))
    from dashboard.export_engine import stop_export_engine
    from dashboard.factory import create_app
    from dashboard.page_parts import clear_body_cache

    clear_body_cache()
    yield lambda mode="password", warm=False: create_app(warm_exports=warm, auth=mode,
                                                         users=store)
    stop_export_engine()
    clear_body_cache()


def start(duo, app) -> str:
    duo.start_server(app, navigate=False)
    duo._url = duo.server.url.rstrip("/")
    return duo._url


def sign_in(duo, name: str, path: str = "/") -> None:
    duo.driver.get(duo.server_url + path)
    duo.wait_for_element("#username", timeout=10)
    assert _url(duo)[0] == "/login"
    duo.find_element("#username").send_keys(name)
    duo.find_element("#password").send_keys(PASSWORD)
    duo.find_element("button[type=submit]").click()


def page_text(duo) -> str:
    return duo.driver.execute_script("return document.body.innerText")


def test_sign_in_see_a_page_sign_out(dash_duo, signed_app):
    start(dash_duo, signed_app())
    sign_in(dash_duo, "ana", "/arrears?from=2009&to=2023")
    _wait_page(dash_duo, "arrears")
    assert _url(dash_duo) == ("/arrears", "?from=2009&to=2023")
    dash_duo.wait_for_contains_text("#arrears-total-ARREARS_CAP", "$284.0M")
    assert dash_duo.find_element("#user-name").text == "ana"
    # An analyst has the toggle and the notebook snippets.
    assert dash_duo.find_element(f"#{ids.FILTER_SUPPRESS} input").is_displayed()
    assert _card_button(dash_duo, "arrears_by_year", "Open in a notebook").is_displayed()
    assert dash_duo.get_logs() == [] and _external_requests(dash_duo) == []
    headers = dash_duo.driver.execute_script(
        "var r = new XMLHttpRequest(); r.open('GET', '/', false); r.send();"
        "return [r.getResponseHeader('content-security-policy'),"
        "        r.getResponseHeader('x-frame-options')];")
    assert "frame-ancestors 'none'" in headers[0] and headers[1] == "DENY"

    dash_duo.find_element("#sign-out").click()
    dash_duo.wait_for_element("form[action='/logout'] button", timeout=10).click()
    dash_duo.wait_for_element("#username", timeout=10)
    dash_duo.driver.get(dash_duo.server_url + "/employment")
    dash_duo.wait_for_element("#username", timeout=10)
    assert _url(dash_duo)[0] == "/login"


def test_wrong_password_is_refused(dash_duo, signed_app):
    start(dash_duo, signed_app())
    dash_duo.driver.get(dash_duo.server_url + "/login")
    dash_duo.find_element("#username").send_keys("ana")
    dash_duo.find_element("#password").send_keys("not the password")
    dash_duo.find_element("button[type=submit]").click()
    dash_duo.wait_for_contains_text(".auth-error", "Wrong user name or password")
    assert _url(dash_duo)[0] == "/login"


def test_viewer_cannot_turn_suppression_off(dash_duo, signed_app):
    start(dash_duo, signed_app())
    search = "?from=2021&to=2021&borough=Staten+Island&suppress=0"
    sign_in(dash_duo, "vic", "/employment" + search)
    _wait_page(dash_duo, "employment")
    # No toggle to click; the page is suppressed (and says so) whatever the URL asked.
    assert "Suppressed under 11" in dash_duo.find_element(".filter-suppress").text
    assert not any(e.is_displayed() for e in dash_duo.driver.find_elements(
        By.CSS_SELECTOR, f"#{ids.FILTER_SUPPRESS} input"))
    assert "11" in dash_duo.wait_for_element(".suppressed-note", timeout=10).text
    assert "Open in a notebook" not in page_text(dash_duo)
    # Typing the URL again does not help either.
    dash_duo.driver.get(dash_duo.server_url + "/employment?from=2021&to=2021"
                        "&borough=Staten+Island&suppress=false")
    _wait_page(dash_duo, "employment")
    dash_duo.wait_for_element(".suppressed-note", timeout=10)
    assert dash_duo.get_logs() == []


def test_program_scoped_user_everywhere(dash_duo, signed_app):
    start(dash_duo, signed_app(warm=True))
    sign_in(dash_duo, "cap", "/")
    # The filter bar offers only their programs; the data-quality page is not in the nav.
    dash_duo.find_element(f"#{ids.FILTER_PROGRAMS}").click()
    time.sleep(0.5)
    options = [o.text.strip() for o in dash_duo.driver.find_elements(By.CSS_SELECTOR,
                                                                      "[role='option']")]
    assert sorted(options) == ["Arrears Cap", "Parent Support Program"], options
    dash_duo.driver.find_element(By.TAG_NAME, "body").send_keys("\ue00c")
    assert not dash_duo.find_element(f"#{ids.nav_link('data-quality')}").is_displayed()
    for page in PAGES:
        if page.key == "data-quality":
            continue
        dash_duo.driver.get(dash_duo.server_url + page.path
                            + "?from=2009&to=2023&program=PAY_IT_OFF&program=WORKFORCE1")
        _wait_page(dash_duo, page.key)
        text = page_text(dash_duo)
        for name in OTHER_NAMES:
            assert name not in text, (page.path, name)
        assert dash_duo.get_logs() == [], page.path
    # Their arrears page: Arrears Cap's own totals (not every program's).
    dash_duo.driver.get(dash_duo.server_url + "/arrears?from=2009&to=2023&program=PAY_IT_OFF")
    _wait_page(dash_duo, "arrears")
    dash_duo.wait_for_contains_text("#arrears-total-ARREARS_CAP", "$284.0M")
    # The data-quality page by URL: refused.
    dash_duo.driver.get(dash_duo.server_url + "/data-quality")
    dash_duo.wait_for_contains_text("#not-allowed", "Not available to your account")

    # A download asked for another program holds theirs only.
    dash_duo.driver.get(dash_duo.server_url + "/arrears?from=2009&to=2023&program=PAY_IT_OFF")
    _wait_page(dash_duo, "arrears")
    _card_button(dash_duo, "arrears_totals", "CSV").click()
    target = _wait_file(dash_duo, "arrears_totals_2009-2023_arrears_cap_psp.csv")
    table = target.read_text(encoding="utf-8-sig").split("\n\n", 1)[1].splitlines()
    assert {line.split(",")[0] for line in table[1:] if line} <= {"ARREARS_CAP", "PSP", "ALL"}
    assert any(line.startswith("ARREARS_CAP,") for line in table)

    # The report pack too (PDF, as text).
    dash_duo.find_element(f"#{ids.REPORT_PDF}").click()
    # In the export queue: the page says so ("Queued: …" or "Preparing the report…").
    dash_duo.wait_for_contains_text(f"#{ids.REPORT_STATUS}", "the report", timeout=10)
    assert not dash_duo.find_element(f"#{ids.REPORT_PPTX}").is_enabled()
    pdf = _wait_file(dash_duo, "outcomes_report_2009-2023.pdf", timeout=120)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Arrears Cap" in text
    for name in OTHER_NAMES:
        assert name not in text, name
    assert dash_duo.get_logs() == []


def _set_header(duo, headers: dict) -> None:
    duo.driver.execute_cdp_cmd("Network.enable", {})
    duo.driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": headers})


def test_header_mode_with_and_without_the_header(dash_duo, signed_app, monkeypatch):
    monkeypatch.delenv("OUTCOMES_TRUSTED_PROXY", raising=False)
    start(dash_duo, signed_app("header"))
    dash_duo.driver.get(dash_duo.server_url + "/arrears")
    assert "sign-in required" in page_text(dash_duo)
    _set_header(dash_duo, {"X-Forwarded-User": "cap"})
    dash_duo.driver.get(dash_duo.server_url + "/arrears?program=PAY_IT_OFF")
    _wait_page(dash_duo, "arrears")
    assert dash_duo.find_element("#user-name").text == "cap"
    assert "Sign out" not in page_text(dash_duo)
    assert "Pay It Off" not in page_text(dash_duo)
    _set_header(dash_duo, {"X-Forwarded-User": "nobody"})
    dash_duo.driver.get(dash_duo.server_url + "/arrears")
    assert "sign-in required" in page_text(dash_duo)
    _set_header(dash_duo, {})


def test_download_lands_in_the_access_log(dash_duo, signed_app, tmp_path, monkeypatch):
    log = tmp_path / "access.log"
    monkeypatch.setenv("OUTCOMES_ACCESS_LOG", str(log))
    start(dash_duo, signed_app())
    sign_in(dash_duo, "vic", "/arrears?from=2009&to=2023")
    _wait_page(dash_duo, "arrears")
    _card_button(dash_duo, "arrears_totals", "CSV").click()
    _wait_file(dash_duo, "arrears_totals_2009-2023.csv")
    deadline = time.time() + 5
    while not (log.exists() and log.read_text()) and time.time() < deadline:
        time.sleep(0.1)
    line = log.read_text().splitlines()[-1]
    assert '"user": "vic"' in line and '"what": "arrears_totals"' in line
    assert Path(log).stat().st_mode & 0o077 == 0
