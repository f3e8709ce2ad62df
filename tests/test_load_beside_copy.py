"""A load into an existing warehouse reads the live file (attached read-only) while a thread
copies it, and writes only to the copy (etl/load.py, _load_beside_copy). It must give the same
warehouse as a load done wholly on the copy, and leave the live file unchanged until the swap."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import duckdb
import pytest

import etl.load
from etl.load import LoadRefused, load_files
from tests.test_etl import file_hash, write

ROWS = {
    "enrollments.csv": ["E_NEW1,P1,STEP,2023-02-01,2023-09-30,graduated,Bronx,",
                        "E_NEW2,P_NEW,PSP,2023-03-01,,,Queens,"],
    "referrals.csv": ["R_NEW1,P1,STEP,2023-01-05,self,Bronx", "R_NEW2,P_NEW,PSP,2023-02-05,,"],
    "arrears_reductions.csv": ["A_NEW1,P_NEW,ARREARS_CREDIT,2023-05-01,700,"],
}


def _files(tmp_path):
    return [write(tmp_path, name, rows) for name, rows in ROWS.items()]


def _contents(path) -> dict[str, list]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for (t,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall():
            cols = [c for (c, ty) in con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? "
                "ORDER BY column_index", [t]).fetchall() if not ty.startswith("TIMESTAMP")]
            out[t] = sorted(con.execute(f"SELECT {', '.join(cols)} FROM {t}").fetchall(),
                            key=repr)
        return out
    finally:
        con.close()


def test_a_load_beside_the_copy_equals_a_load_on_the_copy(tmp_path, small_warehouse,
                                                          monkeypatch):
    beside, sequential = tmp_path / "a" / "w.duckdb", tmp_path / "b" / "w.duckdb"
    for wh in (beside, sequential):
        wh.parent.mkdir()
        shutil.copyfile(small_warehouse, wh)
    used = []
    real = etl.load._load_beside_copy
    monkeypatch.setattr(etl.load, "_load_beside_copy",
                        lambda *a, **k: used.append(1) or real(*a, **k))
    files = _files(tmp_path)
    report = load_files(files, beside)
    assert used == [1] and report.total("rows_loaded") == 5 and report.total("rows_rejected") == 0
    monkeypatch.setattr(etl.load, "_schema_is_current", lambda con: False)
    load_files(files, sequential)
    assert used == [1]
    assert _contents(beside) == _contents(sequential)
    # Idempotent: the same files again change nothing but the load log.
    before = _contents(beside)
    load_files(files, beside)
    after = _contents(beside)
    for t in set(before) - {"loads", "load_files"}:
        assert after[t] == before[t], t


def test_the_live_file_is_only_read_until_the_swap(tmp_path, small_warehouse, fresh_copy,
                                                   monkeypatch):
    wh = fresh_copy(small_warehouse)
    before = file_hash(wh)
    seen = []
    real_swap = etl.load._swap_in

    def swap(tmp, warehouse):
        seen.append(file_hash(warehouse))
        real_swap(tmp, warehouse)

    monkeypatch.setattr(etl.load, "_swap_in", swap)
    load_files(_files(tmp_path), wh)
    assert seen == [before] and file_hash(wh) != before


def test_a_copy_that_fails_is_a_clean_refusal(tmp_path, small_warehouse, fresh_copy,
                                              monkeypatch):
    wh = fresh_copy(small_warehouse)
    before = file_hash(wh)

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(etl.load.shutil, "copyfile", full)
    with pytest.raises(LoadRefused, match="disk space"):
        load_files(_files(tmp_path), wh)
    assert file_hash(wh) == before
    assert sorted(p.name for p in wh.parent.iterdir() if p.name.startswith(wh.name)) == [
        wh.name, wh.name + ".lock"]


def test_a_live_file_with_a_wal_is_read_from_the_copy_only(tmp_path, small_warehouse,
                                                           fresh_copy, monkeypatch):
    """The copy never includes a WAL beside the live file, so the load must not read the live
    file (which DuckDB would read with the WAL applied)."""
    wh = fresh_copy(small_warehouse)
    Path(str(wh) + ".wal").write_bytes(b"")
    used = []
    monkeypatch.setattr(etl.load, "_load_beside_copy", lambda *a, **k: used.append(1))
    report = load_files(_files(tmp_path), wh)
    assert used == [] and report.total("rows_loaded") == 5


def test_a_live_file_with_other_programs_is_read_from_the_copy_only(tmp_path, small_warehouse,
                                                                    fresh_copy, monkeypatch):
    """The load rewrites the programs table first; the live file's differing one must not be
    what the reads before the writes see."""
    wh = fresh_copy(small_warehouse)
    con = duckdb.connect(str(wh))
    con.execute("UPDATE programs SET name = 'renamed' WHERE code = 'STEP'")
    con.close()
    used = []
    real = etl.load._load_beside_copy
    monkeypatch.setattr(etl.load, "_load_beside_copy",
                        lambda *a, **k: used.append(1) or real(*a, **k))
    load_files(_files(tmp_path), wh)
    load_files(_files(tmp_path), wh)
    assert used == [1]  # the second load reads the live file again
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute("SELECT name FROM programs WHERE code = 'STEP'").fetchone()[0] != "renamed"
    con.close()
