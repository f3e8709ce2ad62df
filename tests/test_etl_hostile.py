"""Hostile but realistic input files: the loader stores only what a file says, or says why not.

File names with glob characters, dates and amounts outside the contract's grammar, duplicated
headers, wrong encodings and broken CSV, a full disk, a killed load, the warehouse file's mode,
and the pseudonymization key. Real files, real DuckDB files, real subprocesses.
"""

from __future__ import annotations

import gzip
import hmac
import os
import re
import resource
import signal
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.load import LoadRefused, load_files
from tests.conftest import TEST_HMAC_KEY
from tests.test_etl import HEADERS, file_hash, run_cli, table, write
from tests.tiers import examples

RAW_CSV_ERRORS = ("CSV Error on Line", "sniffing", "Traceback", "Invalid Input Error")


def refusal(path_or_paths, wh: Path, **kw) -> str:
    paths = path_or_paths if isinstance(path_or_paths, list) else [path_or_paths]
    with pytest.raises(LoadRefused) as e:
        load_files(paths, wh, **kw)
    msg = str(e.value)
    assert not any(raw in msg for raw in RAW_CSV_ERRORS), msg
    return msg


def rejects(wh: Path) -> pd.DataFrame:
    return table(wh, "SELECT line, reason, all_reasons, record_id FROM rejects ORDER BY line")


# -- file names are literal ---------------------------------------------------------------------
TRICKY_NAMES = [
    "enrollments_[12].csv", "enrollments_*.csv", "enrollments_?.csv", "enrollments_{1,2}.csv",
    "enrollments_**.csv", "enrollments_o'brien.csv", 'enrollments_"q".csv',
    "enrollments with space.csv", "enrollments_ñé漢字.csv", "enrollments_[!x].csv",
]


def _decoys(d: Path) -> None:
    for i in (1, 2):
        write(d, f"enrollments_{i}.csv", [f"DECOY{i},P{i},PSP,2020-01-01,,,,"])
    write(d, "enrollments_x.csv", ["DECOYX,PX,PSP,2020-01-01,,,,"])


@pytest.fixture(scope="module")
def tricky_names_loaded(tmp_path_factory):
    """Every tricky name as a file of its own (record and participant ids its own) beside the
    decoys, all in one load: a name read as a pattern would read the decoys or the other
    tricky files too. The report's files are in TRICKY_NAMES' order."""
    d = tmp_path_factory.mktemp("tricky")
    _decoys(d)
    files = [write(d, name, [f"MINE{i},P9-{i},PSP,2020-01-01,,,,"])
             for i, name in enumerate(TRICKY_NAMES)]
    report = load_files(files, d / "w.duckdb")
    assert [f.path.name for f in report.files] == TRICKY_NAMES
    # Exactly the tricky files' rows, each once: no decoy, nothing read twice.
    got = table(d / "w.duckdb", "SELECT enrollment_id FROM enrollments ORDER BY 1")
    assert got["enrollment_id"].tolist() == sorted(f"MINE{i}" for i in range(len(files)))
    return d / "w.duckdb", report, files


@pytest.mark.parametrize("name", TRICKY_NAMES)
def test_a_file_name_is_read_literally(tricky_names_loaded, name):
    wh, report, files = tricky_names_loaded
    case = TRICKY_NAMES.index(name)
    named = files[case]
    assert report.files[case].rows_read == 1
    assert report.files[case].rows_loaded == 1
    audit = table(wh, "SELECT file_name, file_sha256, bytes, rows_read FROM load_files")
    assert [row for row in audit.values.tolist() if row[0] == name] == [
        [name, file_hash(named), named.stat().st_size, 1]]


@settings(max_examples=examples(8), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="[]*?{},'\" !-_.ñ漢\\", min_size=1, max_size=8))
def test_any_file_name_is_read_literally(tmp_path_factory, suffix):
    d = tmp_path_factory.mktemp("names")
    _decoys(d)
    name = "enrollments_" + suffix.replace("/", "") + ".csv"
    named = write(d, name, ["MINE,P9,PSP,2020-01-01,,,,"])
    wh = d / "w.duckdb"
    load_files([named], wh)
    assert table(wh, "SELECT enrollment_id FROM enrollments")["enrollment_id"].tolist() == [
        "MINE"]
    assert table(wh, "SELECT file_sha256 FROM load_files")["file_sha256"][0] == file_hash(named)


