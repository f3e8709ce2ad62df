"""Every metric on the small fixture warehouse, on windows that cut through enrollments.

Expected values are worked out by hand from tests/fixtures/small (see the comments).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from outcomes.cli import METRIC_COLUMNS
from tests.cli import run_cli
from warehouse.query import Filters, Warehouse, WarehouseMissing

cli = run_cli  # in process (tests/cli.py); the entry point's own test is below


def metrics(wh, **filters) -> pd.DataFrame:
    return Warehouse(wh).metrics(Filters(**filters)).set_index("program")


def test_window_2011_2012(small_warehouse):
    m = metrics(small_warehouse, from_year=2011, to_year=2012)
    # PSP: E1 (2010-06..2012-03), E2 (2011), E3 (2012-05, open) overlap; E1 graduated 2012-03.
    assert m.loc["PSP", ["participants_served", "new_enrollments", "graduates", "referrals"]
                 ].tolist() == [3, 2, 1, 0]
    # STEP: E4 starts 2012-06 and graduates 2013; referrals R2 (2012) and R3 (2011).
    assert m.loc["STEP", ["participants_served", "new_enrollments", "graduates", "referrals"]
                 ].tolist() == [1, 1, 0, 2]
    # Arrears Cap: NCP-008's 15,000 is reversed in the same window (net 0: not counted).
    assert m.loc["ARREARS_CAP", "arrears_reduced_usd"] == pytest.approx(12345.67)
    assert m.loc["ARREARS_CAP", "ncps_with_reductions"] == 1
    assert m.loc["ARREARS_CREDIT", ["arrears_reduced_usd", "ncps_with_reductions"]].tolist() == [
        5000, 1]
    # Programs with records outside the window are listed with zeros.
    assert m.loc["PAY_IT_OFF"].sum() == 0 and m.loc["FAMILIES_FORWARD"].sum() == 0
    assert list(m.index) == ["PSP", "STEP", "FAMILIES_FORWARD", "ARREARS_CAP", "ARREARS_CREDIT",
                             "PAY_IT_OFF", "MEDIATION"]


def test_window_that_splits_a_reversal_from_its_original(small_warehouse):
    # 2011 alone holds both NCP-008 adjustments: net zero. 2010..2011 adds NCP-007's 20,000.
    m = metrics(small_warehouse, from_year=2010, to_year=2011, programs=("ARREARS_CAP",))
    assert m.loc["ARREARS_CAP", ["arrears_reduced_usd", "ncps_with_reductions"]].tolist() == [
        20000, 1]


def test_distinct_counts_over_the_window_are_not_sums_of_years(small_warehouse):
    wh = Warehouse(small_warehouse)
    by_year = wh.metrics(Filters(2011, 2012, ("PSP",)), by_year=True)
    assert by_year[["year", "participants_served"]].values.tolist() == [[2011, 2], [2012, 2]]
    assert wh.metrics(Filters(2011, 2012, ("PSP",)))["participants_served"].tolist() == [3]


def test_participant_with_two_enrollments_counts_once(small_warehouse):
    # NCP-003: E3 (2012-05, open) and E7 (2014, graduated) both overlap 2014.
    m = metrics(small_warehouse, from_year=2014, to_year=2014, programs=("PSP",))
    assert m.loc["PSP", ["participants_served", "new_enrollments", "graduates"]].tolist() == [
        1, 1, 1]


def test_all_programs_row_counts_each_participant_once(small_warehouse):
    m = Warehouse(small_warehouse).metrics(Filters(2011, 2012), with_total=True)
    m = m.set_index("program")
    # NCP-001 is served by PSP and STEP: once in the ALL row, not twice.
    assert m.loc["PSP", "participants_served"] + m.loc["STEP", "participants_served"] == 4
    assert m.loc["ALL", "participants_served"] == 3
    assert m.loc["ALL", "referrals"] == m.drop("ALL")["referrals"].sum()
    # NCP-009's cap reduction and NCP-001's credit; NCP-008 nets to zero.
    assert m.loc["ALL", "arrears_reduced_usd"] == pytest.approx(17345.67)
    assert m.loc["ALL", "ncps_with_reductions"] == 2
    assert list(m.index)[-1] == "ALL"
    r = cli("metrics", "--warehouse", str(small_warehouse), "--from", "2011", "--to", "2012",
            "--total", "--format", "csv")
    assert pd.read_csv(io.StringIO(r.stdout))["program"].tolist()[-1] == "ALL"


def test_metrics_by_borough(small_warehouse):
    m = Warehouse(small_warehouse).metrics(by_borough=True)
    psp = m[m["program"] == "PSP"].set_index("borough")["participants_served"]
    assert psp.to_dict() == {"Bronx": 1, "Brooklyn": 1, "Manhattan": 1}
    cap = m[m["program"] == "ARREARS_CAP"]
    assert cap["borough"].tolist() == ["Unknown"] and cap["ncps_with_reductions"].sum() == 2


def test_cumulative_windows_start_at_the_beginning_of_the_data(small_warehouse):
    m = Warehouse(small_warehouse).metrics(Filters(2010, 2012, ("ARREARS_CAP",)), by_year=True,
                                           cumulative=True)
    assert m["arrears_reduced_usd"].round(2).tolist() == [20000, 20000, 32345.67]
    assert m["ncps_with_reductions"].tolist() == [1, 1, 2]
    # Each cumulative year equals the plain metric over [first year of data, that year].
    plain = Warehouse(small_warehouse).metrics(Filters(2010, 2011, ("ARREARS_CAP",)))
    assert plain["arrears_reduced_usd"].tolist() == [20000]


def test_placements_and_participants_placed(small_warehouse):
    m = metrics(small_warehouse, from_year=2019, to_year=2020)
    assert m.loc["FAMILIES_FORWARD", ["placements", "participants_placed"]].tolist() == [2, 1]
    assert m.loc["FAMILIES_FORWARD", "participants_served"] == 1  # E6 starts in 2021
    assert m.loc["FAMILIES_FORWARD", "graduates"] == 1
    assert m.loc["STEP", "placements"] == 0


def test_borough_filter_uses_record_or_participant_borough(small_warehouse):
    m = metrics(small_warehouse, boroughs=("Brooklyn",))
    # NCP-001 lives in Brooklyn (from enrollments), so their Arrears Credit counts; the Arrears
    # Cap NCPs have no known borough and drop out.
    assert "ARREARS_CAP" not in m.index
    assert m.loc["ARREARS_CREDIT", "arrears_reduced_usd"] == 10000
    assert m.loc["PSP", "participants_served"] == 1
    assert m.loc["STEP", "referrals"] == 1


def test_participant_borough_follows_later_loads(small_warehouse, fresh_copy, tmp_path):
    from etl.load import load_files

    wh_path = fresh_copy(small_warehouse)
    assert "ARREARS_CAP" not in Warehouse(wh_path).metrics(Filters(boroughs=("Queens",)))[
        "program"].tolist()
    # NCP-007 (Arrears Cap, no borough so far) enrolls in Mediation in Queens.
    extra = tmp_path / "enrollments_new.csv"
    extra.write_text("enrollment_id,participant_id,program,enrolled_on,borough\n"
                     "E99,NCP-007,MEDIATION,2015-01-01,Queens\n")
    load_files([extra], wh_path)
    m = Warehouse(wh_path).metrics(Filters(boroughs=("Queens",))).set_index("program")
    assert m.loc["ARREARS_CAP", "arrears_reduced_usd"] == 20000
    assert m.loc["PAY_IT_OFF", "ncps_with_reductions"] == 1


@pytest.mark.parametrize("first, second", [("Bronx", "Queens"), ("Queens", "Bronx")])
def test_participant_borough_ties_are_settled_the_same_way_every_build(tmp_path, first, second):
    """Two enrollments on the same day in different boroughs: whatever their order in the file,
    the participant's borough is the same one (the last in alphabetical order)."""
    import duckdb

    from etl.load import load_files

    src = tmp_path / "enrollments.csv"
    src.write_text("enrollment_id,participant_id,program,enrolled_on,borough\n"
                   f"E1,NCP-1,PSP,2015-01-01,{first}\nE2,NCP-1,STEP,2015-01-01,{second}\n")
    wh_path = tmp_path / "wh.duckdb"
    load_files([src], wh_path)
    con = duckdb.connect(str(wh_path), read_only=True)
    assert con.execute("SELECT borough FROM participant_boroughs").fetchall() == [("Queens",)]


