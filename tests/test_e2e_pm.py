"""End to end, what program managers do next: drill down and go Back, sort a table, use a phone,
print a page; and the keyboard/screen-reader basics. Headless Chromium (dash_duo) on the demo
warehouse; screenshots and the printed PDF's pages go to tests/artifacts/."""

from __future__ import annotations

import base64
import subprocess
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from dashboard import ids
from dashboard.pages import PAGES
from tests.test_e2e import SHOTS, _count, _url, _wait_page, _wait_url, app_on_demo  # noqa: F401

pytestmark = pytest.mark.e2e

WINDOW = "?from=2009&to=2023"
PRINTS = Path(__file__).parent / "artifacts" / "print"


def _shot(duo, name: str, width: int, full: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver = duo.driver
    driver.set_window_size(width, 844)
    time.sleep(0.4)
    if full:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(max(height, 844), 12000))
        time.sleep(0.6)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def _click(duo, element) -> None:
    """Click where the element is drawn, as a person does (plotly's drag layer on top of the
    bars receives it and reports the point under it)."""
    ActionChains(duo.driver).move_to_element(element).pause(0.3).click().perform()


def _wait(predicate, timeout: float = 15, message: str = "condition") -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {message}")


def test_drill_down_by_clicking_a_bar_and_back(dash_duo, app_on_demo):  # noqa: F811
    dash_duo.start_server(app_on_demo)
    dash_duo.driver.get(dash_duo.server_url + "/" + WINDOW)
    _wait_page(dash_duo, "overview")
    # The overview's bars of participants served per program, drawn bottom-up.
    bars = dash_duo.driver.find_elements(By.CSS_SELECTOR,
                                         "#card--program_summary .trace.bars .point path")
    assert len(bars) == 9
    _click(dash_duo, bars[2])  # from the bottom: Order Modification, Mediation, FF
    _wait_url(dash_duo, "/", WINDOW + "&program=FAMILIES_FORWARD")
    _wait_page(dash_duo, "overview")
    dash_duo.wait_for_contains_text(f"#{ids.FILTER_PROGRAMS}", "Families Forward")
    assert _count(dash_duo, "#family-debt_reduction") == 0  # no $0 arrears card
    dash_duo.wait_for_contains_text("#headline-cards", "Not shown: debt reduction")
    # Back undoes the drill-down, filter bar included.
    dash_duo.driver.back()
    _wait_url(dash_duo, "/", WINDOW)
    _wait(lambda: _count(dash_duo, "#family-debt_reduction") == 1, message="all families")
    assert "Families Forward" not in dash_duo.find_element(f"#{ids.FILTER_PROGRAMS}").text

    # On a per-year chart: a click on a program's line filters the arrears page to it.
    dash_duo.driver.get(dash_duo.server_url + "/arrears" + WINDOW)
    _wait_page(dash_duo, "arrears")
    lines = dash_duo.driver.find_elements(By.CSS_SELECTOR,
                                          "#card--ncps_by_year .scatterlayer .trace .point")
    _click(dash_duo, lines[0])  # the first program's first point: Arrears Cap
    _wait_url(dash_duo, "/arrears", WINDOW + "&program=ARREARS_CAP")
    dash_duo.driver.back()
    _wait_url(dash_duo, "/arrears", WINDOW)
    assert dash_duo.get_logs() == []


def test_sorting_and_filtering_a_table(dash_duo, app_on_demo):  # noqa: F811
    dash_duo.start_server(app_on_demo)
    dash_duo.driver.get(dash_duo.server_url + "/arrears" + WINDOW)
    _wait_page(dash_duo, "arrears")
    table = "#table--arrears_totals"
    dash_duo.find_element(f"{table} summary").click()
    dash_duo.wait_for_element(f"{table} .ag-row", timeout=10)

    def column(col_id: str) -> list[str]:
        return dash_duo.driver.execute_script(
            "const rows = [...document.querySelectorAll(arguments[0] + ' .ag-center-cols-container"
            " .ag-row')].sort((a, b) => a.getAttribute('row-index') - b.getAttribute('row-index'));"
            "return rows.map(r => r.querySelector(`[col-id='${arguments[1]}']`).innerText);",
            table, col_id)

    money = "c1"  # program, DSS arrears reduced, NCPs, average
    before = column(money)
    assert "$284,000,000" in before  # the same format as the Markdown tables had
    header = dash_duo.find_element(
        f"{table} .ag-header-cell[col-id='{money}'] .ag-header-cell-label")
    header.click()  # ascending
    header.click()  # descending
    _wait(lambda: column(money)[0].startswith("$284"), message="sorted descending")
    values = [float(v.replace("$", "").replace(",", "")) for v in column(money)]
    assert values == sorted(values, reverse=True)
    assert column("c0")[0] == "Arrears Cap"
    _shot(dash_duo, "arrears-table-sorted", 1400)
    assert dash_duo.get_logs() == []


