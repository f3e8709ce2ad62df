"""The loader: every rejection reason, every warning, normalization, upsert, atomicity, privacy."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl.load import LoadRefused, load_files
from tests.cli import run_cli  # in process; re-exported for test_etl_hostile
from tests.conftest import TEST_HMAC_KEY
from tests.read_only import read_only

HEADERS = {
    "enrollments": "enrollment_id,participant_id,program,enrolled_on,exited_on,outcome,borough,"
    "referral_id",
    "referrals": "referral_id,participant_id,program,referred_on,source,borough",
    "arrears_reductions": "adjustment_id,participant_id,program,applied_on,amount,"
    "dss_balance_before",
    "placements": "placement_id,participant_id,program,placed_on,sector,hourly_wage,employer",
}


def write(dir_: Path, name: str, rows: list[str], header: str | None = None) -> Path:
    kind = next(k for k in HEADERS if name.startswith(k))
    path = dir_ / name
    path.write_text("\n".join([header or HEADERS[kind], *rows]) + "\n")
    return path


def table(wh: Path, sql: str) -> pd.DataFrame:
    con = read_only(wh)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- rejections ----------------------------------------------------------------------------------
REJECTIONS = [
    ("enrollments.csv", ",P1,PSP,2020-01-01,,,,", "missing enrollment_id"),
    ("enrollments.csv", "E1,,PSP,2020-01-01,,,,", "missing participant_id"),
    ("enrollments.csv", "E1,P1,,2020-01-01,,,,", "missing program"),
    ("enrollments.csv", "E1,P1,PSP,,,,,", "missing enrolled_on"),
    ("enrollments.csv", "E1,P1,PSP,2020-13-45,,,,", "unparseable enrolled_on"),
    ("enrollments.csv", "E1,P1,PSP,31/01/2020,,,,", "unparseable enrolled_on"),
    ("enrollments.csv", "E1,P1,Basket Weaving,2020-01-01,,,,", "unknown program"),
    ("enrollments.csv", "E1,P1,PSP,2020-01-01,2019-12-31,exited,,", "exited_on before enrolled_on"),
    ("enrollments.csv", "E1,P1,PSP,2020-01-01,2020-02-01,dropped,,", "invalid outcome"),
    ("enrollments.csv", "E1,P1,PSP,2020-01-01,2020-02-01,active,,", "active with exited_on"),
    ("enrollments.csv", "E1,P1,PSP,2020-01-01,,graduated,,", "graduated without exited_on"),
    ("enrollments.csv", "E1,P1,PSP,2020-01-01,,exited,,", "exited without exited_on"),
    ("enrollments.csv", "E1,P1,PSP,2020-01-01,someday,,,", "unparseable exited_on"),
    ("referrals.csv", "R1,P1,STEP,,self,Bronx", "missing referred_on"),
    ("referrals.csv", "R1,P1,Knitting,2020-01-01,self,Bronx", "unknown program"),
    ("arrears_reductions.csv", "A1,P1,ARREARS_CAP,2020-01-01,0,", "zero amount"),
    ("arrears_reductions.csv", "A1,P1,ARREARS_CAP,2020-01-01,$0.00,", "zero amount"),
    ("arrears_reductions.csv", "A1,P1,ARREARS_CAP,2020-01-01,lots,", "malformed amount"),
    ("arrears_reductions.csv", "A1,P1,PAY_IT_OFF,2020-01-01,100,n/a", "malformed amount"),
    ("placements.csv", "L1,P1,STEP,2020-01-01,retail,abc,", "malformed amount"),
    ("arrears_reductions.csv", "A1,P1,ARREARS_CAP,2020-01-01,,", "missing amount"),
    ("arrears_reductions.csv", "A1,P1,PSP,2020-01-01,100,",
     "program not allowed for arrears_reductions"),
    ("placements.csv", "L1,P1,ARREARS_CAP,2020-01-01,retail,15,",
     "program not allowed for placements"),
    ("placements.csv", "L1,P1,MEDIATION,2020-01-01,retail,15,",
     "program not allowed for placements"),
    ("placements.csv", "L1,P1,STEP,01/32/2020,retail,15,", "unparseable placed_on"),
]


def _own_case(row: str, case: int) -> str:
    """The row with its record id and participant id (where given) made its case's own, so the
    cases of one list can share one load without meeting: no duplicate ids across files, no
    participant in two cases."""
    fields = row.split(",")
    for i in (0, 1):
        if fields[i]:
            fields[i] = f"{fields[i]}-{case}"
    return ",".join(fields)


def _case_file(name: str, case: int) -> str:
    return f"{name.removesuffix('.csv')}_{case:02d}.csv"


def _load_cases(folder: Path, cases: list[tuple]) -> tuple[Path, object]:
    """Every case (file name, row, ...) as a file of its own, all in one load: the per-row rules
    cost one load rather than one each. The report's files are in the cases' order."""
    files = [write(folder, _case_file(name, i), [_own_case(row, i)])
             for i, (name, row, *_) in enumerate(cases)]
    wh = folder / "w.duckdb"
    report = load_files(files, wh)
    assert [f.path.name for f in report.files] == [f.name for f in files]
    return wh, report


@pytest.fixture(scope="module")
def rejections_loaded(tmp_path_factory):
    return _load_cases(tmp_path_factory.mktemp("rejections"), REJECTIONS)


@pytest.mark.parametrize("name,row,reason", REJECTIONS)
def test_each_rejection_reason(rejections_loaded, name, row, reason):
    wh, report = rejections_loaded
    case = REJECTIONS.index((name, row, reason))
    file_name = _case_file(name, case)
    f = report.files[case]
    assert f.rows_rejected == 1 and f.rows_loaded == 0
    rejects = table(wh, f"SELECT * FROM rejects WHERE file_name = '{file_name}'")
    assert rejects["reason"].tolist() == [reason]
    assert rejects["line"].tolist() == [2]
    assert rejects["file_name"].tolist() == [file_name]
    kind = name.removesuffix(".csv")
    assert table(wh, f"SELECT count(*) AS n FROM {kind}")["n"][0] == 0  # no case's row loaded


def test_rejected_row_keeps_every_reason(tmp_path):
    wh = tmp_path / "w.duckdb"
    load_files([write(tmp_path, "enrollments.csv", ["E1,,Basket,bad,,,,"])], wh)
    reasons = table(wh, "SELECT all_reasons FROM rejects")["all_reasons"][0]
    assert reasons == 'missing participant_id; unknown program; unparseable enrolled_on: "bad"'


def test_conflicting_duplicates_are_all_rejected_and_identical_ones_collapse(tmp_path):
    wh = tmp_path / "w.duckdb"
    rows = [
        "E1,P1,PSP,2020-01-01,,,Bronx,",
        "E1,P1,PSP,2020-01-01,,,Queens,",  # same id, different content
        "E2,P2,STEP,2020-01-01,,,,",
        "E2,P2,step,01/01/2020,,,,",  # the same record spelled differently
    ]
    report = load_files([write(tmp_path, "enrollments.csv", rows)], wh)
    f = report.files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_duplicate, f.rows_rejected) == (4, 1, 1, 2)
    rejects = table(wh, "SELECT line, reason FROM rejects ORDER BY line")
    assert rejects["line"].tolist() == [2, 3]
    assert set(rejects["reason"]) == {"conflicting duplicate id"}
    assert table(wh, "SELECT enrollment_id FROM enrollments")["enrollment_id"].tolist() == ["E2"]


def test_conflicting_duplicates_across_files_of_one_load(tmp_path):
    wh = tmp_path / "w.duckdb"
    a = write(tmp_path, "enrollments_a.csv", ["E1,P1,PSP,2020-01-01,,,,"])
    b = write(tmp_path, "enrollments_b.csv", ["E1,P1,PSP,2021-01-01,,,,"])
    report = load_files([a, b], wh)
    assert report.total("rows_rejected") == 2
    assert table(wh, "SELECT count(*) AS n FROM enrollments")["n"][0] == 0


# -- warnings ------------------------------------------------------------------------------------
WARNINGS = [
    ("enrollments.csv", "E1,P1,PSP,2020-01-01,,,Atlantis,", "invalid borough", "borough"),
    ("referrals.csv", "R1,P1,STEP,2020-01-01,carrier pigeon,Bronx", "invalid source", "source"),
    ("referrals.csv", "R1,P1,STEP,2020-01-01,self,Narnia", "invalid borough", "borough"),
    ("placements.csv", "L1,P1,STEP,2020-01-01,piracy,15,", "invalid sector", "sector"),
    ("placements.csv", "L1,P1,STEP,2020-01-01,retail,-3,", "invalid hourly_wage", "hourly_wage"),
]


ID_COLUMN = {"enrollments": "enrollment_id", "referrals": "referral_id",
             "placements": "placement_id", "arrears_reductions": "adjustment_id"}


@pytest.fixture(scope="module")
def warnings_loaded(tmp_path_factory):
    return _load_cases(tmp_path_factory.mktemp("warnings"), WARNINGS)


@pytest.mark.parametrize("name,row,rule,column", WARNINGS)
def test_invalid_optional_value_loads_as_null_with_warning(warnings_loaded, name, row, rule,
                                                           column):
    wh, report = warnings_loaded
    case = WARNINGS.index((name, row, rule, column))
    f = report.files[case]
    assert f.rows_loaded == 1 and f.rows_warned == 1
    kind = name.removesuffix(".csv")
    record_id = _own_case(row, case).split(",")[0]
    values = table(wh, f"SELECT {column} FROM {kind} WHERE {ID_COLUMN[kind]} = '{record_id}'")
    assert len(values) == 1 and values[column].isna().all()
    warnings = table(wh, f"SELECT rule FROM warnings WHERE file_name = '{_case_file(name, case)}'")
    assert warnings["rule"].tolist() == [rule]


BUSINESS_WARNINGS = [
    (["E1,P1,FAMILIES_FORWARD,2017-12-31,,,,"],
     "families forward enrollment outside 2018-01-01..2022-05-31", 1),
    (["E1,P1,FAMILIES_FORWARD,2022-06-01,,,,"],
     "families forward enrollment outside 2018-01-01..2022-05-31", 1),
    (["E1,P1,FAMILIES_FORWARD,2022-05-31,,,,"], None, 0),
]


@pytest.mark.parametrize("rows,rule,n", BUSINESS_WARNINGS)
def test_families_forward_enrollment_window(tmp_path, rows, rule, n):
    wh = tmp_path / "w.duckdb"
    load_files([write(tmp_path, "enrollments.csv", rows)], wh)
    warnings = table(wh, "SELECT rule FROM warnings")["rule"].tolist()
    assert warnings == ([rule] * n)
    assert table(wh, "SELECT count(*) AS n FROM enrollments")["n"][0] == 1


def test_arrears_cap_reduction_leaving_balance_under_floor_warns(tmp_path):
    wh = tmp_path / "w.duckdb"
    rows = [
        "A1,P1,ARREARS_CAP,2020-01-01,20000,20500",  # leaves exactly $500: fine
        "A2,P2,ARREARS_CAP,2020-01-01,20000,20400",  # leaves $400
    ]
    load_files([write(tmp_path, "arrears_reductions.csv", rows)], wh)
    w = table(wh, "SELECT record_id, rule FROM warnings")
    assert w["record_id"].tolist() == ["A2"]
    assert w["rule"].tolist() == ["arrears cap balance left under $500"]


def test_parent_success_over_limit_warns_across_loads(tmp_path):
    wh = tmp_path / "w.duckdb"
    load_files([write(tmp_path, "arrears_reductions_1.csv",
                      ["A1,P1,PARENT_SUCCESS,2020-01-01,9000,", "A2,P2,PARENT_SUCCESS,2020-01-01,"
                       "10000,"])], wh)
    assert table(wh, "SELECT count(*) AS n FROM warnings")["n"][0] == 0
    load_files([write(tmp_path, "arrears_reductions_2.csv",
                      ["A3,P1,Parent Success,2021-01-01,1500,"])], wh)
    w = table(wh, "SELECT record_id, rule, detail FROM warnings")
    assert w["record_id"].tolist() == ["A3"]
    assert w["rule"][0] == "parent success over $10,000 for one participant"
    assert float(w["detail"][0]) == 10500


# -- normalization -------------------------------------------------------------------------------
def test_program_aliases_are_one_program(tmp_path):
    wh = tmp_path / "w.duckdb"
    spellings = ["Arrears Cap", "ARREARS-CAP", "arrears cap", "ARREARS_CAP", " arrears_cap "]
    rows = [f"A{i},P{i},{s},2020-01-01,100," for i, s in enumerate(spellings)]
    load_files([write(tmp_path, "arrears_reductions.csv", rows)], wh)
    assert table(wh, "SELECT DISTINCT program FROM arrears_reductions")["program"].tolist() == [
        "ARREARS_CAP"
    ]
    rows = ["E1,P1,TXT-2-Work,2020-01-01,,,,", "E2,P2,Support Through Employment Program,"
            "2020-01-01,,,,", "E3,P3,jobs plus,2020-01-01,,,,", "E4,P4,Parent Support Program,"
            "2020-01-01,,,,"]
    load_files([write(tmp_path, "enrollments.csv", rows)], wh)
    programs = table(wh, "SELECT program FROM enrollments ORDER BY enrollment_id")["program"]
    assert programs.tolist() == ["TXT2WORK", "STEP", "JOBS_PLUS", "PSP"]


def test_borough_county_names_and_case(tmp_path):
    wh = tmp_path / "w.duckdb"
    given = ["Kings", "NEW YORK", "richmond", "The Bronx", "queens", " Staten  Island "]
    rows = [f"R{i},P{i},STEP,2020-01-01,self,{b}" for i, b in enumerate(given)]
    report = load_files([write(tmp_path, "referrals.csv", rows)], wh)
    assert report.total("rows_warned") == 0
    got = table(wh, "SELECT borough FROM referrals ORDER BY referral_id")["borough"].tolist()
    assert got == ["Brooklyn", "Manhattan", "Staten Island", "Bronx", "Queens", "Staten Island"]


def test_both_date_formats_and_money_formats(tmp_path):
    wh = tmp_path / "w.duckdb"
    rows = [
        'A1,P1,ARREARS_CAP,2020-03-04,"$20,500.50","$21,000.50"',
        "A2,P2,ARREARS_CAP,03/04/2020,1234.5,",
        'A3,P3,PAY_IT_OFF,2020-03-04,"-$75.25",',
    ]
    load_files([write(tmp_path, "arrears_reductions.csv", rows)], wh)
    df = table(wh, "SELECT adjustment_id, applied_on, amount::DOUBLE AS amount, "
                   "dss_balance_before::DOUBLE AS bal FROM arrears_reductions ORDER BY 1")
    assert df["applied_on"].astype(str).tolist() == ["2020-03-04"] * 3
    assert df["amount"].tolist() == [20500.50, 1234.5, -75.25]
    assert df["bal"].tolist()[0] == 21000.50


def test_values_are_trimmed_and_outcome_defaults(tmp_path):
    wh = tmp_path / "w.duckdb"
    rows = ["  E1 , P1 , PSP , 2020-01-01 ,,, Bronx ,", "E2,P2,PSP,2020-01-01,2020-06-01,,,"]
    load_files([write(tmp_path, "enrollments.csv", rows)], wh)
    df = table(wh, "SELECT enrollment_id, outcome, borough FROM enrollments ORDER BY 1")
    assert df.fillna("").values.tolist() == [["E1", "active", "Bronx"], ["E2", "exited", ""]]


def test_parquet_files_load_like_csv(tmp_path):
    wh = tmp_path / "w.duckdb"
    df = pd.DataFrame({"placement_id": ["L1"], "participant_id": ["P1"], "program": ["STEP"],
                       "placed_on": [pd.Timestamp("2021-05-06").date()], "hourly_wage": [18.5]})
    path = tmp_path / "placements_2021.parquet"
    df.to_parquet(path)
    report = load_files([path], wh)
    assert report.total("rows_loaded") == 1
    got = table(wh, "SELECT placed_on, hourly_wage::DOUBLE AS w, sector FROM placements")
    assert str(got["placed_on"][0])[:10] == "2021-05-06" and got["w"][0] == 18.5
    assert got["sector"].isna().all()


def test_kind_option_overrides_file_name(tmp_path):
    wh = tmp_path / "w.duckdb"
    path = tmp_path / "extract_2024.csv"
    path.write_text(HEADERS["referrals"] + "\nR1,P1,STEP,2024-01-01,self,\n")
    with pytest.raises(LoadRefused, match="record type"):
        load_files([path], wh)
    assert load_files([path], wh, kind="referrals").total("rows_loaded") == 1


# -- upsert and idempotence ----------------------------------------------------------------------
def test_later_load_replaces_earlier_version(tmp_path):
    wh = tmp_path / "w.duckdb"
    load_files([write(tmp_path, "enrollments_1.csv", ["E1,P1,PSP,2020-01-01,,,,"])], wh)
    report = load_files([write(tmp_path, "enrollments_2.csv",
                               ["E1,P1,PSP,2020-01-01,2020-09-30,graduated,,",
                                "E2,P2,PSP,2020-02-01,,,,"])], wh)
    f = report.files[0]
    assert (f.rows_inserted, f.rows_updated, f.rows_unchanged) == (1, 1, 0)
    df = table(wh, "SELECT enrollment_id, outcome, load_id FROM enrollments ORDER BY 1")
    assert df.values.tolist() == [["E1", "graduated", 2], ["E2", "active", 2]]


def test_loading_the_same_files_again_changes_nothing(tmp_path, small_warehouse, fresh_copy):
    from tests.conftest import SMALL_FILES

    wh = fresh_copy(small_warehouse)
    tables = ["enrollments", "referrals", "arrears_reductions", "placements", "rejects",
              "warnings"]
    before = {t: table(wh, f"SELECT * FROM {t} ORDER BY ALL") for t in tables}
    report = load_files(SMALL_FILES, wh)
    assert report.total("rows_inserted") == 0 and report.total("rows_updated") == 0
    assert report.total("rows_unchanged") == report.total("rows_loaded") > 0
    for t in tables:
        pd.testing.assert_frame_equal(before[t], table(wh, f"SELECT * FROM {t} ORDER BY ALL"))
    assert table(wh, "SELECT count(*) AS n FROM loads")["n"][0] == 2


def test_reloaded_bad_rows_are_not_recorded_twice(tmp_path):
    wh = tmp_path / "w.duckdb"
    path = write(tmp_path, "enrollments.csv", ["E1,P1,Nope,2020-01-01,,,,",
                                               "E2,P2,PSP,2020-01-01,,,Atlantis,"])
    load_files([path], wh)
    load_files([path], wh)
    assert table(wh, "SELECT count(*) AS n FROM rejects")["n"][0] == 1
    assert table(wh, "SELECT count(*) AS n FROM warnings")["n"][0] == 1


# -- refusal and atomicity -----------------------------------------------------------------------
def test_missing_required_column_refuses_whole_load(tmp_path, small_warehouse, fresh_copy):
    wh = fresh_copy(small_warehouse)
    before = file_hash(wh)
    good = write(tmp_path, "referrals.csv", ["R9,P9,STEP,2020-01-01,self,Bronx"])
    bad = write(tmp_path, "placements.csv", ["L9,P9,STEP,retail"],
                header="placement_id,participant_id,program,sector")
    result = run_cli("load", str(good), str(bad), "--warehouse", str(wh))
    assert result.returncode != 0
    assert "placements.csv" in result.stderr and "placed_on" in result.stderr
    assert "Traceback" not in result.stderr
    assert file_hash(wh) == before


def test_unreadable_file_refuses_whole_load(tmp_path, small_warehouse, fresh_copy):
    wh = fresh_copy(small_warehouse)
    before = file_hash(wh)
    good = write(tmp_path, "referrals.csv", ["R9,P9,STEP,2020-01-01,self,Bronx"])
    broken = tmp_path / "enrollments_broken.csv"
    broken.write_text(HEADERS["enrollments"] + '\nE9,P9,PSP,2020-01-01,,,,,"unclosed,extra\n'
                      "E10,P10\n")
    result = run_cli("load", str(good), str(broken), "--warehouse", str(wh))
    assert result.returncode != 0
    assert "enrollments_broken.csv" in result.stderr and "Traceback" not in result.stderr
    assert file_hash(wh) == before
    missing = run_cli("load", str(tmp_path / "enrollments_nope.csv"), "--warehouse", str(wh))
    assert missing.returncode != 0 and "not found" in missing.stderr


def test_refused_load_does_not_create_a_warehouse(tmp_path):
    wh = tmp_path / "new.duckdb"
    bad = write(tmp_path, "enrollments.csv", [], header="enrollment_id,program")
    assert run_cli("load", str(bad), "--warehouse", str(wh)).returncode != 0
    assert not wh.exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("new.duckdb")]


def test_failure_midway_leaves_warehouse_unchanged(tmp_path, small_warehouse, fresh_copy,
                                                   monkeypatch):
    import etl.load

    wh = fresh_copy(small_warehouse)
    before = file_hash(wh)

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(etl.load, "_record_quality", boom)
    with pytest.raises(RuntimeError):
        load_files([write(tmp_path, "referrals.csv", ["R9,P9,STEP,2020-01-01,self,"])], wh)
    assert file_hash(wh) == before
    assert not list(tmp_path.glob("*.loading*"))


def test_records_spanning_many_years_are_not_refused_by_the_metric_engine(tmp_path,
                                                                           small_warehouse,
                                                                           fresh_copy):
    # The metric models hold any dates (issue 12); whether a date is plausible is the
    # ETL's per-row business, not the engine's.
    from warehouse.query import Filters, Warehouse

    wh = fresh_copy(small_warehouse)
    odd = write(tmp_path, "referrals.csv", ["R9,P9,STEP,1801-01-01,self,"])  # a placeholder date
    r = run_cli("load", str(odd), "--warehouse", str(wh))
    assert r.returncode == 0, r.stderr
    rejected = "R9" in run_cli("rejects", "--warehouse", str(wh), "--format", "csv").stdout
    m = Warehouse(wh).metrics(Filters(1801, 1801, ("STEP",)))
    assert m["referrals"].tolist() == [0 if rejected else 1]  # counted unless a rejected row


def test_reader_keeps_a_consistent_view_while_a_load_swaps_the_file(tmp_path):
    wh = tmp_path / "w.duckdb"
    load_files([write(tmp_path, "referrals_1.csv", ["R1,P1,STEP,2020-01-01,self,"])], wh)
    reader = duckdb.connect(str(wh), read_only=True)
    load_files([write(tmp_path, "referrals_2.csv", ["R2,P2,STEP,2020-01-01,self,"])], wh)
    assert reader.execute("SELECT count(*) FROM referrals").fetchone()[0] == 1  # old file
    reader.close()
    assert table(wh, "SELECT count(*) AS n FROM referrals")["n"][0] == 2


# -- privacy and audit ---------------------------------------------------------------------------
def test_no_raw_participant_id_anywhere_in_the_file(tmp_path):
    wh = tmp_path / "w.duckdb"
    raw_ids = [f"NCP-SECRET-{i:04d}" for i in range(30)]
    rows = [f"E{i},{pid},PSP,2020-01-01,,,Bronx," for i, pid in enumerate(raw_ids)]
    rows.append(f"E99,{raw_ids[0]},Nope,2020-01-01,,,,")  # a rejected row keeps no raw id either
    load_files([write(tmp_path, "enrollments.csv", rows)], wh)
    blob = wh.read_bytes()
    assert not any(pid.encode() in blob for pid in raw_ids)
    assert b"NCP-SECRET" not in blob
    row_json = table(wh, "SELECT row_json FROM rejects")["row_json"][0]
    assert "participant_key" in row_json and "NCP-SECRET" not in row_json


def test_same_id_same_key_across_loads_and_key_is_keyed_hmac(tmp_path, monkeypatch):
    import hmac

    wh = tmp_path / "w.duckdb"
    load_files([write(tmp_path, "enrollments.csv", ["E1,NCP-1,PSP,2020-01-01,,,,"])], wh)
    load_files([write(tmp_path, "referrals.csv", ["R1,NCP-1,STEP,2020-01-01,self,"])], wh)
    k1 = table(wh, "SELECT participant_key FROM enrollments")["participant_key"][0]
    k2 = table(wh, "SELECT participant_key FROM referrals")["participant_key"][0]
    expected = hmac.new(TEST_HMAC_KEY.encode(), b"NCP-1", "sha256").hexdigest()
    assert k1 == k2 == expected
    monkeypatch.setenv("OUTCOMES_HMAC_KEY", "another-key-that-is-long-enough-0123456789")
    wh2 = tmp_path / "w2.duckdb"
    load_files([write(tmp_path, "enrollments.csv", ["E1,NCP-1,PSP,2020-01-01,,,,"])], wh2)
    assert table(wh2, "SELECT participant_key FROM enrollments")["participant_key"][0] != k1


def test_key_file_created_on_first_use(tmp_path, monkeypatch):
    from core.settings import create_key_file, hmac_key

    monkeypatch.delenv("OUTCOMES_HMAC_KEY")
    key_file = tmp_path / "keys" / ".hmac_key"
    monkeypatch.setenv("OUTCOMES_KEY_FILE", str(key_file))
    create_key_file()
    first = hmac_key()
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert hmac_key() == first and len(first) == 64


def test_load_audit_records_files_hashes_and_counts(small_warehouse):
    from tests.conftest import SMALL_FILES

    loads = table(small_warehouse, "SELECT * FROM loads")
    assert loads["outcome"].tolist() == ["committed"]
    assert (loads["finished_at"] >= loads["started_at"]).all()
    files = table(small_warehouse, "SELECT * FROM load_files ORDER BY file_name")
    assert files["file_name"].tolist() == [p.name for p in SMALL_FILES]
    assert files["file_sha256"].tolist() == [file_hash(p) for p in SMALL_FILES]
    assert int(files["rows_read"].sum()) == int(loads["rows_read"][0]) == 21
    assert int(loads["rows_rejected"][0]) == 0
