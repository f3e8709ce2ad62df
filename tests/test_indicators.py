"""Targets (record kind `targets`) and `outcomes indicators`, through the real loader and CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from etl.load import load_files
from tests.cli import run_cli
from tests.read_only import read_only
from warehouse.indicators import IN_PROGRESS, MET, NOT_MET, status

HEADER = "program,metric,period,target,direction,note"


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def cli(*args: str) -> str:
    return run_cli(*args, check=True).stdout  # in process (tests/cli.py)


def rows(wh: Path, sql: str) -> list[tuple]:
    with read_only(wh) as con:
        return con.execute(sql).fetchall()


@pytest.mark.parametrize(("row", "reason"), [
    ("Basket Weaving,graduates,FY2024,10,up,", "unknown program"),
    ("STEP,happiness,FY2024,10,up,", "unknown metric"),
    ("STEP,graduates,2024-03,10,up,", "unknown period form"),
    ("STEP,graduates,FY24,10,up,", "unknown period form"),
    ("STEP,graduates,FY2024,ten,up,", "malformed amount"),
    ("STEP,graduates,FY2024,-5,up,", "negative target"),
    ("STEP,graduates,FY2024,10,sideways,", "invalid direction"),
    ("STEP,graduates,FY2024,,up,", "missing target"),
])
def test_bad_target_rows_are_rejected_with_a_reason(tmp_path, row, reason):
    wh = tmp_path / "wh.duckdb"
    report = load_files([write(tmp_path / "targets.csv", [row])], wh)
    assert report.files[0].kind == "targets"
    assert report.total("rows_rejected") == 1
    assert rows(wh, "SELECT reason FROM rejects") == [(reason,)]
    assert rows(wh, "SELECT count(*) FROM targets") == [(0,)]


def test_targets_load_normalized_and_upsert_on_program_metric_period(tmp_path):
    wh = tmp_path / "wh.duckdb"
    load_files([write(tmp_path / "targets_a.csv", [
        "step,participants_served,fy2024,\"1,200\",UP,a note",
        "all,Graduates,2024-q1,30,down,",
        "Parent Support Program,graduates,FFY2025,70,up,",
    ])], wh)
    assert rows(wh, "SELECT program, metric, period, target::DOUBLE, direction, note "
                    "FROM targets ORDER BY program") == [
        ("ALL", "graduates", "2024-Q1", 30.0, "down", None),
        ("PSP", "graduates", "FFY2025", 70.0, "up", None),
        ("STEP", "participants_served", "FY2024", 1200.0, "up", "a note"),
    ]
    report = load_files([write(tmp_path / "targets_b.csv", [
        "STEP,participants_served,FY2024,1300,up,raised",
        "ALL,graduates,2024-Q1,30,down,",
    ])], wh)
    f = report.files[0]
    assert (f.rows_inserted, f.rows_updated, f.rows_unchanged) == (0, 1, 1)
    assert rows(wh, "SELECT count(*), max(target)::DOUBLE FROM targets") == [(3, 1300.0)]
    # Targets name no participant: the rejects keep no participant key either.
    load_files([write(tmp_path / "targets_c.csv", ["X,graduates,FY2024,1,up,"])], wh)
    assert "participant_key" not in rows(wh, "SELECT row_json FROM rejects")[0][0]


def test_status_by_direction_and_period_end():
    from datetime import date

    through = date(2025, 12, 31)
    assert status(10, 10, "up", "FY2025", through) == MET
    assert status(9, 10, "up", "FY2025", through) == NOT_MET
    assert status(9, 10, "down", "2025-Q4", through) == MET
    assert status(11, 10, "down", "2025", through) == NOT_MET
    assert status(99, 10, "up", "FY2026", through) == IN_PROGRESS
    assert status(99, 10, "up", "FFY2026", through) == IN_PROGRESS


def test_indicators_equal_metrics_for_every_demo_target(demo_warehouse):
    wh = str(demo_warehouse)
    got = json.loads(cli("indicators", "--warehouse", wh, "--format", "json"))
    targets = rows(demo_warehouse, "SELECT program, metric, period FROM targets")
    assert len(got) == len(targets) >= 30
    assert {(r["program"], r["metric"], r["period"]) for r in got} == set(targets)
    assert {r["status"] for r in got} == {MET, NOT_MET, IN_PROGRESS}
    for period in {r["period"] for r in got}:
        metrics = json.loads(cli("metrics", "--warehouse", wh, "--from", period, "--to",
                                 period, "--total", "--format", "json"))
        by_program = {m["program"]: m for m in metrics}
        for r in (r for r in got if r["period"] == period):
            assert r["actual"] == by_program[r["program"]][r["metric"]], r


def test_indicators_for_one_program_leave_out_the_all_targets(demo_warehouse):
    got = json.loads(cli("indicators", "--warehouse", str(demo_warehouse), "--program", "psp",
                         "--format", "json"))
    assert got and {r["program"] for r in got} == {"PSP"}
    table = cli("indicators", "--warehouse", str(demo_warehouse), "--program", "ARREARS_CAP")
    assert "$" in table and "in progress" in table


def test_indicator_card_shows_small_counts_as_under_the_threshold_when_suppressed():
    import pandas as pd

    from dashboard.pages.indicators import HIDDEN, indicator_card

    rows = pd.DataFrame({"program": ["STEP"] * 2, "metric": ["placements"] * 2,
                         "period": ["FY2024", "FY2025"], "actual": [12.0, 7.0],
                         "target": [10.0, 15.0], "direction": ["up"] * 2,
                         "status": [MET, NOT_MET]})
    hist = pd.DataFrame({"period": ["FY2021", "FY2022", "FY2023", "FY2024", "FY2025"],
                         "actual": [20.0, 30.0, 0.0, 12.0, 7.0]})
    hist["base"] = hist["actual"]
    shown = str(indicator_card("placements", "STEP", rows, hist, suppress=True))
    assert "<11" in shown and "'7'" not in shown and HIDDEN in shown
    assert "'0'" in shown  # zero is not a small cell
    plain = str(indicator_card("placements", "STEP", rows, hist, suppress=False))
    assert "<11" not in plain and "'7'" in plain and "−5" in plain  # 7 - 12


def test_program_scope_keeps_a_period_window_and_leaves_out_all_targets(demo_warehouse):
    from dashboard import scope
    from warehouse.indicators import indicators
    from warehouse.query import Filters, Warehouse

    pat = scope.Access("pat", "viewer", ("PSP", "STEP"))
    f = scope.clamp_filters(Filters(from_period="FY2024", to_period="FY2025"), pat)
    assert (f.programs, f.from_period, f.to_period) == (("PSP", "STEP"), "FY2024", "FY2025")
    got = indicators(Warehouse(demo_warehouse), f.programs)
    assert set(got["program"]) == {"PSP", "STEP"}
