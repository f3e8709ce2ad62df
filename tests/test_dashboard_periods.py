"""The period control: URLs with `period` (parse, serialize, convert), the charts, tables,
titles, downloads and report per fiscal year, federal fiscal year, quarter and month, checked
against `outcomes metrics` for the same window, and annotations on every time axis."""

from __future__ import annotations

import argparse
import io
import json
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import pytest
from dash import no_update
from hypothesis import given, settings
from hypothesis import strategies as st

from charts.export_context import export_context
from charts.registry import CHARTS, chart_data, chart_spec, chart_title, display_table
from core.periods import (
    GRAINS,
    convert_window,
    parse_period,
    period_containing,
    periods_between,
    window_words,
)
from core.vocabularies import BOROUGHS, PROGRAM_CODES
from dashboard import ids
from dashboard.shell import sync_bar
from dashboard.url_state import from_controls, parse_search, to_search
from exports.chart_files import chart_file, download_filename
from exports.report import build_sections, report_filename
from outcomes.cli import build_parser, main
from outcomes.commands_exports import period_filters
from tests.tiers import examples
from warehouse.query import Filters, open_warehouse

PERIOD_GRAINS = [g for g in GRAINS if g != "year"]
# The URL forms of the brief, with the filters each stands for.
BRIEF = {
    "?period=fiscal-year&from=FY2019&to=FY2024": ("FY2019", "FY2024", "fiscal-year"),
    "?period=federal-fiscal-year&from=FFY2019&to=FFY2024": ("FFY2019", "FFY2024",
                                                           "federal-fiscal-year"),
    "?period=quarter&from=2023-Q1&to=2024-Q4": ("2023-Q1", "2024-Q4", "quarter"),
    "?period=month&from=2024-01&to=2024-06": ("2024-01", "2024-06", "month"),
}


# -- the URL ------------------------------------------------------------------------------------
@pytest.mark.parametrize("search", list(BRIEF))
def test_the_briefs_urls(search):
    first, last, grain = BRIEF[search]
    f = parse_search(search)
    assert (f.from_period, f.to_period, f.grain) == (first, last, grain)
    assert (f.from_year, f.to_year) == (None, None)
    assert to_search(f) == search  # canonical: period first


def test_legacy_urls_are_unchanged():
    f = parse_search("?from=2015&to=2020")
    assert f == Filters(2015, 2020) and f.grain is None
    assert to_search(f) == "?from=2015&to=2020"
    assert parse_search("?period=year&from=2015&to=2020") == f  # calendar years, said aloud
    assert to_search(parse_search("?from=2015&to=2020&program=PSP&borough=Bronx")) == (
        "?from=2015&to=2020&program=PSP&borough=Bronx")


def test_a_period_in_from_implies_its_grain_and_other_forms_convert():
    assert to_search(parse_search("?from=FY2019&to=FY2024")) == (
        "?period=fiscal-year&from=FY2019&to=FY2024")
    # Calendar and fiscal years map by their number; other grains keep the months.
    assert to_search(parse_search("?period=fiscal-year&from=2019&to=2024")) == (
        "?period=fiscal-year&from=FY2019&to=FY2024")
    assert to_search(parse_search("?period=quarter&from=FY2019&to=FY2024")) == (
        "?period=quarter&from=2018-Q3&to=2024-Q2")
    assert to_search(parse_search("?period=month&from=2024-Q1&to=2024-Q2")) == (
        "?period=month&from=2024-01&to=2024-06")


def test_period_urls_are_forgiving_and_clamped_to_the_data():
    years = (2007, 2025)
    # No window: the periods holding the data's first and last month.
    assert to_search(parse_search("?period=fiscal-year", years)) == (
        "?period=fiscal-year&from=FY2007&to=FY2026")
    assert to_search(parse_search("?period=quarter&from=1990-Q1&to=2090-Q4", years)) == (
        "?period=quarter&from=2007-Q1&to=2025-Q4")
    # Reversed: the data's window; unreadable ends ignored; an unknown period is years.
    assert to_search(parse_search("?period=month&from=2024-06&to=2024-01", years)) == (
        "?period=month&from=2007-01&to=2025-12")
    assert parse_search("?period=quarter&from=nonsense").from_period is None
    assert parse_search("?period=weekly&from=2010") == Filters(2010)


