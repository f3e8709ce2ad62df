"""Property tests: the fast metric query equals THE DEFINITION, and incremental model builds equal
full ones, on records Hypothesis generates.

The definition is warehouse/sql/definitions/program_metrics.sql (a query over the facts); the
fast path is queries/program_metrics.sql on the models of models/program_metrics_model.sql,
both through the cells (one group per row) and through the per-participant tables. Records:
participants in several programs and boroughs (or none), repeated, adjacent and open
enrollments, graduations, placements, arrears reductions and their reversals, across programs
and months, now and then far from today. Windows: any whole months, calendar years, quarters,
NYC and federal fiscal years, broken down by any grain.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.periods import GRAINS
from core.vocabularies import FAMILIES, family_programs
from tests.read_only import read_only
from tests.tiers import examples
from warehouse.query import Filters, Warehouse, read_sql, sql_parameters

PROGRAMS = ("PSP", "STEP", "ARREARS_CAP", "PAY_IT_OFF", "MEDIATION")
DEBT = ("ARREARS_CAP", "PAY_IT_OFF")
BOROUGHS = ("Bronx", "Brooklyn", "Queens", "")
HEADERS = {
    "enrollments": "enrollment_id,participant_id,program,enrolled_on,exited_on,outcome,borough,"
                   "referral_id",
    "referrals": "referral_id,participant_id,program,referred_on,source,borough",
    "placements": "placement_id,participant_id,program,placed_on,sector,hourly_wage,employer",
    "arrears_reductions": "adjustment_id,participant_id,program,applied_on,amount,"
                          "dss_balance_before",
}
BASE = date(2014, 1, 1)

days = st.integers(min_value=-6 * 365, max_value=6 * 365)
far = st.sampled_from([date(1871, 5, 3), date(2150, 2, 1)])


def _day(offset: int) -> str:
    return (BASE + timedelta(days=offset)).isoformat()


@st.composite
def record_sets(draw, id_prefix: str = "", participants: int = 8) -> dict[str, list[str]]:
    """Rows of the four contract files (CSV lines without the header)."""
    rows: dict[str, list[str]] = {k: [] for k in HEADERS}
    n = draw(st.integers(min_value=1, max_value=participants))
    for p in range(n):
        pid = f"P{draw(st.integers(min_value=0, max_value=participants))}"
        mine = draw(st.lists(st.sampled_from(PROGRAMS), min_size=1, max_size=4, unique=True))
        for i in range(draw(st.integers(min_value=0, max_value=4))):
            start = draw(days)
            kind = draw(st.sampled_from(["open", "graduated", "exited", "far"]))
            program, borough = draw(st.sampled_from(mine)), draw(st.sampled_from(BOROUGHS))
            # a referral of their own, someone else's, or none (referral_cohorts follows it)
            link = draw(st.sampled_from(["", f"{id_prefix}R{p}_0", "R0_0", "XR1_1"]))
            if kind == "far":
                on = draw(far)
                rows["enrollments"].append(
                    f"{id_prefix}E{p}_{i},{pid},{program},{on},{on},graduated,{borough},{link}")
                continue
            exited = "" if kind == "open" else _day(start + draw(
                st.integers(min_value=0, max_value=900)))
            outcome = "active" if kind == "open" else kind
            rows["enrollments"].append(f"{id_prefix}E{p}_{i},{pid},{program},{_day(start)},"
                                       f"{exited},{outcome},{borough},{link}")
        for i in range(draw(st.integers(min_value=0, max_value=2))):
            rows["referrals"].append(f"{id_prefix}R{p}_{i},{pid},{draw(st.sampled_from(mine))},"
                                     f"{_day(draw(days))},self,{draw(st.sampled_from(BOROUGHS))}")
        for i in range(draw(st.integers(min_value=0, max_value=3))):
            rows["placements"].append(f"{id_prefix}L{p}_{i},{pid},{draw(st.sampled_from(mine))},"
                                      f"{_day(draw(days))},retail,18.00,")
        for i in range(draw(st.integers(min_value=0, max_value=5))):
            amount = draw(st.sampled_from([100, 250, 400, -100, -250, -400]))
            rows["arrears_reductions"].append(
                f"{id_prefix}A{p}_{i},{pid},{draw(st.sampled_from(DEBT))},{_day(draw(days))},"
                f"{amount},")
    return rows


def write_files(folder: Path, rows: dict[str, list[str]]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for kind, lines in rows.items():
        path = folder / f"{kind}.csv"
        path.write_text("\n".join([HEADERS[kind], *lines]) + "\n")
        out.append(path)
    return out


@st.composite
def windows(draw) -> Filters:
    """A window in any period form (calendar year, quarter, month, FY, FFY)."""

    def name(kind: str, year: int) -> str:
        if kind == "year":
            return str(year)
        if kind == "quarter":
            return f"{year}-Q{draw(st.integers(min_value=1, max_value=4))}"
        if kind == "month":
            return f"{year}-{draw(st.integers(min_value=1, max_value=12)):02d}"
        return f"{kind}{year}"

    kinds = st.sampled_from(["year", "quarter", "month", "FY", "FFY"])
    y0 = draw(st.integers(min_value=2007, max_value=2021))
    y1 = draw(st.integers(min_value=y0 + 1, max_value=2023))
    a, b = name(draw(kinds), y0), name(draw(kinds), y1)
    if draw(st.booleans()) and a.isdigit() and b.isdigit():
        return Filters(int(a), int(b))  # the calendar-year API
    return Filters(from_period=a, to_period=b)


def definition(con, wh: Warehouse, f: Filters, grain, **options) -> pd.DataFrame:
    sql = read_sql("definitions/program_metrics")
    params = wh.query_params("program_metrics", f, grain=grain or "", cells=False, **options)
    return con.execute(sql, {k: v for k, v in params.items() if k in sql_parameters(sql)}).df()


def check_against_definition(path: Path, data) -> int:
    wh = Warehouse(path)
    con = read_only(path)
    rows = 0
    try:
        for _ in range(examples(6)):  # windows per record set
            f = data.draw(windows())
            # Any few programs, or one family's (its total is the family cells' ALL row).
            programs = data.draw(st.one_of(
                st.lists(st.sampled_from(PROGRAMS), max_size=3),
                st.sampled_from([family_programs(family) for family in FAMILIES])))
            f = Filters(f.from_year, f.to_year, tuple(programs),
                        tuple(data.draw(st.lists(st.sampled_from((*BOROUGHS[:3], "Unknown")),
                                              max_size=2))),
                        f.from_period, f.to_period)
            grain = data.draw(st.sampled_from([None, *GRAINS]))
            for with_total, by_borough, cumulative in itertools.product([False, True], repeat=3):
                options = dict(with_total=with_total, by_borough=by_borough,
                               cumulative=cumulative)
                expected = definition(con, wh, f, grain, **options)
                single = wh.cells_answer(wh.resolve(f), with_total, by_borough)
                for cells in ({single, False}):
                    got = wh.query("program_metrics", f, grain=grain or "", cells=cells,
                                   **options)
                    pd.testing.assert_frame_equal(got, expected, check_dtype=False,
                                                  check_exact=True,
                                                  obj=f"{f} {grain} {options} cells={cells}")
                rows += len(expected)
    finally:
        con.close()
    return rows


SETTINGS = settings(max_examples=examples(20), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(rows=record_sets(), data=st.data())
def test_fast_query_equals_the_definition(tmp_path_factory, rows, data):
    from etl.load import load_files

    base = tmp_path_factory.mktemp("prop")
    path = base / "w.duckdb"
    load_files(write_files(base / "files", rows), path)
    check_against_definition(path, data)


PID_TABLES = ("metric_mixed_spans", "metric_mixed_arrears", "metric_reversals")
MODEL_TABLES = ("participant_boroughs", *PID_TABLES, "metric_additive", "metric_cells",
                "metric_simple_cells", "enrollment_cohorts", "referral_cohorts",
                "ff_placements")


def model_tables(path: Path) -> dict[str, pd.DataFrame]:
    """The model tables, the pid-keyed ones with each participant's key in place of its number
    (numbers differ between builds)."""
    con = read_only(path)
    try:
        # Each participant has one number, and no two share one.
        assert con.execute("SELECT count(DISTINCT participant_key) = count(*) AND "
                           "count(DISTINCT pid) = count(*) FROM metric_participants").fetchone()[0]
        for table in PID_TABLES:  # every row's number is a participant's
            assert not con.execute(f"SELECT count(*) FROM {table} ANTI JOIN metric_participants "
                                   "USING (pid)").fetchone()[0]
        return {t: con.execute(
            f"SELECT m.participant_key, t.* EXCLUDE (pid) FROM {t} t "
            "JOIN metric_participants m USING (pid) ORDER BY ALL" if t in PID_TABLES
            else f"SELECT * FROM {t} ORDER BY ALL").df()
                for t in MODEL_TABLES}
    finally:
        con.close()


@SETTINGS
@given(first=record_sets(), second=record_sets(), overlap=st.booleans(), data=st.data())
def test_incremental_build_equals_a_full_build(tmp_path_factory, first, second, overlap, data):
    """A second load (new rows, and rows that change stored ones: other participants, programs,
    dates) updates the models incrementally to exactly what a full build of the result gives."""
    import shutil

    from etl.load import load_files
    from warehouse.build import build_models

    base = tmp_path_factory.mktemp("incr")
    path = base / "w.duckdb"
    load_files(write_files(base / "a", first), path)
    if not overlap:  # else the same ids again: updates and moves
        second = {k: [line.replace(",P", ",Q", 1) if i % 2 else "X" + line
                      for i, line in enumerate(v)] for k, v in second.items()}
    load_files(write_files(base / "b", second), path)
    con = read_only(path)
    assert con.execute("SELECT count(*) FROM loads").fetchone()[0] == 2
    con.close()
    full = base / "full.duckdb"
    shutil.copyfile(path, full)
    con = duckdb.connect(str(full))
    build_models(con, None)
    con.close()
    incremental, rebuilt = model_tables(path), model_tables(full)
    for table in MODEL_TABLES:
        pd.testing.assert_frame_equal(incremental[table], rebuilt[table], check_dtype=False,
                                      obj=table)
    check_against_definition(path, data)


@settings(SETTINGS, max_examples=examples(8))
@given(rows=record_sets(), data=st.data())
def test_reversal_ncps_at_query_time_equal_the_definition(tmp_path_factory, rows, data):
    """With the cap on a reversal NCP's months at 2 (REVERSAL_CELL_MONTHS), most NCPs with a
    reversal are summed at query time (metric_reversals), the others are cells: both exact."""
    from unittest import mock

    from etl.load import load_files
    from warehouse import build

    base = tmp_path_factory.mktemp("rev")
    path = base / "w.duckdb"
    with mock.patch.object(build, "REVERSAL_CELL_MONTHS", 2):
        load_files(write_files(base / "files", rows), path)
    check_against_definition(path, data)


def test_family_totals_are_family_cells_equal_to_the_definition(small_warehouse, fresh_copy):
    """A family's programs with the ALL row (the dashboard's family cards) take the cells path,
    on the family's cells, and equal the definition under every option; the models of another
    version have no family cells, so the general path answers there."""
    wh = Warehouse(small_warehouse)
    con = read_only(small_warehouse)
    try:
        for family, grain in itertools.product(FAMILIES, [None, "fiscal-year"]):
            for boroughs, by_borough in itertools.product([(), ("Bronx",), ("Unknown",)],
                                                          [False, True]):
                f = wh.resolve(Filters(programs=family_programs(family), boroughs=boroughs))
                assert wh.cells_answer(f, with_total=True, by_borough=by_borough)
                options = dict(with_total=True, by_borough=by_borough, cumulative=False)
                got = wh.query("program_metrics", f, grain=grain or "", cells=True, **options)
                pd.testing.assert_frame_equal(got, definition(con, wh, f, grain, **options),
                                              check_dtype=False, check_exact=True)
    finally:
        con.close()
    # Two programs of a family, or of two families: not a family's cells.
    f = wh.resolve(Filters(programs=("PSP", "STEP")))
    assert not wh.cells_answer(f, with_total=True, by_borough=False)
    older = fresh_copy(small_warehouse)
    con = duckdb.connect(str(older))
    con.execute("UPDATE meta SET value = '6' WHERE key = 'model_version'")
    con.close()
    old = Warehouse(older)
    employment = old.resolve(Filters(programs=family_programs(FAMILIES[0])))
    assert not old.cells_answer(employment, with_total=True, by_borough=False)
    assert old.cells_answer(employment, with_total=False, by_borough=False)
