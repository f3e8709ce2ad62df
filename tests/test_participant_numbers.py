"""Participant numbers (pid) in the facts: the participant key -> pid map the load keeps
(warehouse/build.py, assign_pids), the loads that select their participants by it, and the
numbering of a warehouse written before the facts carried it."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from etl.load import load_files
from tests.test_etl import table, write
from tests.test_metrics_properties import (
    MODEL_TABLES,
    SETTINGS,
    model_tables,
    record_sets,
    write_files,
)
from warehouse.build import build_models

FACTS = ("enrollments", "referrals", "placements", "arrears_reductions")


def numbers_are_consistent(wh: Path) -> None:
    """One number per participant key and no two keys per number; every fact row carries its
    participant's number."""
    assert table(wh, "SELECT count(DISTINCT participant_key) = count(*) AND "
                     "count(DISTINCT pid) = count(*) AS ok FROM metric_participants")["ok"][0]
    for fact in FACTS:
        wrong = table(wh, f"""SELECT count(*) AS n FROM {fact} f
            LEFT JOIN metric_participants m USING (participant_key)
            WHERE f.pid IS NULL OR m.pid IS DISTINCT FROM f.pid""")["n"][0]
        assert wrong == 0, fact


def full_rebuild(wh: Path, tmp: Path) -> dict:
    """The model tables a full build of wh's facts gives (on a copy)."""
    full = tmp / "full.duckdb"
    shutil.copyfile(wh, full)
    con = duckdb.connect(str(full))
    build_models(con, None)
    con.close()
    return model_tables(full)


def assert_models_equal_a_full_build(wh: Path, tmp: Path) -> None:
    got, expected = model_tables(wh), full_rebuild(wh, tmp)
    for t in MODEL_TABLES:
        pd.testing.assert_frame_equal(got[t], expected[t], check_dtype=False, obj=t)


def test_a_participant_in_two_nightly_files_gets_one_number(tmp_path):
    wh = tmp_path / "w.duckdb"
    load_files([write(tmp_path, "enrollments_1.csv",
                      ["E1,P1,PSP,2020-01-01,,,Bronx,", "E2,P2,STEP,2020-02-01,,,Queens,"])], wh)
    load_files([write(tmp_path, "referrals_2.csv", ["R1,P1,PSP,2019-12-01,self,Bronx"]),
                write(tmp_path, "placements_2.csv", ["L1,P1,PSP,2020-06-01,retail,18.00,"]),
                write(tmp_path, "enrollments_2.csv", ["E3,P3,PSP,2020-03-01,,,Bronx,"])], wh)
    numbers_are_consistent(wh)
    pids = table(wh, """SELECT participant_key, count(DISTINCT pid) AS numbers, min(pid) AS pid
        FROM (SELECT participant_key, pid FROM enrollments UNION ALL
              SELECT participant_key, pid FROM referrals UNION ALL
              SELECT participant_key, pid FROM placements) GROUP BY 1""")
    assert len(pids) == 3 and (pids["numbers"] == 1).all()
    assert sorted(pids["pid"]) == [1, 2, 3]  # the third participant got the next number
    assert_models_equal_a_full_build(wh, tmp_path)


def test_reloading_a_file_changes_no_number_and_no_row(tmp_path):
    wh = tmp_path / "w.duckdb"
    files = [write(tmp_path, "enrollments.csv", ["E1,P1,PSP,2020-01-01,,,Bronx,R1",
                                                 "E2,P2,STEP,2020-02-01,,,,"]),
             write(tmp_path, "referrals.csv", ["R1,P1,PSP,2019-12-01,self,Bronx"]),
             write(tmp_path, "arrears_reductions.csv", ["A1,P2,ARREARS_CAP,2020-03-01,500,"])]
    load_files(files, wh)
    snapshot = {t: table(wh, f"SELECT * FROM {t} ORDER BY ALL")
                for t in (*FACTS, "metric_participants")}
    models = model_tables(wh)
    load_files(files, wh)
    for t, before in snapshot.items():
        pd.testing.assert_frame_equal(
            table(wh, f"SELECT * FROM {t} ORDER BY ALL"), before, obj=t)
    after = model_tables(wh)
    for t in MODEL_TABLES:
        pd.testing.assert_frame_equal(after[t], models[t], obj=t)


