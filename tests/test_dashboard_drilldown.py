"""Drill-down from a chart click, and the sortable grid tables."""

from __future__ import annotations

import pytest
from dash import no_update

from charts.registry import CHARTS, chart_spec
from dashboard.drilldown import clicked_program, drill_search, on_chart_click
from warehouse.query import Filters, open_warehouse


@pytest.fixture
def small(small_warehouse, monkeypatch):
    monkeypatch.setenv("OUTCOMES_WAREHOUSE", str(small_warehouse))
    return open_warehouse(small_warehouse)


def _click(spec: dict, curve: int, **point) -> dict:
    return {"points": [{"curveNumber": curve, "pointNumber": 0, **point}]}


@pytest.mark.parametrize("chart_id", ["program_summary", "served_vs_graduates",
                                      "arrears_by_year", "arrears_totals", "new_enrollments",
                                      "referral_funnel", "served_by_borough",
                                      "cohort_completion", "ncps_by_year"])
def test_a_click_on_any_program_chart_names_its_program(small, chart_id):
    spec = chart_spec(chart_id, small, Filters(2009, 2023))
    hits = set()
    for i, trace in enumerate(spec["data"]):
        if trace.get("type") not in ("bar", "scatter") or trace.get("hoverinfo") == "skip":
            continue
        ys = trace.get("y")
        y = ys[0] if trace.get("orientation") == "h" and ys is not None and len(ys) else 1
        code = clicked_program(_click(spec, i, x=2015, y=y), spec)
        if trace.get("name", "").startswith("Program events"):
            continue
        assert code is not None, (chart_id, trace.get("name"))
        hits.add(code)
    assert hits


def test_drill_search_keeps_the_other_filters_and_suppression():
    search = "?from=2009&to=2023&borough=Bronx&suppress=1"
    assert drill_search(search, "PSP") == "?from=2009&to=2023&program=PSP&borough=Bronx&suppress=1"
    assert drill_search("?program=PSP", "PSP") is None  # already there: no new history entry
    assert drill_search(search, None) is None


def test_on_chart_click_uses_the_clicked_graph(small):
    spec = chart_spec("program_summary", small, Filters(2009, 2023))
    bar = spec["data"][0]
    click = _click(spec, 0, y=bar["y"][-1], x=1)
    out = on_chart_click([None, click], [None, spec], "?from=2009&to=2023", trigger_index=1)
    assert out.startswith("?from=2009&to=2023&program=")
    assert on_chart_click([None], [None], "", trigger_index=0) is no_update
    assert on_chart_click([], [], "", trigger_index=3) is no_update


def test_grid_tables_sort_numbers_and_show_card_formats(small):
    from charts.registry import chart_data
    from dashboard.chart_card import table_view

    df = chart_data("arrears_totals", small, Filters(2009, 2023))
    grid = table_view("arrears_totals", df)
    cols = {c["headerName"]: c for c in grid.columnDefs}
    money = cols["DSS arrears reduced"]
    assert "d3.format('$,.0f')" in money["valueFormatter"]["function"]
    assert cols["Program"]["filter"] == "agTextColumnFilter"
    first = grid.rowData[0]
    assert isinstance(first[money["field"]], (int, float))  # numbers, so sorting is numeric
    assert grid.defaultColDef["sortable"] and grid.defaultColDef["floatingFilter"]
    assert all(c.id in CHARTS for c in CHARTS.values())


def test_annotations_file_notes_are_drawn_on_time_axes(small, tmp_path, monkeypatch):
    from charts.events import annotations, events_for

    notes = tmp_path / "annotations.csv"
    notes.write_text("date,note,program\n2020-03-16,Offices closed,\n"
                     "2015-07-01,New referral form,Arrears Cap\nnot a date,skipped,\n"
                     "2016-01-01,Unknown program,Basket Weaving\n")
    monkeypatch.setenv("OUTCOMES_ANNOTATIONS", str(notes))
    assert [e.label for e in annotations()] == ["New referral form", "Offices closed"]
    # A note for every program shows under any program filter; a program's only under its own.
    assert "Offices closed" in [e.label for e in events_for(("PSP",), 2009, 2023)]
    assert "New referral form" not in [e.label for e in events_for(("PSP",), 2009, 2023)]
    spec = chart_spec("arrears_by_year", small, Filters(2009, 2023))
    marker = [t for t in spec["data"] if str(t.get("name", "")).startswith("Program events")]
    assert any("Mar 2020: Offices closed" in h for h in marker[0]["hovertext"])
    monkeypatch.setenv("OUTCOMES_ANNOTATIONS", str(tmp_path / "none.csv"))
    assert annotations() == ()


def test_xlsx_download_is_readable(small):
    import io

    from openpyxl import load_workbook

    from exports.chart_files import chart_file

    wb = load_workbook(io.BytesIO(chart_file("served_vs_graduates", small, Filters(2009, 2023),
                                             "xlsx", suppress=False)))
    ws = wb["Data"]
    rows = [[c for c in row] for row in ws.iter_rows()]
    head = next(i for i, row in enumerate(rows) if row[0].value == "Year")
    assert [c.value for c in rows[head]] == ["Year", "Program", "Participants served",
                                             "Graduates", "Graduation rate"]
    first = rows[head + 1]
    assert first[0].number_format == "0" and isinstance(first[0].value, int)
    assert first[1].value == "Parent Support Program" or " " in first[1].value
    rates = [r[4] for r in rows[head + 1:] if isinstance(r[4].value, float)]
    assert rates and all(c.number_format == "0.0%" for c in rates)
    wb = load_workbook(io.BytesIO(chart_file("arrears_totals", small, Filters(2009, 2023),
                                             "xlsx", suppress=False)))
    cells = [c for row in wb["Data"].iter_rows() for c in row]
    money = [c for c in cells if isinstance(c.value, float) and c.number_format.startswith("$")]
    assert money
    about = [c.value for row in wb["About"].iter_rows() for c in row if c.value]
    assert any("arrears_reduced_usd" == v for v in about)  # definitions still listed
