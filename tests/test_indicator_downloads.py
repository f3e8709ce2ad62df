"""The Indicators page's CSV and XLSX downloads against `outcomes indicators --format csv`, on
the demo warehouse: same rows, columns and values; the program filter and the user's program
scope applied; small actuals suppressed."""

from __future__ import annotations

import base64
import csv
import io
import json

import flask
import pytest
from openpyxl import load_workbook

from charts.style import program_name
from dashboard import scope
from dashboard.indicator_downloads import HEADERS, indicator_rows, indicators_download
from tests.test_indicators import cli
from warehouse.metrics import METRICS
from warehouse.query import open_warehouse


@pytest.fixture(scope="module")
def wh(demo_warehouse):
    return open_warehouse(demo_warehouse)


def _bytes(payload: dict) -> bytes:
    return base64.b64decode(payload["content"]) if payload.get("base64") else \
        payload["content"].encode()


def _csv_table(data: bytes) -> str:
    """The table of a CSV download: after the "#" header block and its blank line."""
    text = data.decode("utf-8-sig").replace("\r\n", "\n")
    head, sep, table = text.partition("\n\n")
    assert sep and all(line.startswith(("#", '"#')) for line in head.splitlines())
    return table


def _cli_csv(demo_warehouse, *programs: str) -> str:
    args = [a for p in programs for a in ("--program", p)]
    return cli("indicators", "--warehouse", str(demo_warehouse), *args, "--format", "csv")


@pytest.mark.parametrize("programs", [(), ("STEP",), ("ARREARS_CAP", "PSP")])
def test_csv_download_is_the_cli_output(wh, demo_warehouse, programs):
    search = "?" + "&".join(f"program={p}" for p in programs)
    payload = indicators_download("csv", search, wh)
    expected = _cli_csv(demo_warehouse, *programs)
    assert len(expected.splitlines()) > 1  # targets to compare
    assert _csv_table(_bytes(payload)) == expected
    assert payload["filename"].endswith(".csv")


@pytest.mark.parametrize("programs", [(), ("ARREARS_CAP", "STEP")])
def test_xlsx_download_has_the_cli_rows_readably(wh, demo_warehouse, programs):
    search = "?" + "&".join(f"program={p}" for p in programs)
    ws = load_workbook(io.BytesIO(_bytes(indicators_download("xlsx", search, wh))))["Data"]
    rows = list(ws.iter_rows(values_only=False))
    head = next(i for i, r in enumerate(rows) if r[0].value == HEADERS["program"])
    assert [c.value for c in rows[head]] == list(HEADERS.values())
    body = rows[head + 1:]
    expected = list(csv.DictReader(io.StringIO(_cli_csv(demo_warehouse, *programs))))
    assert len(body) == len(expected)
    for cells, want in zip(body, expected, strict=True):
        program, metric, period, actual, target, direction, status = cells
        assert program.value == ("All programs" if want["program"] == "ALL"
                                 else program_name(want["program"]))
        assert metric.value == METRICS[want["metric"]].label
        assert (period.value, direction.value, status.value) == (
            want["period"], want["direction"], want["status"])
        assert actual.value == pytest.approx(float(want["actual"]))
        assert target.value == pytest.approx(float(want["target"]))
        money = METRICS[want["metric"]].unit == "usd"
        for cell in (actual, target):
            assert cell.number_format == ("$#,##0.00" if money else "#,##0"), want


def test_downloads_follow_the_users_program_scope(wh, demo_warehouse):
    pat = scope.Access("pat", "viewer", ("PSP", "STEP"))
    with flask.Flask(__name__).test_request_context("/"):
        flask.g.outcomes_access = pat
        # No program asked: all of the user's, and no ALL target (it covers every program).
        mine = _csv_table(_bytes(indicators_download("csv", "", wh)))
        # A program outside the scope is dropped: again all of the user's.
        other = _csv_table(_bytes(indicators_download("csv", "?program=ARREARS_CAP", wh)))
        one = _csv_table(_bytes(indicators_download("csv", "?program=STEP", wh)))
    assert mine == other == _cli_csv(demo_warehouse, "PSP", "STEP")
    assert {r["program"] for r in csv.DictReader(io.StringIO(mine))} == {"PSP", "STEP"}
    assert one == _cli_csv(demo_warehouse, "STEP")


def test_small_actuals_are_suppressed_in_the_download(wh, demo_warehouse):
    """With a threshold above some actuals, those (and only those) show as "<n": a count by its
    own value, a dollar figure by the people it rests on (`outcomes metrics` over the period)."""
    got = json.loads(cli("indicators", "--warehouse", str(demo_warehouse), "--format", "json"))
    n = 100
    rows = indicator_rows(wh, (), min_count=n)
    assert len(rows) == len(got)
    base_of = {}
    for period in {r["period"] for r in got}:
        metrics = json.loads(cli("metrics", "--warehouse", str(demo_warehouse), "--from",
                                 period, "--to", period, "--total", "--format", "json"))
        base_of[period] = {m["program"]: m for m in metrics}
    hidden = 0
    for shown, want in zip(rows.itertuples(), got, strict=True):
        metric = METRICS[want["metric"]]
        base = base_of[want["period"]][want["program"]][metric.base_count or want["metric"]]
        if 0 < base < n:
            hidden += 1
            assert shown.actual == f"<{n}", want
        else:
            assert shown.actual == want["actual"], want
    assert hidden  # the threshold hides some (the demo's FY2026 counts are under 100)
