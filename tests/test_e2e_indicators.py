"""End to end: the Indicators page (targets against actuals) in headless Chromium on the demo
warehouse; screenshots go to tests/artifacts/screenshots/."""

from __future__ import annotations

import pytest

from tests.cli import cli_json
from tests.test_e2e import _count, _wait_page, app_on_demo  # noqa: F401
from tests.test_e2e_pm import _shot

pytestmark = pytest.mark.e2e


def test_indicators_page_shows_targets_actuals_and_marks(dash_duo, app_on_demo,  # noqa: F811
                                                        demo_warehouse):
    expected = cli_json("indicators", "--warehouse", str(demo_warehouse), "--program", "STEP")
    dash_duo.start_server(app_on_demo)
    dash_duo.driver.get(dash_duo.server_url + "/indicators")
    _wait_page(dash_duo, "indicators")
    dash_duo.wait_for_element("#indicators-all", timeout=20)
    assert _count(dash_duo, ".indicator") == 9  # the demo's nine indicators
    card = dash_duo.find_element("#indicator-step-placements")
    text = card.text
    # The MMR row: five fiscal years ending with the latest target's, and the marks.
    for fy in ("FY2022", "FY2023", "FY2024", "FY2025", "FY2026"):
        assert fy in text
    for row in expected:
        assert f"{row['actual']:,.0f}" in text
        assert f"{row['target']:,.0f}" in text
    assert "✓ met" in text and "✗ not met" in text and "… in progress" in text
    assert "Change against the previous period" in text and "Against the target" in text
    assert "Desired direction: ↑ up" in text
    _shot(dash_duo, "indicators-1400", 1400)

    # The program filter: only STEP's targets, and no ALL target (it covers every program).
    dash_duo.driver.get(dash_duo.server_url + "/indicators?program=STEP")
    _wait_page(dash_duo, "indicators")
    dash_duo.wait_for_element("#indicators-step", timeout=20)
    assert _count(dash_duo, ".indicator") == 1
    assert _count(dash_duo, "#indicators-all") == 0
    _shot(dash_duo, "indicators-step-390", 390)