@st.composite
def period_windows(draw) -> Filters:
    grain = draw(st.sampled_from(PERIOD_GRAINS))
    lo = draw(st.integers(1990 * 12, 2079 * 12))  # the URL reads years 1900-2100
    hi = draw(st.integers(lo, lo + 240))
    programs = draw(st.lists(st.sampled_from(PROGRAM_CODES), max_size=3, unique=True))
    boroughs = draw(st.lists(st.sampled_from(BOROUGHS), max_size=2, unique=True))
    first, last = period_containing(lo, grain), period_containing(hi, grain)
    return Filters(None, None, tuple(programs), tuple(boroughs), first.label, last.label,
                   grain=grain)


@settings(max_examples=examples(200), deadline=None)
@given(period_windows(), st.booleans())
def test_period_urls_round_trip(f, suppress):
    search = to_search(f, suppress)
    assert search.startswith(f"?period={f.grain}&from={f.from_period}&to={f.to_period}")
    assert parse_search(search) == f
    assert to_search(parse_search(search), suppress) == search  # canonical
    # The filter bar's values give the same filters back.
    assert from_controls(f.from_period, f.to_period, f.programs, f.boroughs, f.grain) == f


@settings(max_examples=examples(200), deadline=None)
@given(st.integers(1990, 2090), st.integers(0, 30), st.sampled_from(PERIOD_GRAINS))
def test_switching_the_period_and_back_keeps_the_years(first, length, grain):
    """Calendar years -> any period -> calendar years gives the same years back, and the
    new window covers the old one's months (no month of the years is lost)."""
    last = first + length
    there = convert_window(first, last, grain)
    assert convert_window(*there, None) == (str(first), str(last))
    lo, hi = parse_period(there[0]).first_month, parse_period(there[1]).last_month
    if grain in ("quarter", "month"):  # whole calendar years are whole quarters and months
        assert (lo, hi) == (first * 12, last * 12 + 11)
    else:  # fiscal years of the same numbers: the window moves by 6 (3) months
        assert hi - lo + 1 == (length + 1) * 12


def test_window_words():
    fy = parse_period("FY2019").first_month, parse_period("FY2024").last_month
    assert window_words(*fy, "fiscal-year") == (
        "NYC fiscal years FY2019–FY2024 (July 2018 – June 2024)")
    q = parse_period("2024-Q1")
    assert window_words(q.first_month, q.last_month, "quarter") == (
        "quarter 2024-Q1 (January 2024 – March 2024)")
    assert window_words(2009 * 12, 2023 * 12 + 11, None) == "calendar years 2009–2023"


# -- the data, per grain, against `outcomes metrics` ------------------------------------------
@pytest.fixture(scope="module")
def demo(demo_warehouse):
    return open_warehouse(demo_warehouse)


def cli_metrics(demo_warehouse, capsys, first: str, last: str, grain: str,
                total: bool = False) -> pd.DataFrame:
    """What `outcomes metrics --from F --to T --by GRAIN --format json` prints."""

    argv = ["metrics", "--warehouse", str(demo_warehouse), "--from", first, "--to", last,
            "--by", grain, "--format", "json"] + (["--total"] if total else [])
    capsys.readouterr()
    assert main(argv) == 0
    return pd.DataFrame(json.loads(capsys.readouterr().out))


WINDOWS = [("FY2019", "FY2024", "fiscal-year"), ("FFY2020", "FFY2023", "federal-fiscal-year"),
           ("2022-Q3", "2024-Q2", "quarter"), ("2023-11", "2024-04", "month")]


def _keyed(df: pd.DataFrame, columns: list[str]) -> dict:
    return {(r["period"], r["program"]): tuple(float(r[c]) for c in columns)
            for _, r in df.iterrows()}


