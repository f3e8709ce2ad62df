"""Small-cell suppression: small cells are hidden, and no total gives them back by subtraction."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from warehouse.suppression import (
    TOTAL,
    is_suppressed,
    marker,
    suppress_metrics,
    suppress_table,
    suppression_mask,
    total_row_lines,
    with_total_row,
)


def _num(v):
    return None if is_suppressed(v) else float(v)


def assert_no_recovery(out: pd.DataFrame, raw: pd.DataFrame, label_col: str, cols,
                       group_cols=()) -> None:
    """For every column and group with a Total row: the shown cells never pin down a hidden
    one, i.e. each (members + total) line has no hidden cell or at least two."""
    groups = out.groupby(list(group_cols), sort=False) if group_cols else [(None, out)]
    for _, g in groups:
        is_total = g[label_col].astype(str) == TOTAL
        for c in cols:
            hidden = int(g[c].map(is_suppressed).sum())
            assert hidden != 1, f"column {c}: one hidden cell is recoverable\n{g}"
            if hidden == 0:
                members = g.loc[~is_total, c].map(float).sum()
                assert members == pytest.approx(g.loc[is_total, c].map(float).sum())


def test_primary_counts_and_zero():
    df = pd.DataFrame({"program": ["A", "B", "C", "D"], "n": [0, 1, 10, 11]})
    out = suppress_table(df, ["n"], min_count=11)
    assert list(out["n"]) == [0, "<11", "<11", 11]


def test_threshold_from_setting(monkeypatch):
    monkeypatch.setenv("OUTCOMES_SUPPRESS_MIN", "5")
    df = pd.DataFrame({"program": ["A", "B"], "n": [4, 5]})
    assert list(suppress_table(df, ["n"])["n"]) == ["<5", 5]
    assert marker() == "<5"
    with pytest.raises(ValueError):
        suppress_table(df, ["n"], min_count=0)


def test_money_rests_on_its_base_count():
    df = pd.DataFrame({
        "program": ["A", "B", "C", "D"],
        "usd": [5000.0, 80_000.0, 0.0, -300.0],
        "ncps": [3, 40, 0, 0],  # D: only reversals, no NCP with a net reduction
    })
    out = suppress_table(df, ["ncps"], {"usd": "ncps"}, min_count=11)
    assert list(out["usd"]) == ["<11", 80_000.0, 0.0, "<11"]
    assert list(out["ncps"]) == ["<11", 40, 0, 0]


def test_total_row_complementary_in_every_column():
    raw = pd.DataFrame({
        "program": ["A", "B", "C", "D"],
        "served": [5, 120, 40, 0],
        "grads": [30, 2, 0, 0],  # the hidden cell's only non-zero neighbour must go too
        "refs": [50, 60, 70, 80],  # nothing small: nothing hidden
    })
    table = with_total_row(raw, "program", ["served", "grads", "refs"])
    out = suppress_table(table, ["served", "grads", "refs"], totals=[("program", TOTAL)],
                         key_cols=["program"], min_count=11)
    assert list(out["served"]) == ["<11", 120, "<11", 0, 165]  # 40 is the next-smallest
    assert list(out["grads"]) == ["<11", "<11", 0, 0, 32]
    assert list(out["refs"]) == [50, 60, 70, 80, 260]
    assert_no_recovery(out, table, "program", ["served", "grads", "refs"])


def test_total_is_hidden_when_no_other_member_can_be():
    raw = pd.DataFrame({"program": ["A", "B"], "usd": [900.0, 0.0], "ncps": [4, 0]})
    table = with_total_row(raw, "program", ["usd", "ncps"])
    out = suppress_table(table, ["ncps"], {"usd": "ncps"}, totals=[("program", TOTAL)],
                         key_cols=["program"])
    assert list(out["usd"]) == ["<11", 0.0, "<11"]
    assert list(out["ncps"]) == ["<11", 0, "<11"]


def test_by_year_with_window_totals_and_grand_total():
    # Long table: program x year, each program's window total (year "Total"), and a Total
    # program row per year: hidden cells may not be recovered along either direction.
    rng = np.random.default_rng(7)
    rows = []
    for p, y in itertools.product(["A", "B", "C"], [2019, 2020, 2021]):
        rows.append({"program": p, "year": y, "n": int(rng.choice([0, 3, 8, 25, 60]))})
    raw = pd.DataFrame(rows)
    raw.loc[0, "n"], raw.loc[4, "n"] = 2, 14
    long = with_total_row(raw, "year", ["n"], group_cols=["program"])
    long = with_total_row(long, "program", ["n"], group_cols=["year"])
    out = suppress_table(long, ["n"], totals=[("year", TOTAL), ("program", TOTAL)],
                         key_cols=["program", "year"])
    assert_no_recovery(out, long, "year", ["n"], group_cols=["program"])
    assert_no_recovery(out, long, "program", ["n"], group_cols=["year"])
    # Every small raw cell is hidden.
    small = long["n"].between(1, 10)
    assert out.loc[small, "n"].map(is_suppressed).all()


def test_total_columns_wide_table():
    wide = pd.DataFrame({"program": ["A", "B"], "2020": [4, 30], "2021": [50, 12],
                         "2022": [0, 70]})
    wide["Total"] = wide[["2020", "2021", "2022"]].sum(axis=1)
    out = suppress_table(wide, ["2020", "2021", "2022", "Total"],
                         total_cols={"Total": ["2020", "2021", "2022"]})
    assert list(out.iloc[0]) == ["A", "<11", "<11", 0, 54]
    assert list(out.iloc[1]) == ["B", 30, 12, 70, 112]


def test_derived_ratios_hidden_with_inputs():
    df = pd.DataFrame({"program": ["A", "B"], "participants_served": [200, 100],
                       "graduates": [5, 40], "arrears_reduced_usd": [0.0, 0.0],
                       "ncps_with_reductions": [0, 0]})
    df["graduation_rate"] = df["graduates"] / df["participants_served"]
    out = suppress_metrics(df)
    assert out.loc[0, "graduation_rate"] == "<11"
    assert out.loc[1, "graduation_rate"] == pytest.approx(0.4)


def test_mask_lines_fixed_point_terminates_on_chain():
    # A chain of lines where each complementary pick creates a new singleton in another line.
    df = pd.DataFrame({"k": ["a", "b", "c", TOTAL], "x": [3, 20, 30, 53], "y": [40, 50, 5, 95]})
    lines = total_row_lines(df, "k", ["x", "y"])
    mask = suppression_mask(df, ["x", "y"], lines=lines)
    assert mask["x"].sum() >= 2 and mask["y"].sum() >= 2


# -- on a real (tiny) warehouse ----------------------------------------------------------------
def _write(path, header, rows):
    path.write_text(header + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n")
    return path


@pytest.fixture
def tiny_warehouse(tmp_path, monkeypatch):
    """Three programs: STEP with 30 participants, JOBS_PLUS with 3 (a small cell on purpose),
    ARREARS_CAP with 12 NCPs and ARREARS_CREDIT with 4 (a small dollar base)."""
    from etl.load import load_files
    from tests.conftest import TEST_HMAC_KEY

    monkeypatch.setenv("OUTCOMES_HMAC_KEY", TEST_HMAC_KEY)
    enr, ref, arr = [], [], []
    for i in range(30):
        enr.append((f"E{i}", f"P{i}", "STEP", "2021-02-01", "2021-10-01", "graduated",
                    "Bronx", ""))
        ref.append((f"R{i}", f"P{i}", "STEP", "2021-01-15", "family_court", "Bronx"))
    for i in range(3):
        enr.append((f"EJ{i}", f"Q{i}", "JOBS_PLUS", "2021-03-01", "", "", "Queens", ""))
        ref.append((f"RJ{i}", f"Q{i}", "JOBS_PLUS", "2021-02-15", "self", "Queens"))
    for i in range(12):
        arr.append((f"A{i}", f"N{i}", "ARREARS_CAP", "2021-05-01", 1000 + i, 5000))
    for i in range(4):
        arr.append((f"B{i}", f"M{i}", "ARREARS_CREDIT", "2021-06-01", 700, 5000))
    files = [
        _write(tmp_path / "enrollments.csv", "enrollment_id,participant_id,program,enrolled_on,"
               "exited_on,outcome,borough,referral_id", enr),
        _write(tmp_path / "referrals.csv",
               "referral_id,participant_id,program,referred_on,source,borough", ref),
        _write(tmp_path / "arrears_reductions.csv", "adjustment_id,participant_id,program,"
               "applied_on,amount,dss_balance_before", arr),
    ]
    path = tmp_path / "w.duckdb"
    load_files(files, path)
    return path


def test_suppress_metrics_on_warehouse(tiny_warehouse):
    from warehouse.query import Filters, open_warehouse

    wh = open_warehouse(tiny_warehouse)
    df = wh.metrics(Filters(2021, 2021))
    out = suppress_metrics(df).set_index("program")
    assert out.loc["STEP", "participants_served"] == 30
    assert out.loc["JOBS_PLUS", "participants_served"] == "<11"
    assert out.loc["JOBS_PLUS", "referrals"] == "<11"
    assert out.loc["ARREARS_CAP", "ncps_with_reductions"] == 12
    assert out.loc["ARREARS_CREDIT", "ncps_with_reductions"] == "<11"
    assert out.loc["ARREARS_CREDIT", "arrears_reduced_usd"] == "<11"
    assert out.loc["STEP", "arrears_reduced_usd"] == 0  # zero stays zero
    # Nothing in the output is a small number.
    for v in out.to_numpy().ravel():
        if isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool):
            assert v == 0 or abs(v) >= 11


def test_suppress_metrics_with_total_row_on_warehouse(tiny_warehouse):
    from warehouse.query import Filters, open_warehouse

    wh = open_warehouse(tiny_warehouse)
    df = wh.metrics(Filters(2021, 2021))
    cols = [c for c in df.columns if c != "program"]
    table = with_total_row(df, "program", cols)
    out = suppress_metrics(table)
    # JOBS_PLUS' 3 served would be Total - STEP; STEP must be hidden with it.
    assert_no_recovery(out, table, "program", cols)
    served = out.set_index("program")["participants_served"]
    assert served["JOBS_PLUS"] == "<11" and served["STEP"] == "<11"
    usd = out.set_index("program")["arrears_reduced_usd"]
    assert usd["ARREARS_CREDIT"] == "<11" and usd["ARREARS_CAP"] == "<11"


def test_cli_metrics_suppress(tiny_warehouse, capsys):
    from outcomes.cli import main

    assert main(["metrics", "--warehouse", str(tiny_warehouse), "--from", "2021", "--to",
                 "2021", "--suppress", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    lines = {ln.split(",")[0]: ln.split(",") for ln in out.strip().splitlines()}
    assert lines["JOBS_PLUS"][1] == "<11"
    assert lines["ARREARS_CREDIT"][-2:] == ["<11", "<11"]
    assert main(["metrics", "--warehouse", str(tiny_warehouse), "--from", "2021", "--to",
                 "2021", "--suppress", "--min-count", "3"]) == 0
    out = capsys.readouterr().out
    assert "<3" not in out  # JOBS_PLUS' 3 and ARREARS_CREDIT's 4 are at/above threshold 3
