"""Data-derived strings are text, never markup or formulas: a file name, a reason or a value
from an agency file shows as it is on the dashboard (not as Markdown) and is escaped in the
CLI's CSV the same way as in the dashboard's downloads."""

from __future__ import annotations

import csv
import io
import re

import pytest

from exports.tables import FORMULA_STARTS

HOSTILE_NAME = "=HYPERLINK(0) _a_ ~~b~~ www.example.test"


@pytest.fixture(scope="module")
def hostile_warehouse(tmp_path_factory):
    """A warehouse with a load of a file whose name is a formula and Markdown, with one
    rejected row whose values are formulas too."""
    from etl.load import load_files
    from tests.conftest import FIXTURES

    d = tmp_path_factory.mktemp("hostile")
    src = (FIXTURES / "small" / "enrollments.csv").read_text()
    bad = '=HYPERLINK("http://example.test"),@NCP,+PSP,-1,,,,\n'
    path = d / f"{HOSTILE_NAME}.csv"
    path.write_text(src + bad)
    wh = d / "w.duckdb"
    load_files([path], wh, kind="enrollments")
    return wh


def _cli_csv(capsys, *argv) -> list[list[str]]:
    from outcomes.cli import main

    assert main(list(argv)) == 0
    return list(csv.reader(io.StringIO(capsys.readouterr().out)))


@pytest.mark.parametrize("command", [["rejects"], ["loads", "--files"], ["loads"],
                                     ["rejects", "--summary"]])
def test_cli_csv_escapes_formulas(hostile_warehouse, capsys, command):
    rows = _cli_csv(capsys, *command, "--format", "csv", "--warehouse", str(hostile_warehouse))
    cells = [c for row in rows[1:] for c in row]
    assert cells
    formulas = [c for c in cells if c.startswith(FORMULA_STARTS)
                and not re.fullmatch(r"-?\d+(\.\d+)?", c)]  # a negative number is a number
    assert formulas == []
    if command != ["loads"]:  # the file name is there, escaped as the downloads escape it
        assert any(c.startswith("'=HYPERLINK(0)") for c in cells)


def test_table_cells_are_never_markup():
    from dashboard.chart_card import markdown_table

    name = "![t](https://example.test/x.png) <img src=x> [l](javascript:x) **b** `c` www.x.io"
    md = markdown_table({"File": [name], "Rows": ["1,234"]}, ["Rows"])
    body = md.splitlines()[2]
    # No character of the name that Markdown or HTML could read as syntax is left as itself.
    assert not re.search(r"[!\[\]()<>*`_~:/.]", body.replace("&#", "").replace(";", " "))
    # ... and each is a character reference to itself, so the text reads the same.
    import html

    assert html.unescape(body.strip("| ").split(" | ")[0]) == name
    assert "1,234" in body


@pytest.mark.e2e
def test_data_quality_page_shows_file_names_as_text(dash_duo, hostile_warehouse, monkeypatch):
    monkeypatch.setenv("OUTCOMES_WAREHOUSE", str(hostile_warehouse))
    from dashboard.factory import create_app

    dash_duo.start_server(create_app(warm_exports=False))
    dash_duo.driver.get(dash_duo.server_url + "/data-quality")
    # The numbers are in grid tables (Dash AG Grid) behind "Table of these numbers": open them.
    dash_duo.wait_for_element("#table--dq_rejects summary", timeout=30)
    for summary in dash_duo.find_elements(".chart-table summary"):
        summary.click()
    dash_duo.wait_for_element("#table--dq_rejects .ag-cell", timeout=15)
    js = dash_duo.driver.execute_script
    markup = js("return document.querySelectorAll('.chart-table em, .chart-table del, "
                ".chart-table a, .chart-table img, .chart-table strong').length")
    assert markup == 0
    cells = js("return [...document.querySelectorAll('.chart-table .ag-cell')]"
               ".map(e => e.textContent)")
    assert f"{HOSTILE_NAME}.csv" in cells


def test_figure_text_is_never_markup():
    import pandas as pd

    from charts import figures

    name = '<a href="https://example.test">x</a><img src=x> 100%{y}.csv'
    df = pd.DataFrame({"file_name": [name], "reason": ["<b>bad</b>"], "rows_rejected": [3]})
    trace = figures.dq_rejects.spec(df)["data"][0]
    assert "<" not in trace["name"] and "<" not in trace["y"][0]
    assert trace["name"].startswith("&lt;a href=")
    assert "%{y}.csv" not in trace["hovertemplate"]  # no data-driven substitution either
    warn = figures.dq_warnings.spec(pd.DataFrame({"rule": ["<i>r</i>"], "kind": ["k"],
                                                  "rows_warned": [1]}))["data"][0]
    assert warn["y"] == ["&lt;i&gt;r&lt;/i&gt;"]
