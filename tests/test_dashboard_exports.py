"""The dashboard's exports (dashboard/chart_downloads.py) and the on-screen suppression toggle,
called as plain functions on the small fixture warehouse (every cell under 11)."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from dash import no_update

from charts.snippets import snippet
from dashboard import chart_downloads, ids, notebook_panel, report_button
from dashboard.page_parts import clear_body_cache
from dashboard.shell import SUPPRESS_ON, sync_controls, sync_filters
from dashboard.url_state import parse_search, parse_suppress, to_search
from tests.test_dashboard_callbacks import text
from warehouse.query import Filters, open_warehouse

SEARCH = "?from=2009&to=2023"


@pytest.fixture(scope="module", autouse=True)
def _stop_engine():
    yield
    from exports.images import stop_engine

    stop_engine()


@pytest.fixture
def small(small_warehouse, monkeypatch):
    monkeypatch.setenv("OUTCOMES_WAREHOUSE", str(small_warehouse))
    clear_body_cache()
    yield open_warehouse(small_warehouse)
    clear_body_cache()



def payload_bytes(payload: dict) -> bytes:
    assert payload["base64"] is True
    return base64.b64decode(payload["content"])


# -- per-chart downloads ----------------------------------------------------------------------
@pytest.mark.usefixtures("image_engine")
def test_png_and_svg_downloads(small):
    png = chart_downloads.chart_download("arrears_by_year", "png", SEARCH)
    assert payload_bytes(png)[:8] == b"\x89PNG\r\n\x1a\n"
    assert png["type"] == "image/png"
    assert png["filename"] == "arrears_by_year_2010-2021.png"  # window clamped to the data
    svg = chart_downloads.chart_download("arrears_by_year", "svg", SEARCH + "&borough=Bronx")
    root = ET.fromstring(payload_bytes(svg))
    assert root.tag.endswith("svg")
    assert svg["type"] == "image/svg+xml" and svg["filename"].endswith("_Bronx.svg")


@pytest.mark.usefixtures("image_engine")
def test_pdf_download(small):
    pdf = chart_downloads.chart_download("referral_funnel", "pdf", SEARCH)
    assert payload_bytes(pdf)[:5] == b"%PDF-" and pdf["type"] == "application/pdf"


def test_csv_download_is_suppressed(small):
    out = chart_downloads.chart_download("arrears_totals", "csv", SEARCH)
    assert out["type"] == "text/csv" and out["filename"] == "arrears_totals_2010-2021.csv"
    content = payload_bytes(out).decode("utf-8-sig")
    header, table = content.split("\r\n\r\n", 1)
    assert all(line.startswith(("#", '"#')) for line in header.splitlines())
    rows = list(csv.DictReader(io.StringIO(table)))
    cap = next(r for r in rows if r["program"] == "ARREARS_CAP")
    assert cap["ncps_with_reductions"] == "<11"  # 2 NCPs
    assert cap["arrears_reduced_usd"] == "<11"  # rests on 2 NCPs
    assert "32345" not in content


def test_xlsx_download_is_suppressed(small):
    from openpyxl import load_workbook

    out = chart_downloads.chart_download("served_vs_graduates", "xlsx", SEARCH)
    assert out["type"].endswith("spreadsheetml.sheet") and out["filename"].endswith(".xlsx")
    wb = load_workbook(io.BytesIO(payload_bytes(out)))
    values = [c.value for row in wb["Data"].iter_rows() for c in row]
    assert "<11" in values
    assert not any(isinstance(v, int | float) and 0 < v < 11 for v in values
                   if not isinstance(v, bool))


def test_data_quality_downloads_are_not_suppressed(small):
    content = payload_bytes(chart_downloads.chart_download("dq_loads", "csv", SEARCH)).decode()
    assert "<11" not in content.split("\r\n\r\n", 1)[1]


def test_unknown_format_is_refused(small):
    with pytest.raises(ValueError):
        chart_downloads.chart_download("arrears_totals", "gif", SEARCH)


# -- "Open in a notebook" -------------------------------------------------------------------------
def test_notebook_panel_shows_the_snippet_for_the_filters(small):
    search = "?from=2012&to=2020&program=ARREARS_CAP&borough=Bronx"
    children, hidden = notebook_panel.notebook_panel(1, "arrears_by_year", search)
    assert hidden is False
    rendered = text(children)
    expected = snippet("arrears_by_year", small.resolve(parse_search(search)))
    assert "programs=('ARREARS_CAP',)" in expected and "boroughs=('Bronx',)" in expected
    assert json.dumps(f"```python\n{expected}\n```", ensure_ascii=False) in rendered
    assert "```sql" in rendered and "SELECT" in rendered.upper()
    assert rendered.count("Clipboard") == 2
    # A second click closes it; nothing is generated before a click.
    assert notebook_panel.notebook_panel(2, "arrears_by_year", search) == ([], True)
    assert notebook_panel.notebook_panel(None, "arrears_by_year", search) == ([], True)


def test_every_card_has_the_export_bar(small):
    from dashboard.pages import arrears

    rendered = text(arrears.render(SEARCH))
    for label in ("PNG", "SVG", "PDF", "CSV", "XLSX", "Open in a notebook"):
        assert f'"{label}"' in rendered
    assert rendered.count(f'"{ids.EXPORT_BUTTON["png"]}"') == 5  # one per arrears chart
    assert "Download CSV" not in rendered  # one CSV button per card, the export one
    assert "always suppress" in rendered  # the tooltip says so


@pytest.mark.usefixtures("image_engine")
def test_report_download(small):
    out = report_button.report_download("pptx", SEARCH)
    assert out["filename"] == "outcomes_report_2010-2021.pptx"
    assert payload_bytes(out)[:2] == b"PK"
    with pytest.raises(ValueError):
        report_button.report_download("docx", SEARCH)


# -- the suppression toggle -----------------------------------------------------------------------
@pytest.mark.parametrize("filters", [Filters(), Filters(2009, 2023, ("PSP",), ("Bronx",))])
def test_suppress_round_trips_in_the_url(filters):
    search = to_search(filters, suppress=True)
    assert search.endswith("suppress=1")
    assert parse_suppress(search) is True and parse_search(search) == filters
    assert to_search(parse_search(search), parse_suppress(search)) == search
    assert parse_suppress(to_search(filters)) is False


@pytest.mark.parametrize(("search", "on"), [
    ("?suppress=1", True), ("?suppress=true", True), ("suppress=on", True),
    ("?suppress=0", False), ("?suppress=", False), ("?suppress=zz", False), (None, False),
    ("?suppress=1&suppress=0", False),
])
def test_parse_suppress(search, on):
    assert parse_suppress(search) is on


def test_toggle_writes_and_reads_the_url(small):
    # Turning it on adds suppress=1 and keeps the filters.
    out = sync_controls(SEARCH, 2009, 2023, [], [], [SUPPRESS_ON], trigger=ids.FILTER_SUPPRESS)
    assert out[0] == "?from=2009&to=2023&suppress=1"
    # Off again drops it.
    out = sync_controls(out[0], 2009, 2023, [], [], [], trigger=ids.FILTER_SUPPRESS)
    assert out[0] == SEARCH
    # A URL with suppress=1 (reload, link, another page) sets the toggle.
    out = sync_controls("?from=2009&to=2023&suppress=1", 2009, 2023, [], [], [],
                        trigger=ids.URL)
    assert out[-1] == [SUPPRESS_ON]
    out = sync_controls("?from=2009&to=2023&suppress=1", 2009, 2023, [], [], [SUPPRESS_ON],
                        trigger=ids.URL)
    assert out[-1] is no_update  # already on
    # A filter change keeps suppression on.
    out = sync_controls("?from=2009&to=2023&suppress=1", 2009, 2015, [], [], [SUPPRESS_ON],
                        trigger=ids.FILTER_TO)
    assert out[0] == "?from=2009&to=2015&suppress=1"
    assert sync_filters("?suppress=1", 2010, 2012, [], [], trigger=ids.FILTER_TO)[0] == (
        "?from=2010&to=2012&suppress=1")


def _markers(rendered: str) -> int:
    """Suppressed cells shown: in Markdown tables ("| &#60;11 |": a cell's "<" is written as a
    character reference, chart_card._cell) or as a card's value ("<11")."""
    return len(re.findall(r'\| &#60;11 \||"<11"', rendered))


