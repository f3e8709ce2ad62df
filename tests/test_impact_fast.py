"""The Impact query's fast path (queries/impact_cells.sql over the cells of
models/impact_members.sql) against THE definition (queries/impact.sql, over the facts), on
generated records loaded through the real loader: after a first load (a full build of the
models) and after a second one that changes, adds and re-sends records of some participants
(an incremental build), for random windows, program and borough filters and N.

The definition itself is held to a plain reading of docs/metrics.md by tests/test_impact.py.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.load import load_files
from tests.tiers import examples
from warehouse.build import IMPACT_CELL_MONTHS
from warehouse.query import Filters, Warehouse

PROGRAMS = ("PSP", "STEP", "PAY_IT_OFF")
BOROUGHS = ("Bronx", "Queens", "")  # "": none on the record (the participant's, or unknown)
BASE = 2020 * 12  # 2020-01 as a month index


def day(month: int, d: int) -> str:
    return date(month // 12, month % 12 + 1, d).isoformat()


@st.composite
def records(draw, prefix: str, people: int):
    """Enrollments, referrals (several to one program, some on one day or in one month) and
    support months of up to `people` participants; ids start with `prefix`."""
    enrollments, referrals, months = [], [], []
    for i in range(draw(st.integers(1, people))):
        pid = f"P{draw(st.integers(0, people))}"
        for j in range(draw(st.integers(0, 2))):
            enrollments.append((f"{prefix}E{i}.{j}", pid, draw(st.sampled_from(PROGRAMS)),
                                day(BASE + draw(st.integers(0, 30)), draw(st.integers(1, 3))),
                                draw(st.sampled_from(BOROUGHS))))
        for j in range(draw(st.integers(0, 3))):
            referrals.append((f"{prefix}R{i}.{j}", pid, draw(st.sampled_from(PROGRAMS)),
                              day(BASE + draw(st.integers(0, 30)), draw(st.integers(1, 3))),
                              draw(st.sampled_from(BOROUGHS))))
        for m in draw(st.sets(st.integers(-30, 60), max_size=25)):
            months.append((pid, f"{(BASE + m) // 12}-{(BASE + m) % 12 + 1:02d}",
                           draw(st.sampled_from(["0.00", "150.00", "250.50"])),
                           draw(st.sampled_from(["0.00", "100.00", "250.50"])),
                           draw(st.sampled_from(["", "0.00", "20.00"]))))
    return enrollments, referrals, months


def write(folder: Path, data) -> list[Path]:
    enrollments, referrals, months = data
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "enrollments.csv": pd.DataFrame(enrollments, columns=[
            "enrollment_id", "participant_id", "program", "enrolled_on", "borough"]),
        "referrals.csv": pd.DataFrame(referrals, columns=[
            "referral_id", "participant_id", "program", "referred_on", "borough"]),
        "support_months.csv": pd.DataFrame(months, columns=[
            "participant_id", "month", "current_support_due", "current_support_paid",
            "arrears_paid"]).drop_duplicates(["participant_id", "month"]),
    }
    paths = []
    for name, df in files.items():
        if name == "support_months.csv":
            df = df.assign(arrears_balance="1000.00")
        if len(df):
            df.to_csv(folder / name, index=False)
            paths.append(folder / name)
    return paths


QUERIES = st.tuples(
    st.integers(BASE - 3, BASE + 32),  # first month of the window
    st.integers(0, 30),  # its length - 1
    st.lists(st.sampled_from(PROGRAMS), max_size=2, unique=True),
    st.lists(st.sampled_from(["Bronx", "Queens", "Unknown"]), max_size=2, unique=True),
    st.sampled_from([1, 2, 5, 12, IMPACT_CELL_MONTHS]))


def assert_fast_equals_definition(path: Path, queries) -> None:
    wh = Warehouse(path)
    assert wh.impact_cell_months() == IMPACT_CELL_MONTHS
    for first, length, programs, boroughs, n in queries:
        f = wh.resolve(Filters(programs=tuple(programs), boroughs=tuple(boroughs)))
        args = dict(from_month=first, to_month=first + length, months=n)
        fast = wh.query("impact", f, cells=True, **args)
        definition = wh.query("impact", f, cells=False, **args)
        pd.testing.assert_frame_equal(fast, definition)


@settings(max_examples=examples(25), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(first=records("A", 8), second=records("A", 8),
       queries=st.lists(QUERIES, min_size=1, max_size=4))
def test_impact_cells_equal_the_definition_after_full_and_incremental_builds(
        first, second, queries):
    if not first[0] and not first[1]:
        return  # the loader needs a program record to start a warehouse
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        wh = folder / "w.duckdb"
        load_files(write(folder / "one", first), wh)
        assert_fast_equals_definition(wh, queries)
        # The second load re-sends ids of the first with other values (same prefix), adds
        # records, and may bring support months alone.
        paths = write(folder / "two", second)
        if paths:
            load_files(paths, wh)
            assert_fast_equals_definition(wh, queries)


def test_impact_uses_the_cells_up_to_their_months_and_the_definition_beyond(tmp_path):
    enrollments = [("E1", "P1", "PSP", "2020-03-02", "Bronx")]
    referrals = [("R1", "P2", "PSP", "2020-04-02", ""), ("R2", "P2", "PSP", "2020-02-02", "")]
    months = [("P1", f"20{y}-{m:02d}", "100.00", "50.00", "") for y in (19, 20) for m in
              range(1, 13)] + [("P2", "2021-12", "10.00", "10.00", "")]
    load_files(write(tmp_path / "f", (enrollments, referrals, months)), tmp_path / "w.duckdb")
    wh = Warehouse(tmp_path / "w.duckdb")
    near = wh.impact(Filters(from_year=2020, to_year=2020), months=IMPACT_CELL_MONTHS)
    far = wh.impact(Filters(from_year=2020, to_year=2020), months=IMPACT_CELL_MONTHS + 1)
    assert near["participants"].tolist() == [1, 1]  # P1 enrolled; P2 compared, from 2020-02
    assert far["participants"].tolist() == [1, 1]
    # P2's one support month is 22 months after entry: within N either way.
    assert near["after_parents"].tolist() == far["after_parents"].tolist() == [1, 1]
    assert (near.drop(columns="compliance_change").equals(far.drop(columns="compliance_change")))
