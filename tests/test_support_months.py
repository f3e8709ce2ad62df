"""The support_months record kind through the real loader: months, upsert by (participant,
month), duplicates in one load, bad values, rejects and privacy."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl.contract import kind_from_filename
from etl.load import LoadRefused, load_files
from tests.read_only import read_only

HEADER = "participant_id,month,current_support_due,current_support_paid,arrears_paid," \
         "arrears_balance"


def write(folder: Path, name: str, rows: list[str], header: str = HEADER) -> Path:
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def rows(wh: Path, sql: str) -> pd.DataFrame:
    con = read_only(wh)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def test_file_name_gives_the_kind():
    assert kind_from_filename("support_months_2024.csv") == "support_months"
    assert kind_from_filename("x/support_months.parquet") == "support_months"


def test_months_in_any_contract_form_are_their_month(tmp_path):
    f = write(tmp_path, "support_months.csv", [
        "NCP-1,2024-03,350.00,350.00,,",
        "NCP-1,2024-04-17,$350.00,\"$1,200.50\",25.00,8000",
        "NCP-1,05/31/2024,350,0,,",
        "NCP-2,2024-03,0,0,0,0",
    ])
    report = load_files([f], tmp_path / "w.duckdb")
    assert report.files[0].rows_loaded == 4 and report.files[0].rows_rejected == 0
    df = rows(tmp_path / "w.duckdb", "SELECT month, current_support_due AS due, "
              "current_support_paid AS paid, arrears_paid, arrears_balance FROM support_months "
              "ORDER BY support_month_id")
    assert sorted(df["month"].astype(str)) == ["2024-03-01", "2024-03-01", "2024-04-01",
                                               "2024-05-01"]
    april = df[df["month"].astype(str) == "2024-04-01"].iloc[0]
    assert (april["paid"], april["arrears_paid"], april["arrears_balance"]) == (1200.5, 25, 8000)
    assert df["arrears_paid"].isna().sum() == 2  # optional, not given


def test_later_row_replaces_the_earlier_one(tmp_path):
    wh = tmp_path / "w.duckdb"
    load_files([write(tmp_path, "support_months_jan.csv",
                      ["NCP-1,2024-01,300,100,,", "NCP-1,2024-02,300,0,,"])], wh)
    report = load_files([write(tmp_path, "support_months_fix.csv",
                               ["NCP-1,2024-01-31,300,300,,", "NCP-1,2024-02,300,0,,"])], wh)
    f = report.files[0]
    assert (f.rows_updated, f.rows_unchanged, f.rows_inserted) == (1, 1, 0)
    df = rows(wh, "SELECT month, current_support_paid AS paid, load_id FROM support_months "
                  "ORDER BY month")
    assert list(df["paid"]) == [300, 0]
    assert list(df["load_id"]) == [2, 1]
    # Loading the same file again changes nothing (idempotent).
    again = load_files([tmp_path / "support_months_fix.csv"], wh).files[0]
    assert (again.rows_unchanged, again.rows_updated) == (2, 0)
    assert rows(wh, "SELECT count(*) AS n FROM support_months")["n"][0] == 2


def test_two_different_rows_for_one_key_in_one_load_are_both_rejected(tmp_path):
    wh = tmp_path / "w.duckdb"
    a = write(tmp_path, "support_months_a.csv", ["NCP-1,2024-01,300,100,,",
                                                 "NCP-2,2024-01,300,100,,"])
    b = write(tmp_path, "support_months_b.csv", ["NCP-1,2024-01-15,300,250,,",
                                                 "NCP-2,2024-01,300,100,,"])  # identical
    report = load_files([a, b], wh)
    assert report.total("rows_rejected") == 2
    assert report.total("rows_duplicate") == 1 and report.total("rows_loaded") == 1
    rejects = rows(wh, "SELECT file_name, line, reason FROM rejects ORDER BY file_name")
    assert list(rejects["reason"]) == ["conflicting duplicate id"] * 2
    assert list(rejects["line"]) == [2, 2]


BAD = [
    (",2024-01,300,100,,", "missing participant_id"),
    ("NCP-1,,300,100,,", "missing month"),
    ("NCP-1,2024-13,300,100,,", "unparseable month"),
    ("NCP-1,January 2024,300,100,,", "unparseable month"),
    ("NCP-1,2024-01,,100,,", "missing current_support_due"),
    ("NCP-1,2024-01,300,,,", "missing current_support_paid"),
    ("NCP-1,2024-01,-300,100,,", "negative current_support_due"),
    ("NCP-1,2024-01,300,-1,,", "negative current_support_paid"),
    # Every dollar column follows the one amount grammar (issue 10): outside it, a rejected row.
    ("NCP-1,2024-01,three hundred,100,,", "malformed amount"),
    ("NCP-1,2024-01,300,lots,,", "malformed amount"),
    ("NCP-1,2024-01,300,100,1_000,", "malformed amount"),  # optional arrears_paid, malformed
    ("NCP-1,2024-01,300,100,5,n/a", "malformed amount"),  # optional arrears_balance, malformed
]


def _own_participant(row: str, case: int) -> str:
    """The row with its participant (where given) its case's own: the cases share one load."""
    pid, sep, rest = row.partition(",")
    return f"{pid}-{case}{sep}{rest}" if pid else row


