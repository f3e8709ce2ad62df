"""Enrollments outside a program's life (warehouse/sql/queries/outside_life.sql): counted by
participants_served as the definition says, and said wherever Families Forward's figure is
shown. Checked against the facts (the enrollments table read directly), on a warehouse with
Families Forward enrollments before, inside and after its life, and on the demo."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from charts.lives import life_dates, outside_life, outside_life_note
from etl.load import load_files
from tests.conftest import SMALL_FILES
from tests.read_only import read_only
from warehouse.query import Filters, open_warehouse

FF = "FAMILIES_FORWARD"
HEADER = "enrollment_id,participant_id,program,enrolled_on,exited_on,outcome,borough,referral_id"
# Before the life, inside it, after it; one parent with enrollments inside and after it; one
# still open after it; one with no borough.
ROWS = [
    "L1,LIFE-001,FAMILIES_FORWARD,2017-03-01,2017-09-30,exited,Bronx,",
    "L2,LIFE-002,FAMILIES_FORWARD,2019-02-01,2019-11-30,graduated,Queens,",
    "L3,LIFE-002,FAMILIES_FORWARD,2023-01-10,2023-06-30,exited,Queens,",
    "L4,LIFE-003,FAMILIES_FORWARD,2024-04-01,,active,Bronx,",
    "L5,LIFE-004,FAMILIES_FORWARD,2022-12-01,2023-02-28,exited,,",
    "L6,LIFE-005,FAMILIES_FORWARD,2018-05-01,2023-03-31,graduated,Bronx,",
    "L7,LIFE-006,STEP,2023-05-01,2023-08-31,exited,Bronx,",
]
FILTERS = [
    Filters(2010, 2025), Filters(2017, 2017), Filters(2018, 2022), Filters(2023, 2023),
    Filters(2023, 2025), Filters(2024, 2025), Filters(2010, 2025, boroughs=("Bronx",)),
    Filters(2010, 2025, boroughs=("Queens",)), Filters(2010, 2025, boroughs=("Unknown",)),
    Filters(2010, 2025, programs=("STEP",)), Filters(2010, 2025, programs=(FF, "STEP")),
    Filters(from_period="FY2023", to_period="FY2023"),
]


@pytest.fixture(scope="module")
def lives_warehouse(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("lives")
    extra = base / "enrollments_lives.csv"
    extra.write_text("\n".join([HEADER, *ROWS]) + "\n")
    path = base / "lives.duckdb"
    load_files([*SMALL_FILES, extra], path)
    return path


def _facts(path: Path) -> pd.DataFrame:
    """Every enrollment with the borough the filters use (its own, else its parent's)."""
    with read_only(path) as con:
        return con.execute(
            "SELECT e.participant_key, e.program, e.enrolled_on, e.exited_on, "
            "coalesce(e.borough, pb.borough, 'Unknown') AS borough FROM enrollments e "
            "LEFT JOIN participant_boroughs pb USING (participant_key)").df()


def _window(wh, f: Filters) -> tuple[pd.Timestamp, pd.Timestamp]:
    first, last = wh.resolve(f).months()
    return (pd.Timestamp(first // 12, first % 12 + 1, 1),
            pd.Timestamp(last // 12, last % 12 + 1, 1) + pd.offsets.MonthEnd(0))


def _overlaps(d: pd.DataFrame, start, end) -> pd.Series:
    """Enrollment spans (enrolled_on to exited_on, or still open) that overlap [start, end]."""
    exited = pd.to_datetime(d["exited_on"])
    return (pd.to_datetime(d["enrolled_on"]) <= end) & (exited.isna() | (exited >= start))


def _expected(facts: pd.DataFrame, wh, f: Filters) -> tuple[int, int]:
    """(enrollments outside the life, parents served only through them), from the facts."""
    start, end = _window(wh, f)
    d = facts[facts["program"] == FF]
    if f.programs and FF not in f.programs:
        d = d.iloc[0:0]
    if f.boroughs:
        d = d[d["borough"].isin(f.boroughs)]
    served = d[_overlaps(d, start, end)]
    life_start, life_end = (pd.Timestamp(x) for x in life_dates(FF))
    on = pd.to_datetime(served["enrolled_on"])
    outside = (on < life_start) | (on > life_end)
    inside_keys = set(served.loc[~outside, "participant_key"])
    only = set(served.loc[outside, "participant_key"]) - inside_keys
    return int(outside.sum()), len(only)


@pytest.mark.parametrize("f", FILTERS, ids=str)
def test_outside_life_counts_equal_the_facts(lives_warehouse, f):
    wh = open_warehouse(lives_warehouse)
    got = outside_life(wh, wh.resolve(f), FF)
    assert (got.enrollments, got.participants) == _expected(_facts(lives_warehouse), wh, f)


def test_served_loses_exactly_the_parents_only_outside_the_life(lives_warehouse):
    """participants_served (the one definition) counts them: leave out the enrollments outside
    the life and served drops by participants_only_outside."""
    wh = open_warehouse(lives_warehouse)
    facts = _facts(lives_warehouse)
    life_start, life_end = (pd.Timestamp(x) for x in life_dates(FF))
    for f in FILTERS[:6]:
        r = wh.resolve(replace_programs(f))
        served = int(wh.metrics(r).set_index("program").loc[FF, "participants_served"])
        d = facts[facts["program"] == FF]
        on = pd.to_datetime(d["enrolled_on"])
        inside = d[_overlaps(d, *_window(wh, r)) & (on >= life_start) & (on <= life_end)]
        assert served - outside_life(wh, r, FF).participants == inside["participant_key"].nunique()


def replace_programs(f: Filters) -> Filters:
    from dataclasses import replace

    return replace(f, programs=(FF,))


def test_note_says_how_many_and_hides_small_counts(lives_warehouse):
    wh = open_warehouse(lives_warehouse)
    f = wh.resolve(Filters(2010, 2025))
    n = outside_life(wh, f, FF).enrollments
    assert n > 1
    plain = outside_life_note(wh, f, FF, suppress=False)
    assert f"includes {n} enrollments outside the program's life" in plain
    assert "Jan 1, 2018 to May 31, 2022" in plain and "enrolled Mar 1, 2017" in plain
    hidden = outside_life_note(wh, f, FF, suppress=True)
    assert "includes <11 enrollments" in hidden and "2017" not in hidden
    assert outside_life_note(wh, wh.resolve(Filters(2020, 2021)), FF, suppress=False) is None
    assert outside_life_note(wh, f.__class__(2010, 2025, ("STEP",)), FF, suppress=False) is None
    assert outside_life(wh, f, "STEP") is None  # no life on record: nothing is outside it


# -- the demo: the late enrollment (429 served against 428 in 2018-2022) -------------------------
@pytest.fixture(scope="module")
def demo(demo_warehouse):
    return open_warehouse(demo_warehouse)


def test_demo_late_enrollment_is_counted_and_said(demo, demo_warehouse):
    facts = _facts(demo_warehouse)
    whole, life = demo.resolve(Filters()), demo.resolve(Filters(2018, 2022))
    n, only = _expected(facts, demo, whole)
    assert n >= 1 and (outside_life(demo, whole, FF).enrollments, outside_life(
        demo, whole, FF).participants) == (n, only)
    served = demo.metrics(replace_programs(whole)).set_index("program")["participants_served"]
    in_life = demo.metrics(replace_programs(life)).set_index("program")["participants_served"]
    assert served[FF] - in_life[FF] == only  # the demo's late parents, nothing else
    assert outside_life(demo, life, FF).enrollments == 0


def test_families_forward_page_card_and_overview_notice(demo):
    from dashboard.page_parts import PageContext, with_notices
    from dashboard.pages import families_forward, overview
    from tests.test_dashboard_callbacks import text

    whole = demo.resolve(Filters())
    n = outside_life(demo, whole, FF).enrollments
    body = text(families_forward.body(PageContext(demo, whole, suppress=False)))
    assert f"Includes {n} enrollment" in body and "outside the program's life" in body
    in_life = text(families_forward.body(PageContext(demo, demo.resolve(Filters(2018, 2022)))))
    assert "outside the program's life" not in in_life
    page = text(with_notices("overview", PageContext(demo, whole, suppress=False),
                             overview.body))
    assert f"Families Forward: participants served includes {n} enrollment" in page
    other = text(with_notices("overview", PageContext(demo, demo.resolve(
        Filters(programs=("STEP",)))), overview.body))
    assert "outside the program's life" not in other


def test_report_pack_says_it_in_the_served_and_families_forward_sections(demo):
    from charts.export_context import export_context
    from exports.report import build_sections

    whole = demo.resolve(Filters())
    n = outside_life(demo, whole, FF).enrollments
    ctx = export_context(demo, whole, suppressed=False)
    notes = {s.chart_id: s.note for s in build_sections(demo, whole, ctx=ctx)}
    for cid in ("served_vs_graduates", "ff_placements"):
        assert f"participants served includes {n} enrollment" in notes[cid], cid
    assert "outside the program's life" not in notes["arrears_totals"]
    in_life = demo.resolve(Filters(2018, 2022))
    notes = {s.chart_id: s.note for s in build_sections(
        demo, in_life, ctx=export_context(demo, in_life, suppressed=False))}
    assert "outside the program's life" not in notes["served_vs_graduates"]


def test_outside_life_dates_are_the_vocabulary():
    assert life_dates(FF) == (date(2018, 1, 1), date(2022, 5, 31))


def test_chart_data_downloads_of_served_carry_the_note(demo):
    from exports.chart_files import chart_file

    whole = demo.resolve(Filters())
    for cid in ("served_vs_graduates", "program_summary", "overview_trends"):
        head = chart_file(cid, demo, whole, "csv", suppress=False).decode("utf-8-sig")
        head = head.split("\r\n\r\n")[0]
        n = outside_life(demo, whole, FF).enrollments
        assert f"# Note: Families Forward: participants served includes {n} enrollment" in head
    assert "# Note" not in chart_file("arrears_totals", demo, whole, "csv").decode()
    assert "# Note" not in chart_file("served_vs_graduates", demo,
                                      demo.resolve(Filters(2018, 2022)), "csv").decode()


# -- no enrollment outside the life: the facts need no scan -------------------------------------
def test_a_life_that_holds_every_enrollment_skips_the_scan_with_the_same_result(
        lives_warehouse, monkeypatch):
    """When every enrollment of the program began in a month wholly inside its life
    (plain/enrollment_months.sql), outside_life answers without the query: what the query
    gives (nothing outside) for every filter. A life that starts or ends inside a month where
    enrollments began leaves the query to answer."""
    from charts import lives
    from core.periods import month_end, month_start

    wh = open_warehouse(lives_warehouse)
    months = wh.plain("enrollment_months", program=FF)["month"]
    wide = (month_start(int(months.min())), month_end(int(months.max())))
    assert lives.may_begin_outside(wh, FF, life_dates(FF))
    assert not lives.may_begin_outside(wh, FF, wide)
    assert lives.may_begin_outside(wh, FF, (wide[0].replace(day=2), wide[1]))
    assert lives.may_begin_outside(wh, FF, (wide[0], wide[1].replace(day=27)))
    assert not lives.may_begin_outside(wh, FF, (None, wide[1]))
    monkeypatch.setitem(lives.PROGRAM_PERIODS, FF, tuple(d.isoformat() for d in wide))
    for f in FILTERS:
        r = wh.resolve(f)
        row = wh.query("outside_life", r, program=FF, life_start=wide[0],
                       life_end=wide[1]).iloc[0]
        got = outside_life(wh, r, FF)
        assert (got.enrollments, got.participants) == (row["enrollments_outside"],
                                                       row["participants_only_outside"]) == (0, 0)
        assert got.first is None and got.last is None and pd.isna(row["first_outside"])


def test_a_window_before_every_late_enrollment_skips_the_scan_with_the_same_result(
        lives_warehouse, monkeypatch):
    """With a life that only late enrollments fall outside of (none began before it), a window
    that ends before the first month such an enrollment began in counts none of them: outside_
    life answers without the query, as the query answers; other windows are the query's."""
    from charts import lives

    wh = open_warehouse(lives_warehouse)
    life = (date(2010, 1, 1), date(2022, 5, 31))  # L1 (2017) inside; L3, L4, L5 after it
    monkeypatch.setitem(lives.PROGRAM_PERIODS, FF, tuple(d.isoformat() for d in life))
    first_late = int(wh.plain("enrollment_months", program=FF)["month"].loc[
        lambda m: m > 2022 * 12 + 4].min())
    assert not lives.may_begin_outside(wh, FF, life, until=first_late - 1)
    assert lives.may_begin_outside(wh, FF, life, until=first_late)
    assert lives.may_begin_outside(wh, FF, life)
    windows = [*FILTERS, Filters(2010, 2022), Filters(2022, 2022),
               Filters(from_period="2022-11", to_period="2022-11"),
               Filters(from_period="2022-12", to_period="2022-12"),
               Filters(2019, 2022, boroughs=("Bronx",)), Filters(2019, 2021),
               Filters(2015, 2021, boroughs=("Bronx",)),
               Filters(from_period="FY2022", to_period="FY2022")]
    skipped = 0
    for f in windows:
        r = wh.resolve(f)
        row = wh.query("outside_life", r, program=FF, life_start=life[0],
                       life_end=life[1]).iloc[0]
        got = outside_life(wh, r, FF)
        skipped += not lives.may_begin_outside(wh, FF, life, until=r.months()[1])
        assert (got.enrollments, got.participants) == (row["enrollments_outside"],
                                                       row["participants_only_outside"])
        assert got.first == (None if pd.isna(row["first_outside"])
                             else pd.Timestamp(row["first_outside"]).date())
    assert skipped >= 4