def test_a_parquet_file_name_is_read_literally(tmp_path):
    def parquet(name: str, pid: str) -> Path:
        path = tmp_path / name
        pd.DataFrame({"placement_id": [pid], "participant_id": ["P1"], "program": ["STEP"],
                      "placed_on": ["2021-05-06"]}).to_parquet(path)
        return path

    parquet("placements_1 'x'.parquet", "DECOY1")
    parquet("placements_2 'x'.parquet", "DECOY2")
    named = parquet("placements_[12] 'x'.parquet", "MINE")
    wh = tmp_path / "w.duckdb"
    load_files([named], wh)
    assert table(wh, "SELECT placement_id FROM placements")["placement_id"].tolist() == ["MINE"]
    assert table(wh, "SELECT file_sha256 FROM load_files")["file_sha256"][0] == file_hash(named)


# -- dates ---------------------------------------------------------------------------------------
NOT_DATES = ["infinity", "-infinity", "epoch", "today", "now", "yesterday", "tomorrow",
             "allballs", "2020-1-1", "2020-01-01 10:00", "2020-01-01T00:00:00", "20200101",
             "+2020-01-01", "2020/01/01", "2020-02-30", "13/01/2020", "2020-01-01 BC",
             "1/5/2020", "01-05-2020", "Jan 5 2020"]


def test_only_the_contracts_date_formats_are_dates(tmp_path):
    rows = [f"E{i},P{i},PSP,{v},,,," for i, v in enumerate(NOT_DATES)]
    rows += ["OK1,P1,PSP,2020-03-04,,,,", "OK2,P2,PSP,03/04/2020,,,,"]
    wh = tmp_path / "w.duckdb"
    report = load_files([write(tmp_path, "enrollments.csv", rows)], wh)
    assert report.total("rows_rejected") == len(NOT_DATES) and report.total("rows_loaded") == 2
    r = rejects(wh)
    assert set(r["reason"]) == {"unparseable enrolled_on"}
    for line, value, all_reasons in zip(r["line"], NOT_DATES, r["all_reasons"], strict=True):
        assert value in all_reasons, (line, value, all_reasons)
    dates = table(wh, "SELECT DISTINCT enrolled_on::VARCHAR AS d FROM enrollments")["d"]
    assert dates.tolist() == ["2020-03-04"]


def test_implausible_dates_cost_one_row_not_the_file(tmp_path):
    soon = date.today() + timedelta(days=300)
    late = date.today() + timedelta(days=400)
    rows = ["E1,P1,PSP,1801-01-01,,,,", "E2,P2,PSP,9999-12-31,,,,", "E3,P3,PSP,1989-12-31,,,,",
            f"E4,P4,PSP,{late},,,,", "E5,P5,PSP,2020-01-01,9999-12-31,exited,,",
            "E6,P6,PSP,1990-01-01,,,,", f"E7,P7,PSP,{soon},,,,", "E8,P8,PSP,12/31/1969,,,,"]
    wh = tmp_path / "w.duckdb"
    report = load_files([write(tmp_path, "enrollments.csv", rows)], wh)
    assert report.total("rows_loaded") == 2
    r = rejects(wh)
    assert r["line"].tolist() == [2, 3, 4, 5, 6, 9]
    assert set(r["reason"]) == {"date out of range"}
    assert "9999-12-31" in r["all_reasons"][4] and "exited_on" in r["all_reasons"][4]
    years = table(wh, "SELECT min(year(enrolled_on)) AS lo, max(year(enrolled_on)) AS hi "
                      "FROM enrollments")
    assert years.values.tolist() == [[1990, soon.year]]


def test_a_placeholder_date_no_longer_refuses_the_load(tmp_path, small_warehouse, fresh_copy):
    wh = fresh_copy(small_warehouse)
    odd = write(tmp_path, "referrals.csv", ["R9,P9,STEP,1801-01-01,self,",
                                            "R10,P10,STEP,2020-01-01,self,"])
    r = run_cli("load", str(odd), "--warehouse", str(wh))
    assert r.returncode == 0, r.stderr
    assert table(wh, "SELECT min(referred_on)::VARCHAR AS d FROM referrals")["d"][0] >= "1990"
    assert table(wh, "SELECT reason FROM rejects WHERE record_id = 'R9'")["reason"].tolist() == [
        "date out of range"]


