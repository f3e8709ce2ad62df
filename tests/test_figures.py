"""Figure builders (DataFrame -> Figure) and the number formats: pure, no warehouse."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import pytest

from charts import figures
from charts import format as fmt
from charts.events import PROGRAM_EVENTS, events_for
from charts.style import PROGRAM_COLORS, program_color
from core.vocabularies import PROGRAM_CODES


def _by_year(programs, years, **cols):
    rows = []
    for p in programs:
        for i, y in enumerate(years):
            rows.append({"year": y, "program": p, **{k: v[i] for k, v in cols.items()}})
    return pd.DataFrame(rows)


def _annotation_texts(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations]


# -- formats ----------------------------------------------------------------------------------
@pytest.mark.parametrize("value, expected", [
    (284_000_000, "$284.0M"), (283_960_000, "$284.0M"), (88_390_943, "$88.4M"),
    (1_450_174.5, "$1.5M"), (999_960, "$1.0M"), (20_800, "$20.8K"), (512.4, "$512"),
    (-75, "-$75"), (0, "$0"), (2.5e9, "$2.5B"), (float("nan"), "–"), (None, "–"),
])
def test_money(value, expected):
    assert fmt.money(value) == expected


def test_counts_percentages_dates():
    assert fmt.count(13640) == "13,640"
    assert fmt.count(13639.6) == "13,640"
    assert fmt.pct(0.2181) == "21.8%"
    assert fmt.pct(float("nan")) == "–"
    assert fmt.money_full(284_000_000.4) == "$284,000,000"
    assert fmt.year_range(2009, 2023) == "2009–2023"
    assert fmt.year_range(2020, 2020) == "2020"
    assert fmt.day(date(2022, 5, 31)) == "May 31, 2022"


# -- style ------------------------------------------------------------------------------------
def test_one_distinct_colour_per_program():
    assert set(PROGRAM_COLORS) == set(PROGRAM_CODES)
    assert len(set(PROGRAM_COLORS.values())) == len(PROGRAM_CODES)
    assert program_color("NOT_A_PROGRAM").startswith("#")


# -- builders ---------------------------------------------------------------------------------
EMPTY_CASES = [
    (figures.served_vs_graduates, ["year", "program", "participants_served", "graduates",
                                   "graduation_rate"]),
    (figures.new_enrollments, ["year", "program", "new_enrollments"]),
    (figures.served_by_borough, ["borough", "program", "participants_served"]),
    (figures.arrears_by_year, ["year", "program", "arrears_reduced_usd"]),
    (figures.ncps_by_year, ["year", "program", "ncps_with_reductions"]),
    (figures.arrears_program_totals, ["program", "arrears_reduced_usd", "ncps_with_reductions",
                                      "avg_reduction_usd"]),
    (figures.arrears_cumulative, ["year", "program", "arrears_reduced_usd",
                                  "ncps_with_reductions"]),
    (figures.avg_reduction_by_year, ["year", "program", "avg_reduction_usd"]),
    (figures.ff_placements, ["month", "placements"]),
    (figures.ff_sectors, ["sector", "placements"]),
    (figures.ff_wages, ["wage_from", "wage_to", "placements"]),
    (figures.ff_time_to_placement, ["days_from", "days_to", "placements"]),
    (figures.referral_funnel, ["program", "referred", "enrolled", "graduated", "placed"]),
    (figures.referral_flows, ["source", "program", "referrals"]),
    (figures.overview_trends, ["year", "participants_served", "graduates", "placements",
                               "arrears_reduced_usd", "ncps_with_reductions"]),
    (figures.program_summary, ["program", "participants_served"]),
    (figures.dq_loads, ["load_id", "rows_loaded", "rows_rejected", "rows_warned"]),
    (figures.dq_rejects, ["file_name", "reason", "rows_rejected"]),
    (figures.dq_warnings, ["rule", "kind", "rows_warned"]),
]


@pytest.mark.parametrize("builder, columns", EMPTY_CASES, ids=lambda x: getattr(x, "__name__", ""))
def test_empty_frame_gives_a_message_not_a_blank_chart(builder, columns):
    fig = builder(pd.DataFrame(columns=columns), title="Some title, 2009–2023")
    assert isinstance(fig, go.Figure)
    assert len(fig.data) == 0
    assert fig.layout.title.text == "Some title, 2009–2023"
    texts = " ".join(_annotation_texts(fig))
    assert "No " in texts  # "No records match these filters" / "No loads yet" / ...


def test_served_vs_graduates_panels_bars_and_rate_line():
    df = _by_year(["PSP", "STEP"], [2020, 2021], participants_served=[100, 200],
                  graduates=[20, 50])
    df["graduation_rate"] = df["graduates"] / df["participants_served"]
    fig = figures.served_vs_graduates(df, title="Served, 2020–2021")
    assert fig.layout.title.text == "Served, 2020–2021"
    kinds = [t.type for t in fig.data]
    assert kinds.count("bar") == 4 and kinds.count("scatter") == 2 + 2  # + 2 legend keys
    assert [t.name for t in fig.data if t.showlegend] == [
        "Graduation rate: graduates ÷ served that year (right axis)",
        "Participants served (light bars)",
        "Graduates (solid bars)"]
    # Each program drawn in its own colour; the rate line on a secondary axis.
    assert fig.data[1].marker.color == PROGRAM_COLORS["PSP"]
    assert fig.data[4].marker.color == PROGRAM_COLORS["STEP"]
    rate = fig.data[2]
    assert rate.yaxis != fig.data[0].yaxis and rate.mode == "lines+markers"
    assert list(rate.y) == [0.2, 0.25]
    assert fig.layout.barmode == "group"
    assert {a.text for a in fig.layout.annotations} >= {"Parent Support Program",
                                                        "Support Through Employment Program"}


def test_arrears_by_year_stacks_programs_and_marks_events():
    df = _by_year(["ARREARS_CAP", "PAY_IT_OFF"], [2021, 2022, 2023],
                  arrears_reduced_usd=[1e6, 2e6, 3e6])
    events = events_for((), 2021, 2023)
    fig = figures.arrears_by_year(df, title="t", events=events)
    bars = [t for t in fig.data if t.type == "bar"]
    assert [t.name for t in bars] == ["Arrears Cap", "Pay It Off"]
    assert fig.layout.barmode == "stack"
    assert bars[0].marker.color == PROGRAM_COLORS["ARREARS_CAP"]
    marks = [t for t in fig.data if t.type == "scatter"]
    assert len(marks) == 1 and len(marks[0].x) == len(events) == 4
    assert "Oct 2022: Pay It Off drive" in marks[0].hovertext
    # Oct 1, 2022 sits three quarters through the 2022 bar (2021.5 .. 2022.5).
    assert marks[0].x[2] == pytest.approx(2022.25, abs=0.01)
    assert len(fig.layout.shapes) == 4
    assert fig.layout.yaxis.title.text == "DSS arrears reduced ($)"


def test_program_events_cover_the_brief():
    details = " ".join(e.detail for e in PROGRAM_EVENTS)
    for words in ("Queens and Staten Island", "Families Forward enrollment ends",
                  "Oct 2022", "Jun 2023", "Mar 2024"):
        assert words in details
    assert [e.program for e in events_for(("PAY_IT_OFF",), 2009, 2030)] == ["PAY_IT_OFF"] * 3


def test_arrears_totals_labels_show_people_numbers():
    df = pd.DataFrame({"program": ["ARREARS_CAP"], "arrears_reduced_usd": [284_000_000.0],
                       "ncps_with_reductions": [13640], "avg_reduction_usd": [20821.1]})
    fig = figures.arrears_program_totals(df, title="t")
    assert fig.data[0].text == ("$284.0M · 13,640 NCPs",)
    assert fig.data[0].y == ("Arrears Cap",)


def test_ff_placements_shades_the_enrollment_window():
    df = pd.DataFrame({"month": pd.to_datetime(["2019-01-01", "2023-02-01"]),
                       "placements": [3, 4]})
    fig = figures.ff_placements(df, title="t")
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(rects) == 1
    assert str(rects[0].x0).startswith("2018-01-01") and str(rects[0].x1).startswith("2022-05-31")
    assert any("Enrollment window" in a for a in _annotation_texts(fig))


def test_histograms_come_from_bins():
    wages = pd.DataFrame({"wage_from": [15.0, 16.0], "wage_to": [16.0, 17.0],
                          "placements": [2, 5]})
    fig = figures.ff_wages(wages, title="t")
    assert list(fig.data[0].x) == [15.5, 16.5] and list(fig.data[0].y) == [2, 5]
    days = pd.DataFrame({"days_from": [0, 30], "days_to": [30, 60], "placements": [1, 4]})
    fig = figures.ff_time_to_placement(days, title="t")
    assert list(fig.data[0].customdata) == ["0–29", "30–59"]


def test_referral_funnel_and_flows():
    df = pd.DataFrame({"program": ["PSP", "STEP"], "referred": [10, 4], "enrolled": [8, 2],
                       "graduated": [5, 1], "placed": [2, 1]})
    fig = figures.referral_funnel(df, title="t")
    assert sorted(t.name for t in fig.data) == ["Enrolled", "Graduated", "Placed", "Referred"]
    referred = next(t for t in fig.data if t.name == "Referred")
    assert list(referred.x) == [4, 10]  # bottom-up: PSP on top
    flows = pd.DataFrame({"source": ["self", "family_court", "self"],
                          "program": ["PSP", "PSP", "STEP"], "referrals": [3, 2, 1]})
    fig = figures.referral_flows(flows, title="t")
    sankey = fig.data[0]
    assert sankey.type == "sankey"
    assert list(sankey.node.label) == ["Family Court", "Self-referred",
                                       "Parent Support Program",
                                       "Support Through Employment Program"]
    assert sum(sankey.link.value) == 6


def test_builders_are_deterministic():
    df = _by_year(["PSP"], [2020, 2021], new_enrollments=[3, 4])
    assert figures.new_enrollments(df, "t").to_json() == figures.new_enrollments(df, "t").to_json()


def test_sparkline_has_no_axes():
    df = pd.DataFrame({"year": [2020, 2021], "graduates": [1, 2]})
    fig = figures.sparkline(df, "graduates")
    assert fig.layout.xaxis.visible is False and fig.layout.height == 56
    assert len(figures.sparkline(pd.DataFrame(), "graduates").data) == 0


# -- builders skip plotly's validation; these checks stand in for it -------------------------
def _strict_json(fig: go.Figure) -> dict:
    """The figure rebuilt with plotly's validation (raises on any invalid property), as the
    JSON the browser gets (parsed: key order aside)."""
    return json.loads(go.Figure(fig.to_dict()).to_json())


def _json(fig: go.Figure) -> dict:
    return json.loads(fig.to_json())


@pytest.fixture(scope="module")
def demo_wh(demo_warehouse):
    from warehouse.query import Warehouse

    return Warehouse(demo_warehouse)


@pytest.mark.parametrize("search", ["", "?from=2018&to=2018&program=PSP",
                                    "?from=2012&to=2020&borough=Bronx"])
def test_every_chart_is_valid_plotly_and_unchanged_by_validation(demo_wh, search):
    from charts.registry import CHARTS, chart_figure
    from dashboard.url_state import parse_search

    filters = demo_wh.resolve(parse_search(search, demo_wh.data_years()))
    drawn = 0
    for chart_id in CHARTS:
        fig = chart_figure(chart_id, demo_wh, filters)
        drawn += bool(fig.data)
        # Equal JSON: no property that validation would rename, coerce or reject (a misspelt
        # key, a magic-underscore name like marker_color, a value of the wrong type).
        assert _json(fig) == _strict_json(fig), chart_id
    if not search:
        assert drawn == len(CHARTS)  # the demo has data for every chart


@pytest.mark.parametrize("builder, columns", EMPTY_CASES, ids=lambda x: getattr(x, "__name__", ""))
def test_empty_figures_are_valid_plotly(builder, columns):
    fig = builder(pd.DataFrame(columns=columns), title="t")
    assert _json(fig) == _strict_json(fig)


def test_a_misspelt_property_is_caught_by_the_strict_rebuild():
    fig = figures.as_figure(figures.spec([{"type": "bar", "x": [1], "y": [2], "colour": "red"}],
                                          {"xaxis": {"tickformt": "d"}}))
    assert _json(fig)["data"][0]["colour"] == "red"  # unvalidated: passed on as written
    with pytest.raises(ValueError):
        _strict_json(fig)


@pytest.mark.parametrize("rows, cols, secondary, h, v", [
    (1, 5, False, 0.06, 0.3), (1, 1, True, 0.1, 0.3), (4, 2, True, 0.1, 0.1882),
    (3, 2, True, 0.1, 0.25), (2, 3, False, 0.2, 0.1),
])
def test_subplot_grid_matches_make_subplots(rows, cols, secondary, h, v):
    from plotly.subplots import make_subplots

    titles = [f"panel {i}" for i in range(rows * cols - 1)]  # one panel without a title
    reference = make_subplots(rows=rows, cols=cols, subplot_titles=titles,
                              horizontal_spacing=h, vertical_spacing=v,
                              specs=[[{"secondary_y": secondary}] * cols] * rows)
    axes, annotations, refs = figures.subplot_grid(rows, cols, titles, horizontal_spacing=h,
                                                   vertical_spacing=v, secondary_y=secondary)
    want = reference.layout.to_plotly_json()
    assert set(axes) == {k for k in want if k[1:5] == "axis"}
    for key, axis in axes.items():
        assert axis.keys() == want[key].keys(), key
        assert axis.get("domain") == pytest.approx(want[key].get("domain")), key
        assert {k: v for k, v in axis.items() if k != "domain"} == {
            k: v for k, v in want[key].items() if k != "domain"}, key
    assert len(annotations) == len(want.get("annotations", []))
    for mine, theirs in zip(annotations, want.get("annotations", []), strict=True):
        assert mine["text"] == theirs["text"]
        assert (mine["x"], mine["y"]) == pytest.approx((theirs["x"], theirs["y"]))
    # The trace references of each panel, as make_subplots hands them out.
    for i, ref in enumerate(refs):
        r, c = divmod(i, cols)
        sub = reference.get_subplot(r + 1, c + 1, secondary_y=False)
        assert ref[:2] == (sub.xaxis.plotly_name.replace("axis", ""),
                           sub.yaxis.plotly_name.replace("axis", ""))