def test_default_window_is_all_data(small_warehouse):
    wh = Warehouse(small_warehouse)
    assert wh.data_years() == (2010, 2021)
    m = metrics(small_warehouse)
    assert m.loc["ARREARS_CAP", "arrears_reduced_usd"] == pytest.approx(32345.67)
    assert m.loc["ARREARS_CAP", "ncps_with_reductions"] == 2
    assert m.loc["PSP", ["participants_served", "graduates"]].tolist() == [3, 2]


def test_cli_csv_columns_and_rows(small_warehouse):
    r = cli("metrics", "--warehouse", str(small_warehouse), "--from", "2011", "--to", "2012",
            "--format", "csv")
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(io.StringIO(r.stdout))
    assert list(df.columns) == METRIC_COLUMNS
    assert df.set_index("program").loc["PSP", "participants_served"] == 3


def test_cli_by_year_has_every_year_and_year_first(small_warehouse):
    r = cli("metrics", "--warehouse", str(small_warehouse), "--from", "2011", "--to", "2013",
            "--by", "year", "--program", "arrears cap", "--program", "PSP", "--format", "csv")
    df = pd.read_csv(io.StringIO(r.stdout))
    assert list(df.columns) == ["year"] + METRIC_COLUMNS
    assert df[["year", "program"]].values.tolist() == [
        [2011, "PSP"], [2011, "ARREARS_CAP"], [2012, "PSP"], [2012, "ARREARS_CAP"],
        [2013, "PSP"], [2013, "ARREARS_CAP"]]


