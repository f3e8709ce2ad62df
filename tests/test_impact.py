"""`outcomes impact` against a plain reading of its definitions (docs/metrics.md, "Impact on
child support"), on generated records loaded through the real loader into a real DuckDB file.

The oracle below is written from the issue's words, in pandas over the raw generated records
(raw participant ids, no SQL), so it shares no code with warehouse/sql/impact*.sql.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.periods import month_index, window
from etl.load import load_files
from outcomes.cli import main
from tests.tiers import examples
from warehouse.impact import IMPACT_COLUMNS, impact_mask, suppress_impact
from warehouse.query import read_sql

PROGRAMS = ("PSP", "STEP")
BASE = 2020 * 12  # 2020-01 as a month index


def month_date(index: int, day: int = 1) -> date:
    return date(index // 12, index % 12 + 1, day)


# -- the generated records ------------------------------------------------------------------------
@st.composite
def records(draw):
    """Participants with enrollments, referrals and support months (with gaps)."""
    n = draw(st.integers(1, 10))
    enrollments, referrals, months = [], [], []
    for i in range(n):
        pid = f"P{i}"
        for _ in range(draw(st.integers(0, 2))):
            enrollments.append({
                "participant_id": pid, "program": draw(st.sampled_from(PROGRAMS)),
                "on": month_date(BASE + draw(st.integers(0, 30)), draw(st.integers(1, 28)))})
        for _ in range(draw(st.integers(0, 2))):
            referrals.append({
                "participant_id": pid, "program": draw(st.sampled_from(PROGRAMS)),
                "on": month_date(BASE + draw(st.integers(0, 30)), draw(st.integers(1, 28)))})
        # Any subset of 2019-01 .. 2023-06: gaps, and months at and past the data's edges.
        for m in sorted(draw(st.sets(st.integers(-12, 41), max_size=30))):
            paid_cents = draw(st.integers(0, 60_000))
            arrears = draw(st.one_of(st.none(), st.integers(0, 20_000)))
            months.append({
                "participant_id": pid, "month": BASE + m,
                "due": draw(st.sampled_from([0, 15_000, 25_050, 40_000])),
                "paid": paid_cents, "arrears_paid": arrears})
    return enrollments, referrals, months


def write_files(folder: Path, enrollments, referrals, months) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    e = pd.DataFrame({
        "enrollment_id": [f"E{i}" for i in range(len(enrollments))],
        "participant_id": [r["participant_id"] for r in enrollments],
        "program": [r["program"] for r in enrollments],
        "enrolled_on": [r["on"].isoformat() for r in enrollments]})
    r = pd.DataFrame({
        "referral_id": [f"R{i}" for i in range(len(referrals))],
        "participant_id": [x["participant_id"] for x in referrals],
        "program": [x["program"] for x in referrals],
        "referred_on": [x["on"].isoformat() for x in referrals]})
    s = pd.DataFrame({
        "participant_id": [x["participant_id"] for x in months],
        # Months as YYYY-MM and, for some, as a day in the month (taken as its month).
        "month": [f"{x['month'] // 12}-{x['month'] % 12 + 1:02d}" if x["month"] % 3
                  else f"{x['month'] // 12}-{x['month'] % 12 + 1:02d}-15" for x in months],
        "current_support_due": [f"{x['due'] / 100:.2f}" for x in months],
        "current_support_paid": [f"{x['paid'] / 100:.2f}" for x in months],
        "arrears_paid": ["" if x["arrears_paid"] is None else f"{x['arrears_paid'] / 100:.2f}"
                         for x in months],
        "arrears_balance": ["1000.00"] * len(months)})
    paths = []
    for name, df, cols in (
        ("enrollments.csv", e, ["enrollment_id", "participant_id", "program", "enrolled_on"]),
        ("referrals.csv", r, ["referral_id", "participant_id", "program", "referred_on"]),
        ("support_months.csv", s, ["participant_id", "month", "current_support_due",
                                   "current_support_paid", "arrears_paid", "arrears_balance"]),
    ):
        path = folder / name
        df.reindex(columns=cols).to_csv(path, index=False)
        paths.append(path)
    return paths


# -- the oracle: the definitions read plainly ------------------------------------------------------
def oracle(enrollments, referrals, months, lo: int, hi: int, n: int,
           programs=PROGRAMS) -> list[dict]:
    sm = pd.DataFrame(months, columns=["participant_id", "month", "due", "paid", "arrears_paid"])
    rows = []
    for p in programs:
        members = {"enrolled": {}, "comparison": {}}
        mine = [e for e in enrollments if e["program"] == p]
        firsts: dict[str, date] = {}
        for i, e in enumerate(enrollments):
            if e["program"] == p:
                key = (e["on"], f"E{i}")
                if e["participant_id"] not in firsts or key < firsts[e["participant_id"]]:
                    firsts[e["participant_id"]] = key
        for pid, (on, _) in firsts.items():
            if lo <= month_index(on) <= hi:  # first enrollment in P in the window
                members["enrolled"][pid] = month_index(on)
        ever_enrolled = {e["participant_id"] for e in mine}
        for r in referrals:
            if r["program"] != p or r["participant_id"] in ever_enrolled:
                continue
            if lo <= month_index(r["on"]) <= hi:
                pid = r["participant_id"]
                members["comparison"][pid] = min(members["comparison"].get(pid, 10**9),
                                                 month_index(r["on"]))
        if not members["enrolled"] and not members["comparison"]:
            continue
        for group in ("enrolled", "comparison"):
            rows.append(group_row(p, group, members[group], sm, n))
    return rows


def group_row(program, group, entry: dict[str, int], sm: pd.DataFrame, n: int) -> dict:
    sides = {"before": {"due": 0, "paid": 0, "parents": 0, "paying": 0},
             "after": {"due": 0, "paid": 0, "parents": 0, "paying": 0}}
    with_records = 0
    for pid, e in entry.items():
        mine = sm[sm["participant_id"] == pid]
        rel = mine["month"] - e
        any_side = False
        for side, in_side in (("before", (rel >= -n) & (rel <= -1)),
                              ("after", (rel >= 1) & (rel <= n))):
            m = mine[in_side]
            if m.empty:
                continue
            any_side = True
            s = sides[side]
            s["due"] += int(m["due"].sum())
            s["paid"] += int(m["paid"].sum())
            s["parents"] += 1
            paid_anything = (m["paid"] + m["arrears_paid"].fillna(0)) > 0
            s["paying"] += bool(paid_anything.any())
        with_records += any_side
    row = {"program": program, "group": group, "participants": len(entry),
           "with_support_records": with_records}
    for side, s in sides.items():
        row[f"{side}_due"] = s["due"] / 100
        row[f"{side}_paid"] = s["paid"] / 100
        row[f"{side}_compliance"] = round(s["paid"] / s["due"], 4) if s["due"] else None
        row[f"{side}_paying_share"] = (round(s["paying"] / s["parents"], 4) if s["parents"]
                                       else None)
    b, a = row["before_compliance"], row["after_compliance"]
    row["compliance_change"] = None if a is None or b is None else round(a - b, 4)
    return row


# -- running the command --------------------------------------------------------------------------
def cli_impact(warehouse: Path, *args: str) -> list[dict]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["impact", "--warehouse", str(warehouse), "--format", "json", *args])
    assert code == 0
    return json.loads(out.getvalue())


def assert_rows_equal(got: list[dict], want: list[dict]) -> None:
    assert [(r["program"], r["group"]) for r in got] == [(r["program"], r["group"])
                                                           for r in want]
    for g, w in zip(got, want, strict=True):
        assert list(g) == IMPACT_COLUMNS
        for col in IMPACT_COLUMNS:
            if w[col] is None:
                assert g[col] is None, (col, g, w)
            elif isinstance(w[col], str):
                assert g[col] == w[col]
            elif col.endswith(("_due", "_paid")):
                assert round(g[col], 2) == round(w[col], 2), (col, g, w)
            elif isinstance(w[col], int) and col in ("participants", "with_support_records"):
                assert g[col] == w[col], (col, g, w)
            else:  # fractions rounded to 4 places (rounding of exact halves may differ)
                assert g[col] == pytest.approx(w[col], abs=1.01e-4), (col, g, w)


WINDOWS = st.sampled_from([
    (None, None), ("2020-06", "2021-Q2"), ("FY2021", "FY2022"), ("2022", "2022"),
    ("2020-01", "2020-01"), ("2022-07", "2022-07"), ("FFY2021", "2022-03")])


@settings(max_examples=examples(30), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=records(), span=WINDOWS, n=st.integers(1, 13))
def test_impact_equals_the_definitions(data, span, n):
    enrollments, referrals, months = data
    if not enrollments and not referrals:
        return  # no program records: nothing to measure (the table is empty, tested below)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        wh = folder / "w.duckdb"
        load_files(write_files(folder / "files", enrollments, referrals, months), wh)
        args = ["--months", str(n)]
        if span[0] is None:
            years = [x["on"].year for x in enrollments + referrals]
            lo, hi = window(min(years), max(years))  # the data's years (no other records)
        else:
            lo, hi = window(*span)
            args += ["--from", span[0], "--to", span[1]]
        got = cli_impact(wh, *args)
    assert_rows_equal(got, oracle(enrollments, referrals, months, lo, hi, n))


# -- the cases the issue names, spelled out -------------------------------------------------------
def test_gaps_later_enrollment_elsewhere_and_edges(tmp_path):
    """P0: enrolled in PSP in 2020-01 (the data's first month: no support month before it), a
    gap in its after months. P1: referred to PSP in the window, never enrolled in PSP, enrolls
    in STEP later: PSP comparison and STEP cohort. P2: enrolled in PSP at the window's last
    month, support months only before. P3: first PSP enrollment before the window, again in
    it: not in the cohort (first enrollment over all records)."""
    sm = []

    def months(pid, first, last, due=20_000, paid=10_000, skip=()):
        for m in range(first, last + 1):
            if m not in skip:
                sm.append({"participant_id": pid, "month": m, "due": due, "paid": paid,
                           "arrears_paid": None})

    months("P0", BASE, BASE + 14, skip={BASE + 3, BASE + 4})
    months("P1", BASE, BASE + 30, paid=0, skip={BASE + 2})
    sm.append({"participant_id": "P1", "month": BASE + 2, "due": 0, "paid": 0,
               "arrears_paid": 5_000})  # nothing due, but arrears paid
    months("P2", BASE + 10, BASE + 24)
    months("P3", BASE, BASE + 30)
    enrollments = [
        {"participant_id": "P0", "program": "PSP", "on": date(2020, 1, 20)},
        {"participant_id": "P1", "program": "STEP", "on": date(2021, 9, 1)},
        {"participant_id": "P2", "program": "PSP", "on": date(2021, 12, 31)},
        {"participant_id": "P3", "program": "PSP", "on": date(2019, 6, 1)},
        {"participant_id": "P3", "program": "PSP", "on": date(2020, 6, 1)},
    ]
    referrals = [{"participant_id": "P1", "program": "PSP", "on": date(2020, 5, 5)},
                 {"participant_id": "P1", "program": "PSP", "on": date(2020, 2, 5)}]
    wh = tmp_path / "w.duckdb"
    load_files(write_files(tmp_path / "files", enrollments, referrals, sm), wh)
    got = cli_impact(wh, "--from", "2020", "--to", "2021")
    want = oracle(enrollments, referrals, sm, *window(2020, 2021), 12)
    assert_rows_equal(got, want)
    by = {(r["program"], r["group"]): r for r in got}
    assert by["PSP", "enrolled"]["participants"] == 2  # P0 and P2, not P3
    assert by["PSP", "comparison"]["participants"] == 1  # P1, aligned on 2020-02
    assert by["STEP", "enrolled"]["participants"] == 1  # P1 again
    # P1 paid nothing current but paid arrears in 2020-03: a paying parent after entry.
    assert by["PSP", "comparison"]["after_paying_share"] == 1.0
    assert by["PSP", "comparison"]["after_compliance"] == 0.0


def test_no_records_and_bad_arguments(tmp_path, capsys):
    wh = tmp_path / "w.duckdb"
    load_files(write_files(tmp_path / "files", [], [], []), wh)
    assert cli_impact(wh) == []
    assert main(["impact", "--warehouse", str(wh), "--from", "2020-13"]) == 2
    assert "is not a period" in capsys.readouterr().err
    assert main(["impact", "--warehouse", str(wh), "--months", "0"]) == 2
    assert main(["impact", "--warehouse", str(tmp_path / "none.duckdb")]) == 2


# -- suppression ----------------------------------------------------------------------------------
def test_suppression_hides_small_counts_and_what_rests_on_them():
    df = pd.DataFrame([
        {"program": "PSP", "group": "enrolled", "participants": 40, "with_support_records": 30,
         "before_parents": 30, "after_parents": 8, "before_due": 1000.0, "before_paid": 500.0,
         "before_compliance": 0.5, "after_due": 900.0, "after_paid": 450.0,
         "after_compliance": 0.5, "compliance_change": 0.0, "before_paying_share": 0.9,
         "after_paying_share": 0.8},
        {"program": "PSP", "group": "comparison", "participants": 5, "with_support_records": 0,
         "before_parents": 0, "after_parents": 0, "before_due": 0.0, "before_paid": 0.0,
         "before_compliance": None, "after_due": 0.0, "after_paid": 0.0,
         "after_compliance": None, "compliance_change": None, "before_paying_share": None,
         "after_paying_share": None},
    ])
    mask = impact_mask(df, 11)
    hidden = {c for c in mask.columns if mask.loc[0, c]}
    assert hidden == {"after_due", "after_paid", "after_compliance", "after_paying_share",
                      "compliance_change"}
    assert {c for c in mask.columns if mask.loc[1, c]} == {"participants"}  # zero stays zero
    shown = suppress_impact(df, 11)
    assert shown.loc[0, "after_paid"] == "<11" and shown.loc[0, "before_paid"] == 500.0
    assert suppress_impact(df, 5).loc[1, "participants"] == 5


def test_cli_suppress_flag(tmp_path):
    enrollments = [{"participant_id": f"P{i}", "program": "PSP", "on": date(2020, 6, 1)}
                   for i in range(12)]
    sm = [{"participant_id": f"P{i}", "month": BASE + m, "due": 10_000, "paid": 5_000,
           "arrears_paid": None} for i in range(12) for m in (range(0, 10) if i < 3
                                                                 else range(0, 5))]
    wh = tmp_path / "w.duckdb"
    load_files(write_files(tmp_path / "files", enrollments, [], sm), wh)
    plain = cli_impact(wh)
    safe = cli_impact(wh, "--suppress")
    assert plain[0]["participants"] == safe[0]["participants"] == 12
    assert plain[0]["with_support_records"] == 12 and safe[0]["with_support_records"] == 12
    assert plain[0]["after_due"] == 3 * 4 * 100.0  # 2020-07 .. 2020-10
    assert safe[0]["after_due"] == "<11"  # three parents after entry
    assert safe[0]["before_due"] == plain[0]["before_due"]  # twelve before


# -- docs ------------------------------------------------------------------------------------------
def test_metrics_doc_states_the_impact_definitions_as_the_code_does():
    from warehouse.metrics import IMPACT_GROUPS, IMPACT_MEASURES, IMPACT_SIDES

    root = Path(__file__).resolve().parent.parent
    text = (root / "docs/metrics.md").read_text()
    for m in IMPACT_MEASURES.values():
        assert f"| {m.name} | {m.definition} |" in text, m.name
    for group, definition in IMPACT_GROUPS.items():
        assert f"**{group}**: {definition}" in text
    assert IMPACT_SIDES in text
    assert ", ".join(IMPACT_COLUMNS) in " ".join(text.split()).replace("`", "")
    sql = read_sql("queries/impact")  # with the parts it includes
    for col in IMPACT_COLUMNS[2:]:
        assert f"AS {col}" in sql or f"f.{col}" in sql, col