def test_the_earliest_date_is_a_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTCOMES_EARLIEST_DATE", "1980-01-01")
    wh = tmp_path / "w.duckdb"
    rows = ["E1,P1,PSP,1985-06-01,,,,", "E2,P2,PSP,1979-12-31,,,,"]
    report = load_files([write(tmp_path, "enrollments.csv", rows)], wh)
    assert report.total("rows_loaded") == 1 and rejects(wh)["record_id"].tolist() == ["E2"]
    monkeypatch.setenv("OUTCOMES_EARLIEST_DATE", "the eighties")
    assert "OUTCOMES_EARLIEST_DATE" in refusal(write(tmp_path, "enrollments.csv", rows), wh)


# -- amounts -------------------------------------------------------------------------------------
_CON = duckdb.connect()


def _sql_money(values: list[str], decimals: str = "DECIMAL(14, 2)") -> list:
    """etl/normalize.py's amount parser applied by DuckDB to each value, in order."""
    from etl.normalize import _money

    return [r[0] for r in _CON.execute(
        f"SELECT {_money('v', decimals)} FROM (SELECT unnest($1::VARCHAR[]) AS v, "
        "generate_subscripts($1::VARCHAR[], 1) AS i) ORDER BY i", [values]).fetchall()]


@st.composite
def valid_amounts(draw) -> tuple[str, Decimal]:
    whole = draw(st.integers(0, 10**11))
    grouped = draw(st.booleans())
    digits = f"{whole:,}" if grouped else str(whole)
    if not grouped and draw(st.booleans()):
        digits = "0" * draw(st.integers(1, 2)) + digits  # leading zeros are still digits
    cents = draw(st.sampled_from(["", "0", "5", "00", "07", "99"]))
    number = digits + ("." + cents if cents else "")
    dollar = "$" if draw(st.booleans()) else ""
    form = draw(st.sampled_from(["plain", "minus", "plus", "parens", "minus_after_dollar"]))
    text = {"plain": dollar + number, "minus": "-" + dollar + number,
            "plus": "+" + dollar + number, "parens": "(" + dollar + number + ")",
            "minus_after_dollar": "$-" + number}[form]
    value = Decimal(digits.replace(",", "") + ("." + cents if cents else ""))
    return text, -value if form in ("minus", "parens", "minus_after_dollar") else value


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(valid_amounts(), min_size=1, max_size=20))
def test_every_amount_in_the_grammar_is_accepted_with_its_value(cases):
    got = _sql_money([text for text, _ in cases])
    assert got == [value for _, value in cases]


# The grammar, written independently of etl/normalize.py's SQL.
_REFERENCE = re.compile(
    r"(?:[+-]?\$?|\$[+-])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?"
    r"|\(\$?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?\)", re.ASCII)


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(st.text(alphabet="0123456789,.$-+() _eE\u0661x", max_size=12), min_size=1,
                max_size=20))
def test_anything_outside_the_grammar_is_not_an_amount(texts):
    texts = [t for t in texts if t.strip() == t and t] or ["1"]  # values arrive trimmed
    got = _sql_money(texts, "DECIMAL(38, 2)")
    for text, value in zip(texts, got, strict=True):
        assert (value is not None) == bool(_REFERENCE.fullmatch(text)), text


def test_malformed_amounts_are_rejected_rows_in_every_money_column(tmp_path):
    wh = tmp_path / "w.duckdb"
    bad = ["1,23", "1,2,3,4", "1_000", "1.234", "1e5", "$$5", "--5", "(-5)", "5-", "12 345",
           "NaN", "inf", "0x10", "1,000.", ".50", "$ 5", "１２"]
    rows = [f'A{i},P{i},ARREARS_CAP,2020-01-01,"{v}",' for i, v in enumerate(bad)]
    rows += ['B1,Q1,PAY_IT_OFF,2020-01-01,100,"1,23"',
             'B2,Q2,PAY_IT_OFF,2020-01-01,"(1,234.50)","$2,000"']
    load_files([write(tmp_path, "arrears_reductions.csv", rows)], wh)
    r = rejects(wh)
    assert r["record_id"].tolist() == [f"A{i}" for i in range(len(bad))] + ["B1"]
    assert set(r["reason"]) == {"malformed amount"}
    assert "dss_balance_before" in r["all_reasons"].iloc[-1]
    got = table(wh, "SELECT amount::VARCHAR AS a, dss_balance_before::VARCHAR AS b "
                    "FROM arrears_reductions")
    assert got.values.tolist() == [["-1234.50", "2000.00"]]
    placements = write(tmp_path, "placements.csv", ['L1,P1,STEP,2020-01-01,retail,"1,5",',
                                                    "L2,P2,STEP,2020-01-01,retail,17.5,"])
    load_files([placements], wh)
    assert table(wh, "SELECT reason FROM rejects WHERE record_id = 'L1'")["reason"].tolist() == [
        "malformed amount"]