def test_an_enrollment_naming_another_participants_referral(tmp_path):
    """referral_cohorts follows a referral named by someone else's enrollment, loaded later,
    and unnamed again later (the load finds the naming enrollments by number)."""
    wh = tmp_path / "w.duckdb"
    load_files([write(tmp_path, "referrals_1.csv", ["R1,P1,PSP,2019-12-01,self,Bronx"]),
                write(tmp_path, "placements_1.csv", ["L1,P2,PSP,2020-06-01,retail,18.00,"])],
               wh)
    load_files([write(tmp_path, "enrollments_2.csv",
                      ["E1,P2,PSP,2020-01-01,2020-05-01,graduated,Queens,R1"])], wh)
    funnel = table(wh, "SELECT referred, enrolled, graduated FROM referral_cohorts")
    assert funnel.values.tolist() == [[1, 1, 1]]
    assert_models_equal_a_full_build(wh, tmp_path)
    load_files([write(tmp_path, "enrollments_3.csv",
                      ["E1,P2,PSP,2020-01-01,2020-05-01,graduated,Queens,"])], wh)
    funnel = table(wh, "SELECT referred, enrolled, graduated FROM referral_cohorts")
    assert funnel.values.tolist() == [[1, 0, 0]]
    assert_models_equal_a_full_build(wh, tmp_path)


def test_a_warehouse_without_numbers_is_numbered_once(tmp_path):
    """A warehouse written before the facts carried pid (model version 4): the next load
    numbers every participant and rebuilds the models, as a new warehouse would hold them."""
    old, new = tmp_path / "old.duckdb", tmp_path / "new.duckdb"
    first = [write(tmp_path, "enrollments.csv", ["E1,P1,PSP,2020-01-01,,,Bronx,R1",
                                                 "E2,P2,STEP,2020-02-01,,,,"]),
             write(tmp_path, "referrals.csv", ["R1,P1,PSP,2019-12-01,self,Bronx",
                                               "R2,P3,STEP,2019-11-01,self,"])]
    load_files(first, old)
    con = duckdb.connect(str(old))
    for fact in FACTS:
        con.execute(f"ALTER TABLE {fact} DROP COLUMN pid")
    con.execute("ALTER TABLE participant_boroughs DROP COLUMN pid")
    con.execute("DELETE FROM metric_participants WHERE pid > 1")  # the old map lacked some
    con.execute("UPDATE meta SET value = '5' WHERE key = 'model_version'")
    con.close()
    second = [write(tmp_path, "placements.csv", ["L1,P2,STEP,2020-06-01,retail,18.00,"])]
    load_files(second, old)
    numbers_are_consistent(old)
    load_files(first, new)
    load_files(second, new)
    got, expected = model_tables(old), model_tables(new)
    for t in MODEL_TABLES:
        pd.testing.assert_frame_equal(got[t].drop(columns="pid", errors="ignore"),
                                      expected[t].drop(columns="pid", errors="ignore"),
                                      check_dtype=False, obj=t)


@SETTINGS
@given(batches=st.lists(record_sets(), min_size=2, max_size=3), reload=st.booleans())
def test_random_nightly_batches_keep_numbers_and_models_exact(tmp_path_factory, batches,
                                                               reload):
    """Random batches loaded one after another (the first again at the end, or not): the
    numbers stay consistent and the models equal a full build of the result."""
    base = tmp_path_factory.mktemp("batches")
    wh = base / "w.duckdb"
    folders = [write_files(base / f"b{i}", rows) for i, rows in enumerate(batches)]
    for files in folders + ([folders[0]] if reload else []):
        load_files(files, wh)
        numbers_are_consistent(wh)
    assert_models_equal_a_full_build(wh, base)