@pytest.mark.parametrize(("first", "last", "grain"), WINDOWS)
def test_per_period_charts_match_outcomes_metrics(demo, demo_warehouse, capsys, first, last,
                                                  grain):
    f = Filters(from_period=first, to_period=last, grain=grain)
    cli = cli_metrics(demo_warehouse, capsys, first, last, grain)
    labels = [p.label for p in periods_between(parse_period(first).first_month,
                                               parse_period(last).last_month, grain)]
    assert list(dict.fromkeys(cli["period"])) == labels
    for chart_id, columns in (
            ("served_vs_graduates", ["participants_served", "graduates"]),
            ("new_enrollments", ["new_enrollments"]),
            ("arrears_by_year", ["arrears_reduced_usd", "ncps_with_reductions"])):
        df = chart_data(chart_id, demo, f)
        assert "year" not in df.columns and set(df["period"]) <= set(labels), chart_id
        want = _keyed(cli[cli["program"].isin(df["program"])], columns)
        got = _keyed(df, columns)
        # Every row the chart draws is the CLI's; rows it leaves out are zeros outside a
        # program's life (dashboard.lives).
        assert {k: want[k] for k in got} == got, chart_id
        assert all(not any(want[k]) for k in set(want) - set(got)), chart_id
    # The overview's trends: the ALL rows of `--total` over every program.
    total = cli_metrics(demo_warehouse, capsys, first, last, grain, total=True)
    total = total[total["program"] == "ALL"].reset_index(drop=True)
    trends = chart_data("overview_trends", demo, f)
    assert list(trends["period"]) == list(total["period"])
    for col in ("participants_served", "graduates", "placements", "arrears_reduced_usd"):
        assert trends[col].tolist() == pytest.approx(total[col].tolist()), col


def test_window_totals_are_exact_month_windows(demo, demo_warehouse, capsys):
    """A chart of window totals under FY2019–FY2024 counts July 2018 to June 2024: the same
    as `outcomes metrics --from FY2019 --to FY2024` without --by."""

    capsys.readouterr()
    assert main(["metrics", "--warehouse", str(demo_warehouse), "--from", "FY2019", "--to",
                 "FY2024", "--format", "json"]) == 0
    cli = pd.DataFrame(json.loads(capsys.readouterr().out)).set_index("program")
    df = chart_data("program_summary", demo,
                    parse_search("?period=fiscal-year&from=FY2019&to=FY2024"))
    for row in df.itertuples():
        assert row.participants_served == cli.loc[row.program, "participants_served"]


# -- titles, axes, tables, events -------------------------------------------------------------
def test_titles_axes_and_tables_show_period_labels(demo):

    f = parse_search("?period=fiscal-year&from=FY2019&to=FY2024")
    assert chart_title("served_vs_graduates", demo, f) == (
        "Participants served and graduates per program per NYC fiscal year, FY2019–FY2024")
    assert chart_title("program_summary", demo, f).endswith(", FY2019–FY2024")
    spec = chart_spec("new_enrollments", demo, f)
    axis = spec["layout"]["xaxis"]
    assert axis["type"] == "category" and axis["categoryarray"] == [
        f"FY{y}" for y in range(2019, 2025)]
    assert axis["title"]["text"] == "NYC fiscal year"
    assert all(t["x"].tolist() == [f"FY{y}" for y in range(2019, 2025)]
               for t in spec["data"] if t.get("name") == "Parent Support Program")
    table = display_table("arrears_by_year", chart_data("arrears_by_year", demo, f))
    assert table.columns[0] == "Period" and table.iloc[0, 0] == "FY2019"
    # Quarters: every quarter has its place, labelled at most ~12 times.
    q = parse_search("?period=quarter&from=2019-Q1&to=2024-Q4")
    axis = chart_spec("arrears_by_year", demo, q)["layout"]["xaxis"]
    assert len(axis["categoryarray"]) == 24 and len(axis["tickvals"]) <= 12
    assert all(t.endswith("-Q1") for t in axis["tickvals"])  # the ticks open a year
    months = chart_spec("arrears_by_year", demo, parse_search("?period=month&from=2007-07"
                                                              "&to=2025-12"))
    ticks = months["layout"]["xaxis"]["tickvals"]
    assert len(ticks) <= 12 and all(t.endswith("-01") for t in ticks)