# -- headers -------------------------------------------------------------------------------------
@pytest.mark.parametrize("header", [
    HEADERS["enrollments"] + ",PROGRAM",
    HEADERS["enrollments"].replace("program", "program, Program "),
])
def test_a_duplicated_column_refuses_the_file(tmp_path, header):
    path = write(tmp_path, "enrollments.csv", ["E1,P1,PSP,2020-01-01,,,,,STEP"], header=header)
    msg = refusal(path, tmp_path / "w.duckdb")
    assert "duplicate" in msg and "program" in msg.lower()


def test_a_duplicated_parquet_column_refuses_the_file(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "placements.parquet"
    cols = ["placement_id", "participant_id", "program", "placed_on", "PROGRAM"]
    pq.write_table(pa.table([pa.array(["x"])] * 5, names=cols), path)
    assert "duplicate" in refusal(path, tmp_path / "w.duckdb")


# -- refusals say why, with physical lines ------------------------------------------------------
H = HEADERS["enrollments"].encode()
BAD_FILES = [
    ("latin1", H + "\nE1,P1,PSP,2020-01-01,,,Queens,caf\u00e9\n".encode("latin-1"),
     "not UTF-8 (looks like Latin-1) at line 2"),
    ("cp1252", H + b"\nE1,P1,PSP,2020-01-01,,,,\nE2,P2,PSP,2020-01-01,,,,\x93x\x94\n",
     "not UTF-8 (looks like Windows-1252) at line 3"),
    ("utf16", (HEADERS["enrollments"] + "\nE1,P1,PSP,2020-01-01,,,,\n").encode("utf-16"),
     "UTF-16 is not supported: save as UTF-8"),
    ("utf16le", (HEADERS["enrollments"] + "\nE1,P1,PSP,2020-01-01,,,,\n").encode("utf-16-le"),
     "UTF-16 is not supported: save as UTF-8"),
    ("unterminated", H + b'\nE1,P1,PSP,2020-01-01,,,,\nE2,P2,"PSP,2020-01-01,,,,\n'
     b"E3,P3,PSP,2020-01-01,,,,\n", "unterminated quote starting at line 3"),
    ("gzip_named_csv", gzip.compress(H + b"\nE1,P1,PSP,2020-01-01,,,,\n"),
     "gzip-compressed: name it"),
    ("empty", b"", "empty"),
    ("blank", b"\n\n  \n", "empty"),
    ("binary", b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)), "binary"),
    ("xlsx", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "Excel"),
    ("too_many_fields", H + b"\nE1,P1,PSP,2020-01-01,,,,\nE2,P2,PSP,2020-01-01,,,,,extra\n",
     "line 3 has 9 fields but the header has 8"),
    ("too_few_fields", H + b"\nE1,P1,PSP,2020-01-01,,,,\nE2,P2\n",
     "line 3 has 2 fields but the header has 8"),
    ("semicolons", H.replace(b",", b";") + b"\nE1;P1;PSP;2020-01-01;;;;\n",
     "separated by ';', not commas"),
    ("long_line", H + b"\nE1,P1,PSP,2020-01-01,,,," + b"x" * 3_000_000 + b"\n",
     "line size"),
    ("after_quoted_newline", H + b'\nE1,P1,PSP,2020-01-01,,,"The\nBronx",\n\nE2,P2\n',
     "line 5 has 2 fields but the header has 8"),
]


