"""End to end, the period control: pick NYC fiscal year in the filter bar of a real browser
(headless Chromium, dash_duo, on the demo warehouse), see the URL and the axes change, go Back.
Screenshots of the overview and employment pages in fiscal-year mode, at 1400 and 390 px, go
to tests/artifacts/screenshots/periods-*.png."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from dashboard import ids
from tests.test_e2e import _choose, _url, _wait_page, _wait_url, app_on_demo  # noqa: F401
from tests.test_e2e_pm import _shot, _wait

pytestmark = pytest.mark.e2e

YEARS = "?from=2019&to=2024"
FISCAL = "?period=fiscal-year&from=FY2019&to=FY2024"


def _ticks(duo, chart_id: str) -> list[str]:
    """The x-axis tick labels the browser drew on a chart (every panel)."""
    return duo.driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(t => t.textContent)",
        f"#card--{chart_id} .xaxislayer-above .xtick text")


def _shown(duo, dropdown_id: str) -> str:
    return duo.find_element(f"#{dropdown_id}").text.strip()


def test_pick_fiscal_year_see_the_url_and_axes_and_go_back(dash_duo, app_on_demo):  # noqa: F811
    dash_duo.start_server(app_on_demo)
    driver = dash_duo.driver
    driver.get(dash_duo.server_url + "/employment" + YEARS)
    _wait_page(dash_duo, "employment")
    assert _shown(dash_duo, ids.FILTER_PERIOD) == "Calendar year"
    assert "2019" in _ticks(dash_duo, "new_enrollments")

    _choose(dash_duo, ids.FILTER_PERIOD, "NYC fiscal year")
    _wait_url(dash_duo, "/employment", FISCAL)
    dash_duo.wait_for_contains_text("#card--new_enrollments",
                                    "New enrollments per program per NYC fiscal year, "
                                    "FY2019–FY2024")
    _wait_page(dash_duo, "employment")
    _wait(lambda: _ticks(dash_duo, "new_enrollments")[:1] == ["FY2019"], message="FY ticks")
    assert _ticks(dash_duo, "new_enrollments") == [f"FY{y}" for y in range(2019, 2025)]
    assert "FY2021" in _ticks(dash_duo, "served_vs_graduates")
    assert (_shown(dash_duo, ids.FILTER_FROM), _shown(dash_duo, ids.FILTER_TO)) == (
        "FY2019", "FY2024")
    assert "NYC fiscal years FY2019–FY2024 (July 2018 – June 2024)" in dash_duo.find_element(
        "#period-notice").text
    # The events are drawn on the fiscal-year axis: a numbered ▼ with its note on hover.
    notes = driver.execute_script(
        "const g = document.querySelector('#card--new_enrollments .js-plotly-plot');"
        "return g.layout.annotations.filter(a => a.hovertext).map(a => a.hovertext)")
    assert any("Parent Support Program expands" in n for n in notes)

    # The period travels with the navigation, like the other filters.
    dash_duo.find_element(f"#{ids.nav_link('overview')}").click()
    _wait_url(dash_duo, "/", FISCAL)
    _wait_page(dash_duo, "overview")
    dash_duo.wait_for_contains_text(".section-title", "NYC fiscal years FY2019–FY2024")
    _shot(dash_duo, "periods-overview-fy-1400", 1400)
    _shot(dash_duo, "periods-overview-fy-390", 390)
    dash_duo.find_element(".filter-toggle").click()  # the phone's folded filters, opened
    _wait(lambda: dash_duo.find_element(f"#{ids.FILTER_PERIOD}").is_displayed(),
          message="period control shown")
    assert _shown(dash_duo, ids.FILTER_PERIOD) == "NYC fiscal year"
    _shot(dash_duo, "periods-filters-open-390", 390, full=False)
    dash_duo.find_element(".filter-toggle").click()
    driver.set_window_size(1400, 1000)

    # Back: the employment page in fiscal years, then in calendar years again.
    driver.back()
    _wait_url(dash_duo, "/employment", FISCAL)
    _wait_page(dash_duo, "employment")
    _shot(dash_duo, "periods-employment-fy-1400", 1400)
    _shot(dash_duo, "periods-employment-fy-390", 390)
    driver.set_window_size(1400, 1000)
    driver.back()
    _wait_url(dash_duo, "/employment", YEARS)
    _wait(lambda: _shown(dash_duo, ids.FILTER_PERIOD) == "Calendar year",
          message="the control back on calendar years")
    _wait_page(dash_duo, "employment")
    _wait(lambda: "2019" in _ticks(dash_duo, "new_enrollments"), message="year ticks")
    assert (_shown(dash_duo, ids.FILTER_FROM), _shown(dash_duo, ids.FILTER_TO)) == (
        "2019", "2024")
    assert not driver.find_elements(By.CSS_SELECTOR, "#period-notice")
    assert _url(dash_duo) == ("/employment", YEARS)
    assert dash_duo.get_logs() == []