@pytest.mark.parametrize("search", list(BRIEF) + ["?from=2009&to=2023"])
def test_every_time_chart_marks_events_and_notes_at_any_grain(demo, tmp_path, monkeypatch,
                                                              search):
    notes = tmp_path / "annotations.csv"
    notes.write_text("date,note,program\n2024-02-15,Offices closed for the storm,\n"
                     "2019-03-04,New intake form,\n")
    monkeypatch.setenv("OUTCOMES_ANNOTATIONS", str(notes))
    f = demo.resolve(parse_search(search, demo.data_years()))
    first, last = f.months()
    inside = [d for d in (date(2024, 2, 15), date(2019, 3, 4))
              if first <= d.year * 12 + d.month - 1 <= last]
    time_charts = ["overview_trends", "served_vs_graduates", "new_enrollments",
                   "arrears_by_year", "ncps_by_year", "arrears_cumulative",
                   "avg_reduction_by_year", "cohort_completion", "ff_placements"]
    for chart_id in time_charts:
        spec = chart_spec(chart_id, demo, f)
        if not spec["data"]:
            continue  # nothing to draw in this window (Families Forward after 2023)
        marks = [a for a in spec["layout"].get("annotations", []) if a.get("hovertext")]
        texts = [a["hovertext"] for a in marks]
        for d in inside:
            note = "Offices closed" if d.year == 2024 else "New intake form"
            assert any(note in t for t in texts), (chart_id, search, note)
        assert len(spec["layout"].get("shapes", [])) >= len(marks), chart_id


def test_an_event_sits_inside_its_period_on_a_category_axis(demo):
    f = parse_search("?period=quarter&from=2022-Q1&to=2023-Q4")
    spec = chart_spec("arrears_by_year", demo, f)
    labels = spec["layout"]["xaxis"]["categoryarray"]
    drive = next(a for a in spec["layout"]["annotations"]
                 if a.get("hovertext") == "Oct 2022: Pay It Off drive")
    # Oct 1 opens 2022-Q4: the left edge of its category (index - 0.5).
    assert drive["x"] == pytest.approx(labels.index("2022-Q4") - 0.5)


# -- the filter bar -----------------------------------------------------------------------------
def test_the_period_control_writes_and_reads_the_url(demo_warehouse, monkeypatch):

    monkeypatch.setenv("OUTCOMES_WAREHOUSE", str(demo_warehouse))
    # Choosing NYC fiscal year turns 2019–2024 into FY2019–FY2024 (one new URL).
    out = sync_bar("?from=2019&to=2024", "fiscal-year", 2019, 2024, [], [], [],
                   trigger=ids.FILTER_PERIOD)
    assert out[0] == "?period=fiscal-year&from=FY2019&to=FY2024"
    assert out[4:6] == ("FY2019", "FY2024")
    assert [o["value"] for o in out[2]][:2] == ["FY2007", "FY2008"]
    # A URL (a link, Back) sets the control, the choices and the window.
    out = sync_bar("?period=quarter&from=2023-Q1&to=2024-Q4&program=PSP", "year", 2009, 2023,
                   [], [], [], trigger=ids.URL)
    assert out[0] is no_update and out[1] == "quarter"
    assert out[4:8] == ("2023-Q1", "2024-Q4", ["PSP"], [])
    # Back to calendar years: the same years, the year choices.
    out = sync_bar("?period=fiscal-year&from=FY2019&to=FY2024", "year", "FY2019", "FY2024",
                   [], [], [], trigger=ids.FILTER_PERIOD)
    assert out[0] == "?from=2019&to=2024" and out[4:6] == (2019, 2024)
    assert out[2][0] == {"label": "2007", "value": 2007}
    # A new end in the control writes the URL; a reversed one is put in order.
    out = sync_bar("?period=fiscal-year&from=FY2019&to=FY2024", "fiscal-year", "FY2024",
                   "FY2020", [], [], [], trigger=ids.FILTER_FROM)
    assert out[0] == "?period=fiscal-year&from=FY2020&to=FY2024"
    assert out[4:6] == ("FY2020", "FY2024")