@pytest.fixture(scope="module")
def bad_rows_loaded(tmp_path_factory):
    """Every case of BAD as a file of its own (the bad row, then a good row), all in one load:
    the rules cost one load rather than one each. The report's files are in BAD's order."""
    folder = tmp_path_factory.mktemp("bad")
    files = [write(folder, f"support_months_{i:02d}.csv",
                   [_own_participant(row, i), f"NCP-9-{i},2024-01,1,1,,"])
             for i, (row, _) in enumerate(BAD)]
    report = load_files(files, folder / "w.duckdb")
    assert [f.path.name for f in report.files] == [f.name for f in files]
    return folder / "w.duckdb", report


@pytest.mark.parametrize(("row", "reason"), BAD, ids=[r for _, r in BAD])
def test_bad_rows_are_rejected_with_a_reason(bad_rows_loaded, row, reason):
    wh, report = bad_rows_loaded
    case = BAD.index((row, reason))
    assert (report.files[case].rows_rejected, report.files[case].rows_loaded) == (1, 1)
    got = rows(wh, "SELECT kind, line, reason, all_reasons, row_json FROM rejects "
                   f"WHERE file_name = 'support_months_{case:02d}.csv'")
    assert len(got) == 1
    assert (got["kind"][0], got["line"][0], got["reason"][0]) == ("support_months", 2, reason)
    kept = json.loads(got["row_json"][0])
    assert "NCP-1" not in got["row_json"][0]  # the raw id is never stored
    if not row.startswith(","):
        assert len(kept["participant_key"]) == 64


def test_negative_arrears_paid_loads_as_unknown_with_a_warning(tmp_path):
    # A well-formed negative arrears_paid (the contract says >= 0) is not a malformed amount:
    # the row loads, the value is unknown, a warning keeps it. A negative balance is valid.
    wh = tmp_path / "w.duckdb"
    report = load_files([write(tmp_path, "support_months.csv",
                               ["NCP-1,2024-01,300,100,-50,9000", "NCP-1,2024-02,300,100,5,-20"])],
                        wh)
    f = report.files[0]
    assert (f.rows_loaded, f.rows_warned, f.rows_rejected) == (2, 1, 0)
    warns = rows(wh, "SELECT rule, detail FROM warnings ORDER BY line")
    assert list(warns["rule"]) == ["invalid arrears_paid"] and list(warns["detail"]) == ["-50"]
    df = rows(wh, "SELECT arrears_paid, arrears_balance FROM support_months ORDER BY month")
    assert df["arrears_paid"].isna()[0] and list(df["arrears_balance"]) == [9000, -20]


def test_missing_required_column_refuses_the_load(tmp_path):
    f = write(tmp_path, "support_months.csv", ["NCP-1,2024-01,300"],
              header="participant_id,month,current_support_due")
    with pytest.raises(LoadRefused, match="current_support_paid"):
        load_files([f], tmp_path / "w.duckdb")
    assert not (tmp_path / "w.duckdb").exists()


def test_no_raw_participant_id_anywhere(tmp_path):
    wh = tmp_path / "w.duckdb"
    load_files([write(tmp_path, "support_months.csv",
                      ["NCP-SECRET-1,2024-01,300,100,,", "NCP-SECRET-1,2024-13,300,100,,"])], wh)
    con = duckdb.connect(str(wh), read_only=True)
    try:
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables "
                                    "WHERE table_schema = 'main'").fetchall():
            text = con.execute(f'SELECT * FROM "{table}"').df().to_csv()
            assert "SECRET" not in text, table
    finally:
        con.close()
