"""The Impact page (as plain callback functions), its chart, and the report's impact section,
on the demo warehouse (which has support months) and on the small fixture (which has none)."""

from __future__ import annotations

import subprocess

import pytest

from charts.registry import chart_data, chart_figure
from dashboard.pages import PAGES
from dashboard.pages import impact as page
from tests.test_dashboard_callbacks import text
from warehouse.impact import NOT_AN_EXPERIMENT
from warehouse.query import Filters, open_warehouse


@pytest.fixture
def demo(demo_warehouse, monkeypatch):
    monkeypatch.setenv("OUTCOMES_WAREHOUSE", str(demo_warehouse))
    return open_warehouse(demo_warehouse)


def test_page_is_registered():
    assert "/impact" in [p.path for p in PAGES]


def test_page_shows_chart_table_and_the_sentence(demo):
    out = text(page.render("?from=2015&to=2020"))
    assert NOT_AN_EXPERIMENT in out
    assert "impact-table" in out and "impact_event_study" in out
    assert '"XLSX"' in out and "Open in a notebook" in out  # the chart's downloads
    assert "Parent Support Program" in out and "Comparison" in out
    # The table's numbers are those of the query layer for the page's filters.
    df = demo.impact(Filters(2015, 2020), months=12)
    psp = df[(df["program"] == "PSP") & (df["group"] == "enrolled")].iloc[0]
    assert f"{psp['participants']:,}" in out
    assert f"{psp['after_compliance'] * 100:.1f}%" in out


def test_page_follows_the_filters(demo):
    out = text(page.render("?from=2019&to=2020&program=FAMILIES_FORWARD&borough=Bronx"))
    assert "Families Forward" in out and "Parent Support Program" not in out
    df = demo.impact(Filters(2019, 2020, ("FAMILIES_FORWARD",), ("Bronx",)), months=12)
    assert list(df["program"].unique()) == ["FAMILIES_FORWARD"]
    assert df["participants"].sum() < demo.impact(
        Filters(2019, 2020, ("FAMILIES_FORWARD",)), months=12)["participants"].sum()
    # With suppression on, small cells show the marker in the table.
    suppressed = text(page.render("?from=2019&to=2020&program=FAMILIES_FORWARD&borough=Bronx"
                                  "&suppress=1"))
    assert "<11" in suppressed


def test_chart_data_and_figure(demo):
    f = Filters(2015, 2020, ("PSP", "STEP"))
    df = chart_data("impact_event_study", demo, f)
    assert set(df["program"]) == {"PSP", "STEP"}
    assert set(df["group"]) == {"enrolled", "comparison"}
    assert df["rel"].between(-12, 12).all() and 0 in set(df["rel"])
    fig = chart_figure("impact_event_study", demo, f)
    assert {t.name for t in fig.data if t.showlegend is False} == {
        "Enrolled (cohort)", "Referred, never enrolled (comparison)"}


def test_without_support_months_the_page_says_so(small_warehouse, monkeypatch):
    monkeypatch.setenv("OUTCOMES_WAREHOUSE", str(small_warehouse))
    out = text(page.render("?from=2009&to=2023"))
    assert "No support months on record" in out
    assert NOT_AN_EXPERIMENT in out


def test_report_has_the_impact_section(demo):
    from charts.export_context import export_context
    from exports.report import build_sections

    f = demo.resolve(Filters(2015, 2020, ("PSP", "FAMILIES_FORWARD"), ("Bronx",)))
    sections = build_sections(demo, f, ctx=export_context(demo, f))
    section = sections[-1]
    assert section.chart_id == "impact_event_study"
    assert NOT_AN_EXPERIMENT in section.definition
    assert list(section.table.columns) == ["Program", "Group", "Before", "After",
                                           "Change (pts)"]
    assert list(section.table["Program"]) == ["Parent Support Program"] * 2 + [
        "Families Forward"] * 2
    assert "<11" in section.table.to_string()  # the Bronx Families Forward comparison group
    assert section.hidden > 0 and section.note


@pytest.mark.usefixtures("image_engine")
def test_report_pdf_renders_the_section(demo, tmp_path):
    from exports.report import build_report

    # All programs: a program filter that empties another section crashes the PDF on main
    # (being fixed separately).
    out = build_report(demo, Filters(2015, 2020), tmp_path / "r.pdf")
    body = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    body = " ".join(body.split())
    assert "Compliance with current support around program entry" in body
    assert "This is not an experiment" in body