def test_suppressed_pages_show_markers(small):
    from dashboard.pages import PAGE_MODULES

    for module in PAGE_MODULES:
        plain = text(module.render(SEARCH))
        safe = text(module.render(SEARCH + "&suppress=1"))
        if module.PAGE.key in ("data-quality", "indicators"):  # no counts / no targets here
            assert _markers(safe) == 0  # (the Indicators' markers: tests/test_indicators.py)
            continue
        assert _markers(plain) == 0, module.PAGE.key
        assert _markers(safe) > 0, module.PAGE.key
    arrears = text(PAGE_MODULES[2].render(SEARCH + "&suppress=1"))
    assert "$32.3K" not in arrears  # the Arrears Cap total card is suppressed too
    assert "Values under 11 are suppressed" in arrears


def test_suppressed_card_figure_and_table(small):
    from dashboard.chart_card import chart_card
    from dashboard.page_parts import PageContext

    f = small.resolve(Filters(2009, 2023))
    ctx = PageContext(small, f, suppress=True)
    card = text(chart_card("served_vs_graduates", small, f, safe=ctx.safe("served_vs_graduates")))
    assert _markers(card) > 0  # table
    assert "Values under 11 are suppressed" in card
    assert _markers(text(chart_card("served_vs_graduates", small, f))) == 0
