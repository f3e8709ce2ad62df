"""The synthetic demo: published figures through the real ETL and CLI, determinism, funnel."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from etl.demo import build_demo, generate, metrics
from etl.demo.generation import build_records
from tests.cli import cli_json
from tests.conftest import duckdb_default_threads
from tests.read_only import read_only

PUBLISHED = [  # (program, from, to, metric, published value, tolerance)
    ("ARREARS_CAP", 2009, 2023, "ncps_with_reductions", 13_640, 0),
    ("ARREARS_CAP", 2009, 2023, "arrears_reduced_usd", 284_000_000, 500_000),
    ("ARREARS_CREDIT", 2011, 2023, "ncps_with_reductions", 5_142, 0),
    ("ARREARS_CREDIT", 2011, 2023, "arrears_reduced_usd", 87_000_000, 500_000),
    ("PAY_IT_OFF", 2013, 2023, "ncps_with_reductions", 4_317, 0),
    ("PAY_IT_OFF", 2013, 2023, "arrears_reduced_usd", 19_000_000, 500_000),
    ("PSP", 2011, 2023, "participants_served", 2_658, 0),
    ("PSP", 2011, 2023, "graduates", 580, 0),
]


@pytest.fixture(scope="module")
def warehouse(demo_warehouse) -> Path:
    """The scale-1 demo, built once per session by conftest's demo_warehouse (which sets a fixed
    test OUTCOMES_HMAC_KEY for the whole test process)."""
    assert os.environ.get("OUTCOMES_HMAC_KEY"), "conftest must set a test pseudonymization key"
    return demo_warehouse


def cli_metrics(warehouse: Path, *args: str) -> list[dict]:
    return cli_json("metrics", "--warehouse", str(warehouse), *args)


def sql(warehouse: Path, query: str) -> list[tuple]:
    with read_only(warehouse) as con:
        return con.execute(query).fetchall()


@pytest.mark.parametrize(("program", "y0", "y1", "metric", "published", "tolerance"), PUBLISHED)
def test_published_figures(warehouse, program, y0, y1, metric, published, tolerance):
    rows = cli_metrics(warehouse, "--from", str(y0), "--to", str(y1), "--program", program)
    assert [r["program"] for r in rows] == [program]
    assert abs(rows[0][metric] - published) <= tolerance


def test_families_forward_served_in_published_range(warehouse):
    (row,) = cli_metrics(warehouse, "--from", "2018", "--to", "2022", "--program",
                         "FAMILIES_FORWARD")
    assert 400 <= row["participants_served"] <= 450


def test_meta_marks_the_dataset(warehouse):
    meta = dict(sql(warehouse, "SELECT key, value FROM meta"))
    assert meta["dataset"] == "synthetic_demo"
    assert meta["demo_seed"] == "20240101"


def test_good_files_load_without_rejects_or_warnings(warehouse):
    """Every quirky-but-valid spelling in the good files (MM/DD/YYYY, "$20,500.50", "Kings",
    "arrears-cap", ...) loads; only the quality sample produces rejects and warnings."""
    files = {f for (f,) in sql(warehouse, "SELECT file_name FROM rejects UNION "
                                          "SELECT file_name FROM warnings")}
    assert files and all("quality_sample" in f for f in files)


def test_quality_sample_rejects_each_bad_row_kind(warehouse):
    reasons = {r for (r,) in sql(warehouse, "SELECT DISTINCT reason FROM rejects")}
    for expected in ("conflicting duplicate id", "exited_on before enrolled_on", "zero amount",
                     "unknown program", "program not allowed for placements",
                     "unparseable enrolled_on"):
        assert expected in reasons
    rules = {r for (r,) in sql(warehouse, "SELECT DISTINCT rule FROM warnings")}
    assert {"invalid borough", "invalid hourly_wage"} <= rules


def test_placements_have_an_earlier_enrollment_in_that_program(warehouse):
    (orphans,) = sql(warehouse, """
        SELECT count(*) FROM placements p
        WHERE NOT EXISTS (
            SELECT 1 FROM enrollments e
            WHERE e.participant_key = p.participant_key AND e.program = p.program
              AND e.enrolled_on <= p.placed_on)""")[0]
    assert orphans == 0


def test_enrollment_spans_and_referral_links_are_consistent(warehouse):
    (bad_spans,) = sql(warehouse, """
        SELECT count(*) FROM enrollments
        WHERE exited_on < enrolled_on
           OR (outcome = 'active') <> (exited_on IS NULL)""")[0]
    assert bad_spans == 0
    (bad_links,) = sql(warehouse, """
        SELECT count(*) FROM enrollments e LEFT JOIN referrals r USING (referral_id)
        WHERE e.referral_id IS NOT NULL
          AND (r.referral_id IS NULL OR r.participant_key <> e.participant_key
               OR r.program <> e.program OR r.referred_on > e.enrolled_on)""")[0]
    assert bad_links == 0
    (late,) = sql(warehouse, """
        SELECT count(*) FROM (
            SELECT enrolled_on d FROM enrollments UNION ALL SELECT exited_on FROM enrollments
            UNION ALL SELECT referred_on FROM referrals UNION ALL SELECT applied_on
            FROM arrears_reductions UNION ALL SELECT placed_on FROM placements)
        WHERE d > DATE '2025-12-31'""")[0]
    assert late == 0


def test_psp_onward_funnel_shrinks(warehouse):
    """PSP case-manager referrals -> enrollments -> graduates -> placed, each smaller."""
    referred, enrolled, graduated, placed = sql(warehouse, """
        SELECT (SELECT count(*) FROM referrals WHERE source = 'psp_case_manager'),
               count(*),
               count(*) FILTER (WHERE e.outcome = 'graduated'),
               count(DISTINCT e.participant_key) FILTER (WHERE EXISTS (
                   SELECT 1 FROM placements p WHERE p.participant_key = e.participant_key
                     AND p.program = e.program AND p.placed_on >= e.enrolled_on))
        FROM enrollments e JOIN referrals r USING (referral_id)
        WHERE r.source = 'psp_case_manager'""")[0]
    assert referred > enrolled > graduated > placed > 0


def test_business_rules_hold_in_good_data(warehouse):
    (under_floor,) = sql(warehouse, """
        SELECT count(*) FROM arrears_reductions
        WHERE program = 'ARREARS_CAP' AND amount > 0
          AND dss_balance_before - amount <> 500""")[0]
    assert under_floor == 0
    (ff_outside,) = sql(warehouse, """
        SELECT count(*) FROM enrollments WHERE program = 'FAMILIES_FORWARD'
          AND enrolled_on NOT BETWEEN DATE '2018-01-01' AND DATE '2022-05-31'""")[0]
    assert ff_outside == 1  # the quality sample's warning-only row, and nothing else
    (boroughs,) = sql(warehouse, """
        SELECT count(DISTINCT e.borough) FROM enrollments e
        JOIN arrears_reductions a USING (participant_key)
        WHERE e.program IN ('ORDER_MODIFICATION', 'MEDIATION')""")[0]
    assert boroughs == 5  # the borough filter has something to show for arrears programs


def file_hashes(paths: list[Path]) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def test_same_seed_same_files(tmp_path):
    # A quarter of the demo's volume: the same generator, a quarter of the time.
    first = generate(tmp_path / "a", seed=11, scale=0.25)
    second = generate(tmp_path / "b", seed=11, scale=0.25)
    other = generate(tmp_path / "c", seed=12, scale=0.25)
    assert file_hashes(first[0] + first[1]) == file_hashes(second[0] + second[1])
    assert file_hashes(first[0]) != file_hashes(other[0])


@pytest.mark.slow  # a second scale-1 demo build; the fast tier keeps test_same_seed_same_files
def test_same_seed_same_metrics(warehouse, tmp_path):
    with duckdb_default_threads():  # as `warehouse` was built: DuckDB's own thread count
        build_demo(tmp_path / "again.duckdb")
    assert cli_metrics(tmp_path / "again.duckdb", "--by", "year") == cli_metrics(
        warehouse, "--by", "year")


def test_parquet_holds_the_same_records_as_csv(tmp_path):
    csv_good, _ = generate(tmp_path / "csv", seed=5, scale=0.05)
    pq_good, pq_bad = generate(tmp_path / "pq", seed=5, scale=0.05, fmt="parquet")
    assert [p.suffix for p in pq_good + pq_bad] == [".parquet"] * 10  # 5 kinds, 2 files each
    for c, p in zip(csv_good, pq_good, strict=True):
        convert = pacsv.ConvertOptions(strings_can_be_null=True,
                                       column_types=dict.fromkeys(pq.read_schema(p).names,
                                                                  "string"))
        assert pacsv.read_csv(c, convert_options=convert).equals(pq.read_table(p))


@pytest.mark.parametrize("scale", [0.1, 2.5])
def test_scale_multiplies_the_calibrated_volumes(scale):
    data = build_records(20240101, scale)
    cap = metrics(data, "ARREARS_CAP")
    assert cap["ncps_with_reductions"] == round(13_640 * scale)
    assert abs(cap["arrears_reduced_usd"] - 284_000_000 * scale) < 500_000 * max(scale, 1)
    assert metrics(data, "PSP")["graduates"] == round(580 * scale)