def test_phone_layout(dash_duo, app_on_demo):  # noqa: F811
    dash_duo.start_server(app_on_demo)
    driver = dash_duo.driver
    driver.set_window_size(390, 844)
    for page in PAGES:
        driver.get(dash_duo.server_url + page.path + WINDOW)
        _wait_page(dash_duo, page.key)
        bar = driver.execute_script(
            "const r = document.querySelector('.filter-bar').getBoundingClientRect();"
            "return [r.height, getComputedStyle(document.querySelector('.filter-bar')).position]")
        assert bar[0] < 70 and bar[1] == "static", page.key  # folded, not sticky
        # Nothing wider than the screen but the charts that scroll sideways on purpose.
        wide = driver.execute_script(
            "return document.documentElement.scrollWidth")
        assert wide <= 390, (page.key, wide)
        _shot(dash_duo, f"phone-{page.key}", 390, full=page.key in ("overview", "arrears"))
        driver.set_window_size(390, 844)
    # The filters unfold behind their button.
    dash_duo.find_element(".filter-toggle").click()
    _wait(lambda: dash_duo.find_element(f"#{ids.FILTER_PROGRAMS}").is_displayed(),
          message="filters shown")
    assert dash_duo.find_element(".filter-toggle").get_attribute("aria-expanded") == "true"
    _shot(dash_duo, "phone-filters-open", 390, full=False)
    assert dash_duo.get_logs() == []


def test_print_to_pdf(dash_duo, app_on_demo, tmp_path):  # noqa: F811
    dash_duo.start_server(app_on_demo)
    driver = dash_duo.driver
    driver.set_window_size(1400, 1000)
    driver.get(dash_duo.server_url + "/arrears" + WINDOW)
    _wait_page(dash_duo, "arrears")
    driver.execute_script("window.dispatchEvent(new Event('beforeprint'))")
    time.sleep(0.8)
    widths = driver.execute_script(
        "return [...document.querySelectorAll('.chart-graph .js-plotly-plot')]"
        ".map(g => g._fullLayout.width)")
    assert widths and max(widths) <= 960  # drawn to the paper's width
    pdf = driver.execute_cdp_cmd("Page.printToPDF", {"landscape": True,
                                                     "preferCSSPageSize": True})
    path = tmp_path / "arrears.pdf"
    path.write_bytes(base64.b64decode(pdf["data"]))
    driver.execute_script("window.dispatchEvent(new Event('afterprint'))")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    pages = text.split("\f")
    assert "DSS arrears reduced per program per year" in text
    for control in ("Suppress under", "Reset filters", "Download or open", "Table of these"):
        assert control not in text, control
    # Each chart whole on one page: its title and its definition on the same page.
    for title, definition in (("DSS arrears reduced per program per year", "Definition"),
                              ("Average DSS arrears reduction per NCP", "Definition")):
        page = next(p for p in pages if title in p)
        assert definition in page.split(title, 1)[1], title
    PRINTS.mkdir(parents=True, exist_ok=True)
    for old in PRINTS.glob("arrears-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(PRINTS / "arrears")],
                   check=True)
    assert len(list(PRINTS.glob("arrears-*.png"))) == len([p for p in pages if p.strip()])


def test_keyboard_and_screen_reader_basics(dash_duo, app_on_demo):  # noqa: F811
    dash_duo.start_server(app_on_demo)
    driver = dash_duo.driver
    titles = set()
    for page in PAGES:
        driver.get(dash_duo.server_url + page.path + WINDOW)
        _wait_page(dash_duo, page.key)
        assert driver.execute_script("return document.documentElement.lang") == "en"
        _wait(lambda page=page: driver.title.startswith(page.title), message="page title")
        titles.add(driver.title)
        # Every chart has an accessible name and a table of its numbers.
        unnamed = driver.execute_script(
            "return [...document.querySelectorAll('.chart-graph')].filter(g => "
            "!g.closest('[role=figure][aria-label]') || !g.closest('.chart-card')"
            ".querySelector('.chart-table')).length")
        assert unnamed == 0, page.key
    assert len(titles) == len(PAGES)
    # The skip link is the first thing the keyboard reaches, and it leads to the content.
    driver.find_element(By.TAG_NAME, "body").send_keys("\ue004")  # Tab
    active = driver.switch_to.active_element
    assert active.get_attribute("class") == "skip-link" and active.is_displayed()
    active.send_keys("\ue007")  # Enter
    assert driver.switch_to.active_element.get_attribute("id") == "main-content"
    # The footer's text contrast is at least 4.5:1 on the page background.
    ratio = driver.execute_script("""
        const lum = c => { const v = c.match(/\\d+/g).slice(0, 3).map(x => x / 255)
          .map(x => x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4);
          return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
        const fg = lum(getComputedStyle(document.querySelector('.site-footer')).color);
        const bg = lum(getComputedStyle(document.body).backgroundColor);
        return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);""")
    assert ratio >= 4.5
    # One tab stop per chart for its downloads (a closed summary), not six buttons: the
    # buttons sit in a closed <details>, which the keyboard skips.
    reachable, in_actions = driver.execute_script(
        "const card = document.querySelector('#card--dq_loads');"
        "return [[...card.querySelectorAll('button')]"
        "          .filter(b => !b.closest('details:not([open])') && b.tabIndex >= 0).length,"
        "        card.querySelectorAll('details.chart-actions button').length]")
    assert in_actions >= 5 and reachable == 0
    assert dash_duo.get_logs() == []