@pytest.mark.parametrize("name,data,expected", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_refused_file_says_why_in_words(tmp_path, name, data, expected):
    path = tmp_path / f"enrollments_{name}.csv"
    path.write_bytes(data)
    msg = refusal(path, tmp_path / "w.duckdb")
    assert expected in msg and path.name in msg, msg
    assert not (tmp_path / "w.duckdb").exists()


def test_a_directory_is_refused_as_such(tmp_path):
    d = tmp_path / "enrollments_dir.csv"
    d.mkdir()
    assert "is a directory" in refusal(d, tmp_path / "w.duckdb")


def test_a_gzip_file_named_csv_gz_is_read(tmp_path):
    path = tmp_path / "enrollments.csv.gz"
    path.write_bytes(gzip.compress(H + b"\nE1,P1,PSP,2020-01-01,,,,\nE2,P2,Nope,2020-01-01,,,,\n"))
    wh = tmp_path / "w.duckdb"
    report = load_files([path], wh)
    assert (report.total("rows_loaded"), report.total("rows_rejected")) == (1, 1)
    assert rejects(wh)["line"].tolist() == [3]
    assert table(wh, "SELECT file_sha256 FROM load_files")["file_sha256"][0] == file_hash(path)


def test_a_utf8_bom_is_not_part_of_the_first_column(tmp_path):
    path = tmp_path / "enrollments.csv"
    path.write_bytes(b"\xef\xbb\xbf" + H + b"\r\nE1,P1,PSP,2020-01-01,,,,\r\n")
    assert load_files([path], tmp_path / "w.duckdb").total("rows_loaded") == 1


def test_reject_lines_are_physical_lines_after_quoted_newlines_and_blank_lines(tmp_path):
    path = tmp_path / "enrollments.csv"
    path.write_bytes(H + b'\nE1,P1,PSP,2020-01-01,,,"The\nBronx",\n\nE2,P2,Nope,2020-01-01,,,,\n'
                     b'E3,P3,PSP,2020-01-01,,,"a\r\nb\nc",\nE4,P4,PSP,infinity,,,,\n')
    wh = tmp_path / "w.duckdb"
    load_files([path], wh)
    assert rejects(wh)[["line", "record_id"]].values.tolist() == [[5, "E2"], [9, "E4"]]


def test_cli_refusals_exit_2_without_traceback(tmp_path):
    path = tmp_path / "enrollments.csv"
    path.write_bytes(BAD_FILES[0][1])
    r = run_cli("load", str(path), "--warehouse", str(tmp_path / "w.duckdb"))
    assert r.returncode == 2 and "not UTF-8" in r.stderr and "Traceback" not in r.stderr


# -- disk full -----------------------------------------------------------------------------------
def test_too_little_free_space_is_refused_up_front(tmp_path, small_warehouse, fresh_copy,
                                                   monkeypatch):
    wh = fresh_copy(small_warehouse)
    before = file_hash(wh)
    monkeypatch.setenv("OUTCOMES_LOAD_FREE_SPACE_RESERVE_MB", str(10**12))
    msg = refusal(write(tmp_path, "referrals.csv", ["R9,P9,STEP,2020-01-01,self,"]), wh)
    assert "free" in msg and "MB" in msg and "needs" in msg, msg
    assert file_hash(wh) == before
    assert sorted(p.name for p in wh.parent.iterdir() if p.name.startswith(wh.name)) == [
        wh.name, wh.name + ".lock"]


def _limited(limit_bytes: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
    return apply


@pytest.mark.parametrize("room", [0.5, 1.02])
def test_a_write_that_fails_for_space_is_a_clean_refusal(tmp_path, small_warehouse, fresh_copy,
                                                          room):
    """A real failing write: the process may not write files larger than `room` times the
    warehouse (RLIMIT_FSIZE), so the copy (0.5) or the load's own writes (1.02) fail."""
    wh = fresh_copy(small_warehouse)
    before = file_hash(wh)
    rows = [f"R{i},P{i},STEP,2020-01-01,self,Bronx" for i in range(20000)]
    src = write(tmp_path, "referrals.csv", rows)
    r = subprocess.run([sys.executable, "-m", "outcomes.cli", "load", str(src), "--warehouse",
                        str(wh)], capture_output=True, text=True,
                       preexec_fn=_limited(int(wh.stat().st_size * room)))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and "free" in r.stderr and "MB" in r.stderr, r.stderr
    assert file_hash(wh) == before
    assert sorted(p.name for p in wh.parent.iterdir() if p.name.startswith(wh.name)) == [
        wh.name, wh.name + ".lock"]


# -- killed loads --------------------------------------------------------------------------------
def test_a_killed_load_leaves_nothing_behind_after_the_next_load(tmp_path, small_warehouse,
                                                                 fresh_copy):
    wh = fresh_copy(small_warehouse)
    before = file_hash(wh)
    src = write(tmp_path, "referrals_1.csv", [f"R{i},P{i},STEP,2020-01-01,self," for i in
                                              range(1000)])
    script = (
        "import sys, time\n"
        "from etl.load import load_files\n"
        "def hang(msg):\n"
        "    print(msg, flush=True)\n"
        "    time.sleep(600)\n"
        f"load_files([{str(src)!r}], {str(wh)!r}, progress=hang)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert "reading" in proc.stdout.readline()  # the load is under way on its copy
        stale = [p for p in wh.parent.iterdir() if p.name.endswith(".loading")]
        assert stale, "the load should be working on a .loading copy"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert file_hash(wh) == before
    # A second .wal beside it, as a load killed while writing leaves.
    Path(str(stale[0]) + ".wal").write_bytes(b"x" * 100)
    load_files([write(tmp_path, "referrals_2.csv", ["R9,P9,STEP,2020-01-01,self,"])], wh)
    assert sorted(p.name for p in wh.parent.iterdir() if p.name.startswith(wh.name)) == [
        wh.name, wh.name + ".lock"]
    assert table(wh, "SELECT count(*) AS n FROM referrals WHERE referral_id = 'R9'")["n"][0] == 1


def test_stale_copies_of_another_warehouse_are_left_alone(tmp_path):
    wh = tmp_path / "w.duckdb"
    other = tmp_path / "w.duckdb.demo-building.abcdefgh.loading"
    other.write_bytes(b"not mine")
    load_files([write(tmp_path, "referrals.csv", ["R9,P9,STEP,2020-01-01,self,"])], wh)
    assert other.exists()


# -- file mode -----------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o664])
def test_a_load_keeps_the_warehouse_files_mode_and_group(tmp_path, small_warehouse, fresh_copy,
                                                         mode):
    wh = fresh_copy(small_warehouse)
    os.chmod(wh, mode)
    gid = 4321 if os.geteuid() == 0 else os.getgroups()[-1]
    os.chown(wh, -1, gid)
    load_files([write(tmp_path, "referrals.csv", ["R9,P9,STEP,2020-01-01,self,"])], wh)
    st_ = wh.stat()
    assert (oct(st_.st_mode & 0o7777), st_.st_gid) == (oct(mode), gid)


# -- the pseudonymization key --------------------------------------------------------------------
FINGERPRINT = "participant_key_fingerprint"


def _meta(wh: Path) -> dict:
    return dict(table(wh, "SELECT key, value FROM meta").values.tolist())


def test_the_keys_fingerprint_is_stored_never_the_key(tmp_path):
    wh = tmp_path / "w.duckdb"
    load_files([write(tmp_path, "referrals.csv", ["R1,P1,STEP,2020-01-01,self,"])], wh)
    fp = _meta(wh)[FINGERPRINT]
    assert fp and TEST_HMAC_KEY not in fp and TEST_HMAC_KEY.encode() not in wh.read_bytes()
    assert fp != hmac.new(TEST_HMAC_KEY.encode(), b"P1", "sha256").hexdigest()


def test_a_load_with_another_key_is_refused(tmp_path, monkeypatch):
    wh = tmp_path / "w.duckdb"
    load_files([write(tmp_path, "referrals.csv", ["R1,P1,STEP,2020-01-01,self,"])], wh)
    before = file_hash(wh)
    monkeypatch.setenv("OUTCOMES_HMAC_KEY", "a-different-key-that-is-long-enough-0123456789")
    msg = refusal(write(tmp_path, "referrals.csv", ["R2,P2,STEP,2020-01-01,self,"]), wh)
    assert "key" in msg and "restore" in msg, msg
    assert file_hash(wh) == before


@pytest.mark.parametrize("key", ["", "short-key", "x" * 31])
def test_an_empty_or_short_key_is_refused(tmp_path, monkeypatch, key):
    monkeypatch.delenv("OUTCOMES_HMAC_KEY")
    key_file = tmp_path / "key"
    key_file.write_text(key)
    key_file.chmod(0o600)
    monkeypatch.setenv("OUTCOMES_KEY_FILE", str(key_file))
    msg = refusal(write(tmp_path, "referrals.csv", ["R1,P1,STEP,2020-01-01,self,"]),
                  tmp_path / "w.duckdb")
    assert "32 bytes" in msg, msg
    monkeypatch.setenv("OUTCOMES_HMAC_KEY", "short")
    assert "32 bytes" in refusal(write(tmp_path, "referrals.csv", ["R1,P1,STEP,2020-01-01,"
                                                                   "self,"]),
                                 tmp_path / "w.duckdb")


def test_a_key_file_readable_by_others_is_warned_about(tmp_path, monkeypatch):
    monkeypatch.delenv("OUTCOMES_HMAC_KEY")
    key_file = tmp_path / "key"
    key_file.write_text("k" * 40)
    key_file.chmod(0o644)
    monkeypatch.setenv("OUTCOMES_KEY_FILE", str(key_file))
    src = write(tmp_path, "referrals.csv", ["R1,P1,STEP,2020-01-01,self,"])
    r = run_cli("load", str(src), "--warehouse", str(tmp_path / "w.duckdb"))
    assert r.returncode == 0, r.stderr
    assert "warning" in r.stderr and "readable" in r.stderr and str(key_file) in r.stderr


def test_a_missing_key_for_a_warehouse_with_data_is_an_error(tmp_path, monkeypatch):
    wh = tmp_path / "w.duckdb"
    load_files([write(tmp_path, "referrals.csv", ["R1,P1,STEP,2020-01-01,self,"])], wh)
    monkeypatch.delenv("OUTCOMES_HMAC_KEY")
    key_file = tmp_path / "keys" / ".hmac_key"
    monkeypatch.setenv("OUTCOMES_KEY_FILE", str(key_file))
    msg = refusal(write(tmp_path, "referrals.csv", ["R2,P2,STEP,2020-01-01,self,"]), wh)
    assert "restore" in msg and str(key_file) in msg, msg
    assert not key_file.exists()


def test_a_new_warehouse_gets_a_new_key_file(tmp_path, monkeypatch):
    monkeypatch.delenv("OUTCOMES_HMAC_KEY")
    key_file = tmp_path / "keys" / ".hmac_key"
    monkeypatch.setenv("OUTCOMES_KEY_FILE", str(key_file))
    wh = tmp_path / "w.duckdb"
    load_files([write(tmp_path, "referrals.csv", ["R1,P1,STEP,2020-01-01,self,"])], wh)
    assert oct(key_file.stat().st_mode & 0o777) == "0o600" and len(key_file.read_bytes()) >= 32
    load_files([write(tmp_path, "referrals.csv", ["R2,P2,STEP,2020-01-01,self,"])], wh)
    assert table(wh, "SELECT count(*) AS n FROM referrals")["n"][0] == 2


def test_a_warehouse_without_a_fingerprint_gets_one_on_the_next_load(tmp_path):
    wh = tmp_path / "w.duckdb"
    load_files([write(tmp_path, "referrals.csv", ["R1,P1,STEP,2020-01-01,self,"])], wh)
    fp = _meta(wh)[FINGERPRINT]
    con = duckdb.connect(str(wh))
    con.execute(f"DELETE FROM meta WHERE key = '{FINGERPRINT}'")
    con.close()
    load_files([write(tmp_path, "referrals.csv", ["R2,P2,STEP,2020-01-01,self,"])], wh)
    assert _meta(wh)[FINGERPRINT] == fp


def test_the_demo_creates_a_key_for_its_new_warehouse(tmp_path, monkeypatch):
    monkeypatch.delenv("OUTCOMES_HMAC_KEY")
    monkeypatch.setenv("OUTCOMES_KEY_FILE", str(tmp_path / "demo.key"))
    wh = tmp_path / "demo.duckdb"
    r = run_cli("demo", "--scale", "0.05", "--warehouse", str(wh))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "demo.key").exists() and FINGERPRINT in _meta(wh)


def test_a_warehouse_path_that_is_not_a_warehouse_is_refused(tmp_path):
    wh = tmp_path / "w.duckdb"
    wh.write_text("not a database")
    msg = refusal(write(tmp_path, "referrals.csv", ["R1,P1,STEP,2020-01-01,self,"]), wh)
    assert "cannot be opened as a DuckDB warehouse" in msg
    assert wh.read_text() == "not a database"