def test_cli_json_and_table(small_warehouse):
    r = cli("metrics", "--warehouse", str(small_warehouse), "--program", "ARREARS_CAP",
            "--format", "json")
    rows = json.loads(r.stdout)
    assert rows[0]["program"] == "ARREARS_CAP" and rows[0]["arrears_reduced_usd"] == 32345.67
    table = cli("metrics", "--warehouse", str(small_warehouse), "--program", "ARREARS_CAP")
    assert "$32,345.67" in table.stdout


@pytest.mark.parametrize("args,message", [
    (["--program", "Underwater Basket Weaving"], "unknown program"),
    (["--borough", "Hoboken"], "unknown borough"),
    (["--from", "2020", "--to", "2010"], "after"),
])
def test_cli_rejects_bad_filters(small_warehouse, args, message):
    r = cli("metrics", "--warehouse", str(small_warehouse), *args)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_missing_warehouse_is_a_clear_error_and_not_created(tmp_path):
    path = tmp_path / "nowhere.duckdb"
    for command in ("metrics", "loads", "rejects"):
        r = cli(command, "--warehouse", str(path))
        assert r.returncode == 2 and "No warehouse" in r.stderr and "Traceback" not in r.stderr
    assert not path.exists()
    with pytest.raises(WarehouseMissing):
        Warehouse(path).metrics()


def test_a_duckdb_file_that_is_not_a_warehouse_is_a_clear_error(tmp_path):
    import duckdb

    path = tmp_path / "other.duckdb"
    duckdb.connect(str(path)).close()
    r = cli("metrics", "--warehouse", str(path))
    assert r.returncode == 2 and "Rebuild it" in r.stderr and "Traceback" not in r.stderr


def test_warehouse_from_environment(small_warehouse):
    """The installed `outcomes` entry point in a process of its own, with a bare environment."""
    env = {"OUTCOMES_WAREHOUSE": str(small_warehouse), "PATH": "/usr/bin:/bin",
           "OUTCOMES_HMAC_KEY": "x"}
    outcomes = Path(sys.executable).parent / "outcomes"
    r = subprocess.run([str(outcomes), "metrics", "--format", "csv"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0 and "ARREARS_CAP" in r.stdout


@pytest.mark.parametrize("command", ["load", "metrics", "loads", "rejects", "demo", "serve"])
def test_every_command_has_help(command):
    r = cli(command, "--help")
    assert r.returncode == 0 and "--warehouse" in r.stdout


def test_rejects_and_loads_commands(tmp_path):
    from etl.load import load_files

    wh = tmp_path / "w.duckdb"
    path = tmp_path / "enrollments.csv"
    path.write_text("enrollment_id,participant_id,program,enrolled_on\nE1,P1,Nope,2020-01-01\n"
                    "E2,P2,PSP,2020-01-01\n")
    load_files([path], wh)
    r = cli("rejects", "--warehouse", str(wh), "--format", "csv")
    df = pd.read_csv(io.StringIO(r.stdout))
    assert df[["file_name", "line", "reason"]].values.tolist() == [
        ["enrollments.csv", 2, "unknown program"]]
    r = cli("loads", "--warehouse", str(wh), "--format", "json")
    assert json.loads(r.stdout)[0]["rows_rejected"] == 1


def test_cache_follows_the_warehouse_version(tmp_path):
    from etl.load import load_files

    wh_path = tmp_path / "w.duckdb"
    first = tmp_path / "referrals_1.csv"
    first.write_text("referral_id,participant_id,program,referred_on\nR1,P1,STEP,2020-01-01\n")
    load_files([first], wh_path)
    wh = Warehouse(wh_path)
    assert wh.metrics()["referrals"].tolist() == [1]
    second = tmp_path / "referrals_2.csv"
    second.write_text("referral_id,participant_id,program,referred_on\nR2,P2,STEP,2020-02-01\n")
    load_files([second], wh_path)
    assert wh.metrics()["referrals"].tolist() == [2]