# -- downloads and the report pack --------------------------------------------------------------
def test_downloads_follow_the_period(demo):

    f = parse_search("?period=fiscal-year&from=FY2019&to=FY2024&program=PSP")
    text = chart_file("served_vs_graduates", demo, f, "csv").decode("utf-8-sig")
    assert "NYC fiscal years FY2019–FY2024 (July 2018 – June 2024)" in text
    assert "per NYC fiscal year, FY2019–FY2024" in text
    body = text[text.index("period,"):]
    rows = pd.read_csv(io.StringIO(body))
    assert rows["period"].tolist() == [f"FY{y}" for y in range(2019, 2025)]
    assert download_filename("served_vs_graduates", demo, f, "png") == (
        "served_vs_graduates_FY2019-FY2024_psp.png")


def test_report_sections_and_words_follow_the_period(demo):


    f = parse_search("?period=quarter&from=2023-Q1&to=2024-Q4")
    ctx = export_context(demo, f)
    assert ctx.window == "2023-Q1 – 2024-Q4"
    assert ctx.filters_text.startswith(
        "Quarters 2023-Q1 – 2024-Q4 (January 2023 – December 2024); programs: all programs")
    sections = {s.chart_id: s for s in build_sections(demo, f, ctx=ctx)}
    table = sections["arrears_by_year"].table
    assert table.columns[0] == "Period"
    assert table.iloc[:, 0].tolist() == [f"{y}-Q{q}" for y in (2023, 2024) for q in range(1, 5)]
    assert "per quarter, 2023-Q1 – 2024-Q4" in sections["arrears_by_year"].title
    assert report_filename(demo, f, "pdf") == "outcomes_report_2023-Q1-2024-Q4.pdf"


def test_outcomes_report_takes_the_period(demo_warehouse):
    """`outcomes report --period fiscal-year --from 2019 --to 2024` asks for the same filters
    as the dashboard's ?period=fiscal-year&from=FY2019&to=FY2024 (the form of --from alone
    implies the period)."""



    parser = build_parser()
    wh = open_warehouse(demo_warehouse)
    want = parse_search("?period=fiscal-year&from=FY2019&to=FY2024")
    for argv in (["--period", "fiscal-year", "--from", "2019", "--to", "2024"],
                 ["--from", "FY2019", "--to", "FY2024"]):
        args = parser.parse_args(["report", "--out", "x.pdf", *argv])
        assert isinstance(args, argparse.Namespace)
        assert period_filters(args, wh) == want
    args = parser.parse_args(["report", "--out", "x.pdf", "--from", "2019", "--to", "2024"])
    assert period_filters(args, wh) == Filters(2019, 2024)  # calendar years, as before


def test_every_chart_builds_at_every_grain(demo):

    for search in BRIEF:
        f = parse_search(search, demo.data_years())
        for chart_id in CHARTS:
            go.Figure(chart_spec(chart_id, demo, f))  # validates against plotly's schema


def test_report_families_forward_placements_per_fiscal_year(demo, demo_warehouse, capsys):
    """The report draws Families Forward placements per period of the grain (monthly counts
    are small): per fiscal year, the same counts as `outcomes metrics --by fiscal-year`."""
    f = parse_search("?period=fiscal-year&from=FY2019&to=FY2024")
    ctx = export_context(demo, f, suppressed=False)
    section = next(s for s in build_sections(demo, f, ctx=ctx) if s.chart_id == "ff_placements")
    assert section.title == "Families Forward job placements per NYC fiscal year, FY2019–FY2024"
    table = section.table.set_index("Period")
    cli = cli_metrics(demo_warehouse, capsys, "FY2019", "FY2024", "fiscal-year")
    cli = cli[(cli["program"] == "FAMILIES_FORWARD") & (cli["placements"] > 0)]
    assert list(table.index[:-1]) == cli["period"].tolist()
    assert [int(v.replace(",", "")) for v in table["Placements"][:-1]] == cli[
        "placements"].tolist()
    assert table.index[-1] == "Window"
    axis = section.figure.layout.xaxis
    assert axis.type == "category" and list(axis.categoryarray) == cli["period"].tolist()
