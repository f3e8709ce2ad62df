"""One atomic, idempotent load of contract files into the DuckDB warehouse.

How a load keeps readers safe: it works on a copy of the warehouse file and, only when every
file has been validated and merged and the transaction committed, swaps the copy into place
with os.replace (atomic on POSIX). A reader (the dashboard) therefore sees the old file or the
new one, never a half-written one. A lock file serializes concurrent loads.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from etl.contract import (
    KINDS,
    PARENT_SUCCESS_MAX_PER_PARTICIPANT_USD,
    PROGRAMS,
    kind_from_filename,
)
from etl.normalize import normalize_sql
from outcomes.settings import hmac_key

SQL_DIR = Path(__file__).resolve().parent.parent / "warehouse" / "sql"
SCHEMA_SQL = SQL_DIR / "schema.sql"
MODELS_DIR = SQL_DIR / "models"  # tables derived from the facts, rebuilt by every load


class LoadRefused(Exception):
    """The whole load was refused; the warehouse is unchanged."""


@dataclass
class FileReport:
    path: Path
    kind: str
    sha256: str = ""
    rows_read: int = 0
    rows_loaded: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_duplicate: int = 0
    rows_rejected: int = 0
    rows_warned: int = 0


@dataclass
class LoadReport:
    load_id: int
    warehouse: Path
    files: list[FileReport] = field(default_factory=list)

    def total(self, attr: str) -> int:
        return sum(getattr(f, attr) for f in self.files)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


def _reader(path: Path) -> str:
    p = str(path).replace("'", "''")
    if _is_parquet(path):
        return f"read_parquet('{p}')"
    return (
        f"read_csv('{p}', header = true, all_varchar = true, delim = ',', quote = '\"', "
        f"escape = '\"')"
    )


def _csv_header(path: Path) -> list[str]:
    """The header row of a CSV file, as DuckDB's own sniffer parses it."""
    p = str(path).replace("'", "''")
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"DESCRIBE SELECT * FROM read_csv('{p}', header = true, all_varchar = true, "
            f"delim = ',', quote = '\"', escape = '\"', sample_size = 1)"
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def _parquet_columns(path: Path) -> list[str]:
    p = str(path).replace("'", "''")
    con = duckdb.connect()
    try:
        return [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{p}')").fetchall()]
    finally:
        con.close()


def check_file(path: Path, kind: str | None) -> tuple[str, list[str]]:
    """The kind and column names of a file, or LoadRefused naming the file and the problem."""
    kind = kind or kind_from_filename(path.name)
    if kind not in KINDS:
        raise LoadRefused(
            f"{path}: cannot tell the record type from the file name; name it "
            f"{'*, '.join(KINDS)}* or pass --kind"
        )
    if not path.is_file():
        raise LoadRefused(f"{path}: file not found")
    try:
        columns = _parquet_columns(path) if _is_parquet(path) else _csv_header(path)
    except (duckdb.Error, OSError, UnicodeDecodeError) as e:
        raise LoadRefused(f"{path}: cannot be read: {str(e).splitlines()[0]}") from None
    names = [c.strip().lower() for c in columns]
    missing = [c for c in KINDS[kind].required if c not in names]
    if missing:
        raise LoadRefused(
            f"{path}: missing required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} for {kind}"
        )
    return kind, columns


def _stage_file(con, path: Path, kind: str, file_no: int, columns: list[str]) -> None:
    """Read and normalize one file into temp table all_<kind> (see etl/normalize.py), with
    its number in this load and each row's position (file_no, line) as one sortable key."""
    by_name = {c.strip().lower(): c for c in columns}
    select = ", ".join(
        f'CAST("{by_name[c]}" AS VARCHAR) AS {c}' if c in by_name else f"NULL::VARCHAR AS {c}"
        for c in KINDS[kind].columns
    )
    # CSV: the header is line 1, so the first record is line 2. Parquet: row number from 1.
    offset = 0 if _is_parquet(path) else 1
    source = f"(SELECT row_number() OVER () + {offset} AS line, {select} FROM {_reader(path)})"
    rows = (
        f"SELECT {file_no} AS file_no, {file_no}::BIGINT * 10000000000 + line AS position, n.* "
        f"FROM ({normalize_sql(kind, source)}) n"
    )
    sql = (f"CREATE TEMP TABLE all_{kind} AS {rows}" if file_no == 0
           else f"INSERT INTO all_{kind} {rows}")
    ipad, opad = _hmac_pads()
    try:
        con.execute(sql, {"ipad": ipad, "opad": opad})
    except duckdb.Error as e:
        raise LoadRefused(f"{path}: cannot be read: {str(e).splitlines()[0]}") from None


def _setup(con) -> None:
    con.execute(SCHEMA_SQL.read_text())
    con.execute("DELETE FROM programs")
    con.executemany(
        "INSERT INTO programs VALUES (?, ?, ?, ?)",
        [(p.code, p.name, p.family, i) for i, p in enumerate(PROGRAMS)],
    )
    # Every accepted spelling of a program, reduced to lower-case letters and digits.
    aliases = {}
    for p in PROGRAMS:
        for spelling in (p.code, p.name):
            aliases["".join(ch for ch in spelling.lower() if ch.isalnum())] = p.code
    con.execute("CREATE TEMP TABLE program_alias (alias VARCHAR, code VARCHAR)")
    con.executemany("INSERT INTO program_alias VALUES (?, ?)", list(aliases.items()))


def _hmac_pads() -> tuple[bytes, bytes]:
    """HMAC-SHA256's inner and outer padded keys (RFC 2104), so SQL can compute the HMAC as
    sha256(opad || sha256(ipad || message))."""
    key = hmac_key()
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def _content_cols(kind: str) -> list[str]:
    k = KINDS[kind]
    program = ["program"] if k.has_program else []  # support_months have none
    return ["participant_key", *program] + [
        c for c in k.columns if c not in (k.id_column, "participant_id", "program")
    ]


def _merge_kind(con, kind: str, load_id: int) -> None:
    """De-duplicate and upsert every valid staged row of one kind."""
    k = KINDS[kind]
    content = _content_cols(kind)
    # Among otherwise valid rows: the same id with different content is a conflict (every copy
    # is rejected); identical copies collapse to the first one seen. Only repeated ids are
    # grouped here, so the common case (no repeats) stays cheap.
    con.execute(
        f"""CREATE TEMP TABLE repeated_{kind} AS
        SELECT record_id, count(DISTINCT hash({', '.join(content)})) > 1 AS conflict,
               min(position) AS first_position
        FROM all_{kind} WHERE len(reasons) = 0
        GROUP BY record_id HAVING count(*) > 1"""
    )
    con.execute(
        f"""UPDATE all_{kind} SET reasons = ['conflicting duplicate id']
        WHERE len(reasons) = 0
          AND record_id IN (SELECT record_id FROM repeated_{kind} WHERE conflict)"""
    )
    # How each accepted row relates to what the warehouse already holds.
    same = " AND ".join(f"t.{c} IS NOT DISTINCT FROM a.{c}" for c in content)
    con.execute(
        f"""CREATE TEMP TABLE status_{kind} AS
        SELECT a.*, CASE WHEN t.{k.id_column} IS NULL THEN 'inserted'
                         WHEN {same} THEN 'unchanged' ELSE 'updated' END AS status
        FROM all_{kind} a
        LEFT JOIN repeated_{kind} r USING (record_id)
        LEFT JOIN {kind} t ON t.{k.id_column} = a.record_id
        WHERE len(a.reasons) = 0 AND (r.record_id IS NULL OR r.first_position = a.position)"""
    )
    con.execute(
        f"""DELETE FROM {kind} WHERE {k.id_column} IN
        (SELECT record_id FROM status_{kind} WHERE status = 'updated')"""
    )
    # A kind keyed by its columns (support_months) computes its id column: not inserted.
    ids = [] if k.key_columns else [k.id_column]
    con.execute(
        f"""INSERT INTO {kind} ({', '.join(ids + content)}, load_id)
        SELECT {', '.join(['record_id'] * len(ids) + content)}, {load_id} FROM status_{kind}
        WHERE status <> 'unchanged'"""
    )


def _business_warnings(con, kind: str) -> None:
    """Rules that need the merged warehouse: they append to the rows' warns lists."""
    if kind != "arrears_reductions":
        return
    con.execute(
        f"""UPDATE status_arrears_reductions a
        SET warns = list_append(warns, {{'rule':
            'parent success over ${PARENT_SUCCESS_MAX_PER_PARTICIPANT_USD:,} for one participant',
            'detail': t.total::VARCHAR}})
        FROM (SELECT participant_key, sum(amount) AS total FROM arrears_reductions
              WHERE program = 'PARENT_SUCCESS' GROUP BY participant_key
              HAVING sum(amount) > {PARENT_SUCCESS_MAX_PER_PARTICIPANT_USD}) t
        WHERE a.program = 'PARENT_SUCCESS' AND a.participant_key = t.participant_key"""
    )


def _record_quality(con, kind: str, files: list[FileReport], load_id: int) -> None:
    """Rejects and warnings of one kind, skipping those already recorded for the same file
    content and line (so reloading a file does not double them)."""
    k = KINDS[kind]
    names = ", ".join(
        f"({i}, '{str(r.path.name).replace(chr(39), chr(39) * 2)}', '{r.sha256}')"
        for i, r in enumerate(files)
    )
    con.execute(f"CREATE TEMP TABLE files_{kind} (file_no INTEGER, name VARCHAR, sha VARCHAR)")
    con.execute(f"INSERT INTO files_{kind} VALUES {names}")
    # The row as given (trimmed), with the participant's key in place of the raw id.
    given = [c for c in k.columns if c != "participant_id"]
    con.execute(
        f"""INSERT INTO rejects
        SELECT {load_id}, '{kind}', f.name, f.sha, a.line, a.record_id, a.reasons[1],
               array_to_string(a.reasons, '; '),
               to_json(struct_pack(participant_key := a.participant_key,
                   {', '.join(f'{c} := a.v_{c}' for c in given)}))::VARCHAR
        FROM all_{kind} a JOIN files_{kind} f USING (file_no)
        WHERE len(a.reasons) > 0
          AND NOT EXISTS (SELECT 1 FROM rejects x WHERE x.file_sha256 = f.sha
                          AND x.line = a.line AND x.kind = '{kind}')"""
    )
    con.execute(
        f"""INSERT INTO warnings
        SELECT {load_id}, '{kind}', f.name, f.sha, a.line, a.record_id, w.rule, w.detail
        FROM (SELECT file_no, line, record_id, unnest(warns) AS w FROM status_{kind}) a
        JOIN files_{kind} f USING (file_no)
        WHERE NOT EXISTS (SELECT 1 FROM warnings x WHERE x.file_sha256 = f.sha
                          AND x.line = a.line AND x.kind = '{kind}' AND x.rule = a.w.rule)"""
    )


def _count(con, kind: str, files: list[FileReport]) -> None:
    rows = con.execute(
        f"""SELECT a.file_no,
            count(*) AS read,
            count(*) FILTER (WHERE len(a.reasons) > 0) AS rejected,
            count(*) FILTER (WHERE len(s.warns) > 0) AS warned,
            count(s.status) AS loaded,
            count(*) FILTER (WHERE s.status = 'inserted') AS inserted,
            count(*) FILTER (WHERE s.status = 'updated') AS updated,
            count(*) FILTER (WHERE s.status = 'unchanged') AS unchanged
        FROM all_{kind} a LEFT JOIN status_{kind} s USING (file_no, line)
        GROUP BY a.file_no"""
    ).fetchall()
    for file_no, read, rejected, warned, loaded, ins, upd, unch in rows:
        r = files[file_no]
        r.rows_read, r.rows_rejected, r.rows_warned, r.rows_loaded = read, rejected, warned, loaded
        r.rows_inserted, r.rows_updated, r.rows_unchanged = ins, upd, unch
        r.rows_duplicate = read - rejected - loaded


def _swap_in(tmp: Path, warehouse: Path) -> None:
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, warehouse)
    dir_fd = os.open(warehouse.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def load_files(
    paths: Sequence[str | os.PathLike],
    warehouse: str | os.PathLike,
    kind: str | None = None,
    meta: dict[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> LoadReport:
    """Load `paths` into `warehouse` as one transaction; LoadRefused leaves it unchanged."""
    started = datetime.now(UTC)
    warehouse = Path(warehouse)
    paths = [Path(p) for p in paths]
    if not paths:
        raise LoadRefused("no files given")
    checked = [check_file(p, kind) for p in paths]  # refuse early, before any copying
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock = open(warehouse.with_name(warehouse.name + ".lock"), "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    fd, tmp_name = tempfile.mkstemp(prefix=warehouse.name + ".", suffix=".loading",
                                    dir=warehouse.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if warehouse.exists():
            shutil.copyfile(warehouse, tmp)
        else:
            tmp.unlink()
        con = duckdb.connect(str(tmp))
        try:
            if progress and sys.stderr.isatty():
                con.execute("SET enable_progress_bar = true")
            report = _load(con, paths, checked, warehouse, meta, started, progress)
        finally:
            con.close()
        _swap_in(tmp, warehouse)
        return report
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def _load(con, paths, checked, warehouse, meta, started, progress) -> LoadReport:
    con.execute("BEGIN TRANSACTION")
    _setup(con)
    load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchone()[0]
    report = LoadReport(load_id, warehouse)
    by_kind: dict[str, list[FileReport]] = {}
    for path, (k, columns) in zip(paths, checked, strict=True):
        if progress:
            progress(f"reading {path.name} as {k}")
        r = FileReport(path, k, _sha256(path))
        n = len(by_kind.get(k, []))
        _stage_file(con, path, k, n, columns)
        by_kind.setdefault(k, []).append(r)
        report.files.append(r)
    for k, files in by_kind.items():
        _merge_kind(con, k, load_id)
        _business_warnings(con, k)
        _record_quality(con, k, files, load_id)
        _count(con, k, files)
    for r in report.files:
        con.execute(
            "INSERT INTO load_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [load_id, r.path.name, str(r.path.resolve()), r.kind, r.sha256,
             r.path.stat().st_size, r.rows_read, r.rows_loaded, r.rows_inserted,
             r.rows_updated, r.rows_unchanged, r.rows_duplicate, r.rows_rejected,
             r.rows_warned],
        )
    con.execute(
        "INSERT INTO loads VALUES (?, ?, ?, 'committed', ?, ?, ?, ?, ?)",
        [load_id, started, datetime.now(UTC), len(report.files),
         report.total("rows_read"), report.total("rows_loaded"),
         report.total("rows_rejected"), report.total("rows_warned")],
    )
    for key, value in (meta or {}).items():
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, str(value)])
    for model in sorted(MODELS_DIR.glob("*.sql")):
        try:
            con.execute(model.read_text())
        except duckdb.Error as e:  # e.g. dates spanning more years than the models hold
            raise LoadRefused(
                f"the warehouse's model {model.stem} cannot be built from these records: "
                f"{str(e).splitlines()[0]}"
            ) from None
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    return report
