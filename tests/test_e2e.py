"""End to end: the dashboard in headless Chromium (dash[testing]'s dash_duo) on the demo
warehouse. Chrome options come from tests/conftest.py (pytest_setup_options).

Screenshots of every page go to tests/artifacts/screenshots/<page>.png.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By

from dashboard import ids
from dashboard.pages import PAGES

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).parent / "artifacts" / "screenshots"
WINDOW = "?from=2009&to=2023"


@pytest.fixture
def app_on_demo(demo_warehouse, monkeypatch):
    """The app on the demo warehouse. Request it after dash_duo: its teardown runs first and
    stops the image engine, because dash_duo's teardown kills every thread started during the
    test (the engine's too), after which the engine could never be stopped or used again."""
    monkeypatch.setenv("OUTCOMES_WAREHOUSE", str(demo_warehouse))
    from dashboard.export_engine import stop_export_engine
    from dashboard.factory import create_app

    yield create_app()
    stop_export_engine()


def _count(duo, selector: str) -> int:
    """How many elements match, right now (find_elements would wait the implicit 2 s)."""
    return duo.driver.execute_script(
        "return document.querySelectorAll(arguments[0]).length", selector)


def _wait_page(duo, page_key: str, timeout: int = 30) -> None:
    """Wait until the page body is rendered and every graph in it has drawn."""
    body = f"#{ids.page_body(page_key)}"
    duo.wait_for_element(f"{body} .card", timeout=timeout)
    deadline = time.time() + timeout
    while time.time() < deadline:
        graphs = _count(duo, f"{body} .chart-graph")
        drawn = _count(duo, f"{body} .chart-graph .main-svg")
        loading = _count(duo, "[data-dash-is-loading='true']")
        if drawn >= graphs and not loading:
            return
        time.sleep(0.1)
    raise AssertionError(f"graphs on {page_key} did not render")


def _url(duo) -> tuple[str, str]:
    parts = urlsplit(duo.driver.current_url)
    return parts.path, ("?" + parts.query) if parts.query else ""


def _wait_url(duo, path: str, search: str, timeout: int = 10) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if _url(duo) == (path, search):
            return
        time.sleep(0.1)
    raise AssertionError(f"URL is {_url(duo)}, expected {(path, search)}")


def _external_requests(duo) -> list[str]:
    """Resources the page loaded from anywhere but the app's own server."""
    origin = duo.server_url.rstrip("/")
    names = duo.driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    return [n for n in names if not n.startswith(origin) and not n.startswith("data:")]


def _screenshot(duo, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver = duo.driver
    size = driver.get_window_size()
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1400, min(max(height, 900), 12000))
    time.sleep(0.4)  # let responsive graphs settle at the new size
    driver.save_screenshot(str(SHOTS / f"{name}.png"))
    driver.set_window_size(size["width"], size["height"])


def _choose(duo, dropdown_id: str, label: str) -> None:
    """Pick an option of a (Dash 4) dcc.Dropdown the way a person does: open it, click."""
    duo.find_element(f"#{dropdown_id}").click()
    deadline = time.time() + 5
    while time.time() < deadline:
        for option in duo.driver.find_elements(By.CSS_SELECTOR, "[role='option']"):
            if option.text.strip().lower() == label.lower():
                option.click()
                duo.driver.find_element(By.TAG_NAME, "body").send_keys("\ue00c")  # Escape
                return
        time.sleep(0.1)
    raise AssertionError(f"no option {label!r} in #{dropdown_id}")


def test_every_page_loads_clean(dash_duo, app_on_demo):
    dash_duo.start_server(app_on_demo)
    for page in PAGES:
        dash_duo.driver.get(dash_duo.server_url + page.path + WINDOW)
        _wait_page(dash_duo, page.key)
        assert dash_duo.find_element("h1").text == page.title
        banner = dash_duo.find_element(f"#{ids.DEMO_BANNER}")
        assert banner.is_displayed() and "Synthetic demo data" in banner.text
        as_of = dash_duo.find_element(f"#{ids.AS_OF}").text
        assert "Data through Dec 31, 2025" in as_of and "loaded" in as_of
        assert dash_duo.find_element(f"#{ids.nav_link(page.key)}").get_attribute(
            "class") == "nav-link active"
        assert dash_duo.get_logs() == [], f"console errors on {page.path}"
        assert _external_requests(dash_duo) == [], f"external requests on {page.path}"
        # Styled: our stylesheet applied (the header is the brand colour, cards are white).
        header_bg = dash_duo.driver.execute_script(
            "return getComputedStyle(document.querySelector('.site-header')).backgroundColor")
        assert header_bg == "rgb(11, 61, 107)"
        _screenshot(dash_duo, page.key)


def test_arrears_cap_headline_on_demo(dash_duo, app_on_demo):
    dash_duo.start_server(app_on_demo)
    dash_duo.driver.get(dash_duo.server_url + "/arrears" + WINDOW)
    _wait_page(dash_duo, "arrears")
    card = dash_duo.find_element("#arrears-total-ARREARS_CAP")
    assert "13,640" in card.text
    assert "$284.0M" in card.text
    # The same numbers in the per-program chart's labels.
    dash_duo.wait_for_contains_text("#card--arrears_totals", "$284.0M · 13,640 NCPs")
    # "CSV" hands over the numbers behind the chart (the export: header block, then the table).
    _card_button(dash_duo, "arrears_totals", "CSV").click()
    target = _wait_file(dash_duo, "arrears_totals_2009-2023.csv")
    header, table = target.read_text(encoding="utf-8-sig").split("\n\n", 1)
    assert "Synthetic demo data" in header or "synthetic" in header.lower()
    lines = table.splitlines()
    assert lines[0] == "program,arrears_reduced_usd,ncps_with_reductions,avg_reduction_usd"
    assert any(line.startswith("ARREARS_CAP,284000000") and ",13640," in line for line in lines)
    assert dash_duo.get_logs() == []


def _card_button(duo, chart_id: str, label: str):
    """A button of the chart's actions (opened first: they sit behind one "Download" control)."""
    duo.driver.execute_script(
        "document.getElementById(arguments[0]).open = true", f"actions--{chart_id}")
    return duo.driver.find_element(
        By.XPATH, f"//section[@id='card--{chart_id}']//button[normalize-space()='{label}']")


def _wait_file(duo, name: str, timeout: float = 30) -> Path:
    target = Path(duo.download_path) / name
    deadline = time.time() + timeout
    while not (target.exists() and target.stat().st_size) and time.time() < deadline:
        time.sleep(0.1)
    assert target.exists(), f"{name} was not downloaded"
    time.sleep(0.2)  # let the browser finish writing it
    return target


def test_chart_exports_and_suppression_toggle(dash_duo, app_on_demo):
    dash_duo.start_server(app_on_demo)
    dash_duo.driver.get(dash_duo.server_url + "/arrears" + WINDOW)
    _wait_page(dash_duo, "arrears")
    # PNG of one chart (the engine was started in the background with the app).
    _card_button(dash_duo, "arrears_by_year", "PNG").click()
    png = _wait_file(dash_duo, "arrears_by_year_2009-2023.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # "Open in a notebook" shows the Python for these filters, with a copy button.
    _card_button(dash_duo, "arrears_by_year", "Open in a notebook").click()
    panel = "#card--arrears_by_year .notebook-panel"
    dash_duo.wait_for_contains_text(panel, "chart_data", timeout=10)
    assert "from_year=2009, to_year=2023" in dash_duo.find_element(panel).text
    assert _count(dash_duo, f"{panel} .snippet-copy") == 2
    _screenshot(dash_duo, "arrears-exports")

    # The suppression toggle goes into the URL, and travels with the navigation.
    dash_duo.find_element(f"#{ids.FILTER_SUPPRESS} input").click()
    _wait_url(dash_duo, "/arrears", WINDOW + "&suppress=1")
    _wait_page(dash_duo, "arrears")
    dash_duo.find_element(f"#{ids.nav_link('employment')}").click()
    _wait_url(dash_duo, "/employment", WINDOW + "&suppress=1")
    _wait_page(dash_duo, "employment")
    assert dash_duo.find_element(f"#{ids.FILTER_SUPPRESS} input").is_selected()
    assert dash_duo.get_logs() == []
    assert _external_requests(dash_duo) == []


def test_url_round_trip_and_navigation(dash_duo, app_on_demo):
    dash_duo.start_server(app_on_demo)
    search = "?from=2012&to=2020&program=PSP&program=STEP&borough=Bronx"
    dash_duo.driver.get(dash_duo.server_url + "/employment" + search)
    _wait_page(dash_duo, "employment")
    # The filter bar shows the URL's filters.
    dash_duo.wait_for_text_to_equal(f"#{ids.FILTER_FROM}-value", "2012")
    assert dash_duo.find_element(f"#{ids.FILTER_TO}-value").text == "2020"
    programs = dash_duo.find_element(f"#{ids.FILTER_PROGRAMS}").text
    assert "Parent Support Program" in programs and "Support Through Employment" in programs
    assert "Bronx" in dash_duo.find_element(f"#{ids.FILTER_BOROUGHS}").text
    dash_duo.wait_for_contains_text("#card--new_enrollments", "2012–2020, Bronx")
    assert _url(dash_duo) == ("/employment", search)  # untouched by loading the page

    # Moving between pages keeps the filters.
    dash_duo.find_element(f"#{ids.nav_link('arrears')}").click()
    _wait_url(dash_duo, "/arrears", search)
    dash_duo.wait_for_text_to_equal("h1", "DSS arrears reduction")
    dash_duo.find_element(f"#{ids.nav_link('referrals')}").click()
    _wait_url(dash_duo, "/referrals", search)
    _wait_page(dash_duo, "referrals")
    dash_duo.wait_for_contains_text("#card--referral_funnel", "2012–2020, Bronx")

    # Back goes back through the pages, filters intact.
    dash_duo.driver.back()
    _wait_url(dash_duo, "/arrears", search)
    dash_duo.wait_for_text_to_equal("h1", "DSS arrears reduction")
    dash_duo.driver.back()
    _wait_url(dash_duo, "/employment", search)
    dash_duo.wait_for_text_to_equal("h1", "Employment programs")
    assert dash_duo.get_logs() == []


def test_filter_change_updates_url_and_charts(dash_duo, app_on_demo):
    dash_duo.start_server(app_on_demo)
    dash_duo.driver.get(dash_duo.server_url + "/arrears" + WINDOW)
    _wait_page(dash_duo, "arrears")
    dash_duo.wait_for_contains_text("#arrears-total-ARREARS_CAP", "$284.0M")

    _choose(dash_duo, ids.FILTER_TO, "2015")
    _wait_url(dash_duo, "/arrears", "?from=2009&to=2015")
    dash_duo.wait_for_contains_text("#card--arrears_by_year", "per year, 2009–2015")
    dash_duo.wait_for_contains_text("#card--arrears_totals", "per program, 2009–2015")
    assert "$284.0M" not in dash_duo.find_element("#arrears-total-ARREARS_CAP").text

    _choose(dash_duo, ids.FILTER_BOROUGHS, "Queens")
    _wait_url(dash_duo, "/arrears", "?from=2009&to=2015&borough=Queens")
    dash_duo.wait_for_contains_text("#card--arrears_by_year", "2009–2015, Queens")

    # Back restores the previous view, filter bar included.
    dash_duo.driver.back()
    _wait_url(dash_duo, "/arrears", "?from=2009&to=2015")
    dash_duo.wait_for_contains_text("#card--arrears_by_year", "per year, 2009–2015")
    assert "Queens" not in dash_duo.find_element(f"#{ids.FILTER_BOROUGHS}").text
    dash_duo.driver.back()
    _wait_url(dash_duo, "/arrears", WINDOW)
    dash_duo.wait_for_contains_text("#arrears-total-ARREARS_CAP", "$284.0M")
    dash_duo.wait_for_text_to_equal(f"#{ids.FILTER_TO}-value", "2023")
    assert dash_duo.get_logs() == []


def test_empty_filters_and_missing_warehouse(dash_duo, tmp_path, monkeypatch, demo_warehouse):
    monkeypatch.setenv("OUTCOMES_WAREHOUSE", str(demo_warehouse))
    from dashboard.factory import create_app

    dash_duo.start_server(create_app(warm_exports=False))  # no engine (see app_on_demo)
    # Mediation is not a debt-reduction program: the arrears page says so, and shows no
    # empty cards with download buttons.
    dash_duo.driver.get(dash_duo.server_url + "/arrears?program=MEDIATION")
    dash_duo.wait_for_contains_text("#page-not-applicable", "None of the debt-reduction")
    assert _count(dash_duo, ".chart-card") == 0
    # Pay It Off before it began: every arrears chart says so instead of drawing nothing, and
    # offers nothing to download.
    dash_duo.driver.get(dash_duo.server_url + "/arrears?program=PAY_IT_OFF&from=2009&to=2010")
    _wait_page(dash_duo, "arrears")
    assert len(dash_duo.find_elements(".empty-state")) >= 4
    assert "No records match these filters" in dash_duo.find_element(".empty-state").text
    assert _count(dash_duo, ".empty-state ~ .chart-actions") == 0
    _screenshot(dash_duo, "arrears-empty")

    monkeypatch.setenv("OUTCOMES_WAREHOUSE", str(tmp_path / "missing.duckdb"))
    dash_duo.driver.get(dash_duo.server_url + "/")
    dash_duo.wait_for_contains_text("#missing-warehouse", "make demo")
    _screenshot(dash_duo, "missing-warehouse")
    assert dash_duo.get_logs() == []
