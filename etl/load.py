"""One atomic, idempotent load of contract files into the DuckDB warehouse.

How a load keeps readers safe: it works on a copy of the warehouse file and, only when every
file has been validated and merged and the transaction committed, swaps the copy into place
with os.replace (atomic on POSIX) after an fsync. A reader (the dashboard) therefore sees the
old file or the new one, never a half-written one. The copy is made in a thread while the load
reads the live file read-only (staging, numbering, the touched participants;
_load_beside_copy): every write goes to the copy, opened once it is complete. A lock file
serializes concurrent loads; under it, a load removes the copies of loads that were killed
(they no longer hold the lock, so they are dead). The copy keeps the mode and group of the
file it replaces. Every fact row of a participant gets its participant's number (pid,
warehouse/build.py assign_pids) in the same transaction. Input files are opened once, as named
(etl/files.py). The pseudonymization key is checked against the fingerprint the warehouse
keeps.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import hmac
import os
import re
import shutil
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.settings import (
    MIN_KEY_BYTES,
    SettingError,
    create_key_file,
    earliest_date,
    hmac_key,
    key_file_path,
    key_source,
    load_free_space_reserve_bytes,
    load_memory_limit,
)
from core.vocabularies import PROGRAM_KEYS
from etl.contract import (
    KINDS,
    PARENT_SUCCESS_MAX_PER_PARTICIPANT_USD,
    PROGRAMS,
    kind_from_filename,
)
from etl.files import FileProblem, SourceFile, diagnose_csv, open_source, record_lines
from etl.normalize import normalize_sql
from warehouse.build import build_models, capture_touched, drop_temp_objects, record_new_pids

SQL_DIR = Path(__file__).resolve().parent.parent / "warehouse" / "sql"
SCHEMA_SQL = SQL_DIR / "sources" / "schema.sql"


class LoadRefused(Exception):
    """The whole load was refused; the warehouse is unchanged."""


@dataclass
class FileReport:
    path: Path
    kind: str
    sha256: str = ""
    size: int = 0
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
    notices: list[str] = field(default_factory=list)  # e.g. a key file readable by others

    def total(self, attr: str) -> int:
        return sum(getattr(f, attr) for f in self.files)


KEY_FINGERPRINT = "participant_key_fingerprint"  # meta key; the key itself is never stored
_FINGERPRINT_LABEL = b"outcomes participant key fingerprint v1"


def _reader(src: SourceFile) -> str:
    """DuckDB's reader of the opened file: through its descriptor, so the name is no pattern.
    CSV columns are positional (c0, c1, ...): the header was parsed and checked in Python."""
    if src.parquet:
        return f"read_parquet('{src.fd_path}')"
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(src.columns)))
    return (
        f"read_csv('{src.fd_path}', header = true, auto_detect = false, columns = {{{columns}}}, "
        f"delim = ',', quote = '\"', escape = '\"', "
        f"compression = '{'gzip' if src.gzip else 'none'}')"
    )


def check_file(path: Path, kind: str | None) -> tuple[str, SourceFile]:
    """The kind and the opened, checked file, or LoadRefused naming the file and the problem."""
    kind = kind or kind_from_filename(path.name)
    if kind not in KINDS:
        raise LoadRefused(
            f"{path}: cannot tell the record type from the file name; name it "
            f"{'*, '.join(KINDS)}* or pass --kind"
        )
    try:
        src = open_source(path)
    except FileProblem as e:
        raise LoadRefused(f"{path}: {e}") from None
    names = [c.strip().lower() for c in src.columns]
    missing = [c for c in KINDS[kind].required if c not in names]
    if missing:
        src.close()
        sep = next((c for c in (";", "\t", "|") if len(names) == 1 and c in names[0]), None)
        if sep:
            raise LoadRefused(f"{path}: values are separated by {sep!r}, not commas: save it "
                              "as CSV with commas")
        raise LoadRefused(
            f"{path}: missing required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} for {kind}"
        )
    return kind, src


def _column_sql(src: SourceFile, index: int) -> str:
    if not src.parquet:
        return f"c{index}"
    col = '"' + src.columns[index].replace('"', '""') + '"'
    if src.types[index].startswith("timestamp"):  # a date written as a midnight timestamp
        return (f"(CASE WHEN CAST({col} AS TIME) = TIME '00:00:00' THEN "
                f"strftime({col}, '%Y-%m-%d') ELSE CAST({col} AS VARCHAR) END)")
    return f"CAST({col} AS VARCHAR)"


def _stage_file(con, src: SourceFile, kind: str, file_no: int, key: bytes) -> None:
    """Read and normalize one file into temp table all_<kind> (see etl/normalize.py), with
    its number in this load and each row's position (file_no, line) as one sortable key."""
    by_name = {}
    for i, c in enumerate(src.columns):
        by_name.setdefault(c.strip().lower(), i)
    select = ", ".join(
        f"{_column_sql(src, by_name[c])} AS {c}" if c in by_name else f"NULL::VARCHAR AS {c}"
        for c in KINDS[kind].columns
    )
    # CSV: the header is line 1, so the first record is line 2 (corrected below when records
    # span lines). Parquet: row number from 1.
    offset = 0 if src.parquet else 1
    source = f"(SELECT row_number() OVER () + {offset} AS line, {select} FROM {_reader(src)})"
    rows = (
        f"SELECT {file_no} AS file_no, {file_no}::BIGINT * 10000000000 + line AS position, n.* "
        f"FROM ({normalize_sql(kind, source)}) n"
    )
    sql = (f"CREATE TEMP TABLE all_{kind} AS {rows}" if file_no == 0
           else f"INSERT INTO all_{kind} {rows}")
    ipad, opad = _hmac_pads(key)
    params = {"ipad": ipad, "opad": opad} if KINDS[kind].per_participant else {}
    try:
        con.execute(sql, params)
    except duckdb.Error as e:
        if _out_of_space(e):
            raise
        problem = None if src.parquet else diagnose_csv(src)
        raise LoadRefused(f"{src.path}: {problem or _cannot_read(e)}") from None
    if not src.parquet:
        _physical_lines(con, src, kind, file_no)


def _cannot_read(e: duckdb.Error) -> str:
    """DuckDB's reason, without its internal wording ("CSV Error on Line", "sniffing")."""
    lines = [x.strip() for x in str(e).splitlines() if x.strip()]
    useful = [x for x in lines if not re.match(
        r"(Invalid Input Error|IO Error|CSV Error on Line|Original Line|Possible|\*|Error when)",
        x)]
    return "cannot be read" + (f": {useful[0]}" if useful else "")


def _physical_lines(con, src: SourceFile, kind: str, file_no: int) -> None:
    """Make each row's line its first physical line when some record spans lines (a quoted
    newline) or blank lines were skipped; otherwise record k is line k + 1 already."""
    n = con.execute(f"SELECT count(*) FROM all_{kind} WHERE file_no = {file_no}").fetchone()[0]
    if n + 1 == src.lines:
        return
    lines = record_lines(src)
    if lines is None or len(lines) != n:  # the parsers disagree: keep DuckDB's, do not guess
        return
    con.execute("CREATE OR REPLACE TEMP TABLE line_map (rec BIGINT, physical BIGINT)")
    con.execute("INSERT INTO line_map SELECT unnest(generate_series(2, $1 + 1)), unnest($2)",
                [n, lines])
    con.execute(
        f"""UPDATE all_{kind} a SET line = m.physical,
               position = {file_no}::BIGINT * 10000000000 + m.physical
        FROM line_map m WHERE a.file_no = {file_no} AND a.line = m.rec"""
    )
    con.execute("DROP TABLE line_map")


def _setup(con) -> None:
    _setup_tables(con)
    _setup_aliases(con)


def _setup_tables(con) -> None:
    con.execute(SCHEMA_SQL.read_text())
    con.execute("DELETE FROM programs")
    # One statement, the rows in order (executemany runs one statement per row).
    con.execute("INSERT INTO programs SELECT unnest($1), unnest($2), unnest($3), unnest($4)",
                [[p.code for p in PROGRAMS], [p.name for p in PROGRAMS],
                 [p.family for p in PROGRAMS], list(range(len(PROGRAMS)))])


def _setup_aliases(con) -> None:
    # Every accepted spelling of a program, reduced to lower-case letters and digits.
    con.execute("CREATE TEMP TABLE program_alias (alias VARCHAR, code VARCHAR)")
    con.execute("INSERT INTO program_alias SELECT unnest($1), unnest($2)",
                [list(PROGRAM_KEYS), list(PROGRAM_KEYS.values())])


def _hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """HMAC-SHA256's inner and outer padded keys (RFC 2104), so SQL can compute the HMAC as
    sha256(opad || sha256(ipad || message))."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def _content_cols(kind: str) -> list[str]:
    k = KINDS[kind]
    program = ["program"] if k.has_program else []  # support_months have none
    return ["participant_key"] * k.per_participant + program + [
        c for c in k.columns if c not in (k.id_column, "participant_id", "program")
    ]


def _merge_kind(con, kind: str, load_id: int) -> None:
    """De-duplicate and upsert every valid staged row of one kind. A kind of participants'
    facts is compared with stored_<kind> (the stored rows its ids name, with their rowids,
    from capture_touched) and gets each row's pid from load_pids (warehouse/build.py).
    targets (no participants, so no stored_targets) take the plain path: compared with and
    replaced in the table by id."""
    k = KINDS[kind]
    numbered = _has_temp(con, f"stored_{kind}")
    content = _content_cols(kind)
    # Among otherwise valid rows: the same id with different content is a conflict (every copy
    # is rejected); identical copies collapse to the first one seen. Only repeated ids are
    # grouped by content, so the common case (no repeats) stays cheap: the candidates are the
    # rows whose id's hash repeats (a group by 8 bytes, not by the id's text; a colliding hash
    # only adds a candidate), then only those are grouped by the id itself.
    con.execute(
        f"""CREATE TEMP TABLE repeated_{kind} AS
        WITH candidates AS (
            SELECT hash(record_id) AS h FROM all_{kind} WHERE len(reasons) = 0
            GROUP BY h HAVING count(*) > 1)
        SELECT record_id, count(DISTINCT hash({', '.join(content)})) > 1 AS conflict,
               min(position) AS first_position
        FROM all_{kind} WHERE len(reasons) = 0
          AND hash(record_id) IN (SELECT h FROM candidates)
        GROUP BY record_id HAVING count(*) > 1"""
    )
    con.execute(
        f"""UPDATE all_{kind} SET reasons = ['conflicting duplicate id']
        WHERE len(reasons) = 0
          AND record_id IN (SELECT record_id FROM repeated_{kind} WHERE conflict)"""
    )
    # How each accepted row relates to what the warehouse already holds.
    same = " AND ".join(f"t.{c} IS NOT DISTINCT FROM a.{c}" for c in content)
    stored = f"stored_{kind}" if numbered else kind
    con.execute(
        f"""CREATE TEMP TABLE status_{kind} AS
        SELECT a.file_no, a.line, a.record_id, {', '.join(f'a.{c}' for c in content)},
               a.warns, CASE WHEN t.{k.id_column} IS NULL THEN 'inserted'
                         WHEN {same} THEN 'unchanged' ELSE 'updated' END AS status
               {', t.row_id, p.pid' if numbered else ''}
        FROM all_{kind} a
        LEFT JOIN repeated_{kind} r USING (record_id)
        LEFT JOIN {stored} t ON t.{k.id_column} = a.record_id
        {'LEFT JOIN load_pids p ON p.participant_key = a.participant_key' if numbered else ''}
        WHERE len(a.reasons) = 0 AND (r.record_id IS NULL OR r.first_position = a.position)"""
    )
    if numbered:  # the replaced rows by their row ids: no scan of the ids
        con.execute(f"""DELETE FROM {kind} WHERE rowid IN
            (SELECT row_id FROM status_{kind} WHERE status = 'updated')""")
    else:
        con.execute(
            f"""DELETE FROM {kind} WHERE {k.id_column} IN
            (SELECT record_id FROM status_{kind} WHERE status = 'updated')"""
        )
    # A kind keyed by its columns (support_months) computes its id column: not inserted.
    ids = [] if k.key_columns else [k.id_column]
    pid = ["pid"] if numbered else []
    con.execute(
        f"""INSERT INTO {kind} ({', '.join(ids + content)}, load_id{''.join(', ' + c for c in pid)})
        SELECT {', '.join(['record_id'] * len(ids) + content)}, {load_id}
               {''.join(', ' + c for c in pid)} FROM status_{kind}
        WHERE status <> 'unchanged'"""
    )


def _has_temp(con, name: str) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?",
                       [name]).fetchone()[0] > 0


def _business_warnings(con, kind: str) -> None:
    """Rules that need the merged warehouse: they append to the rows' warns lists."""
    if kind != "arrears_reductions":
        return
    # Only the staged rows' participants can get a warning: with their numbers (load_pids),
    # their totals need no scan of every participant's.
    mine = ("AND pid IN (SELECT pid FROM load_pids)" if _has_temp(con, "load_pids")
            else "")
    con.execute(
        f"""UPDATE status_arrears_reductions a
        SET warns = list_append(warns, {{'rule':
            'parent success over ${PARENT_SUCCESS_MAX_PER_PARTICIPANT_USD:,} for one participant',
            'detail': t.total::VARCHAR}})
        FROM (SELECT participant_key, sum(amount) AS total FROM arrears_reductions
              WHERE program = 'PARENT_SUCCESS' {mine} GROUP BY participant_key
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
    key = "participant_key := a.participant_key," if k.per_participant else ""
    con.execute(
        f"""INSERT INTO rejects
        SELECT {load_id}, '{kind}', f.name, f.sha, a.line, a.record_id,
               split_part(a.reasons[1], ': ', 1),
               array_to_string(a.reasons, '; '),
               to_json(struct_pack({key}
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
    # Two counts by file, no join: every row of status_<kind> is a row of all_<kind>.
    staged = con.execute(
        f"""SELECT file_no, count(*), count(*) FILTER (WHERE len(reasons) > 0)
        FROM all_{kind} GROUP BY file_no"""
    ).fetchall()
    merged = {row[0]: row[1:] for row in con.execute(
        f"""SELECT file_no,
            count(*) FILTER (WHERE len(warns) > 0) AS warned,
            count(*) AS loaded,
            count(*) FILTER (WHERE status = 'inserted') AS inserted,
            count(*) FILTER (WHERE status = 'updated') AS updated,
            count(*) FILTER (WHERE status = 'unchanged') AS unchanged
        FROM status_{kind} GROUP BY file_no"""
    ).fetchall()}
    for file_no, read, rejected in staged:
        warned, loaded, ins, upd, unch = merged.get(file_no, (0, 0, 0, 0, 0))
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
    try:
        earliest_date()
        reserve = load_free_space_reserve_bytes()
    except SettingError as e:
        raise LoadRefused(str(e)) from None
    checked: list[tuple[str, SourceFile]] = []
    try:
        for p in paths:  # refuse early, before any copying
            checked.append(check_file(p, kind))
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        with _load_lock(warehouse):
            _remove_dead_copies(warehouse)
            key, notices = _checked_key(warehouse)
            for notice in notices:
                if progress:
                    progress(notice)
            needed = _check_free_space(warehouse, [src for _, src in checked], reserve)
            meta = {**(meta or {}), KEY_FINGERPRINT: key_fingerprint(key)}
            try:
                report = _load_into_copy(paths, checked, warehouse, meta, started, progress, key)
            except (OSError, duckdb.Error) as e:
                if not _out_of_space(e):
                    raise
                raise LoadRefused(
                    f"ran out of disk space (or a file size limit) while writing beside "
                    f"{warehouse}: {_space_needed(warehouse, needed)}"
                ) from None
            report.notices = notices
            return report
    finally:
        for _, src in checked:
            src.close()


class _load_lock:
    """The exclusive lock every load holds while its copy of the warehouse exists."""

    def __init__(self, warehouse: Path):
        self.path = warehouse.with_name(warehouse.name + ".lock")

    def __enter__(self):
        self.file = open(self.path, "w")  # noqa: SIM115 -- closed in __exit__
        fcntl.flock(self.file, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.file, fcntl.LOCK_UN)
        self.file.close()


def _copy_names(warehouse: Path) -> re.Pattern:
    """Names of a load's working copy of this warehouse (mkstemp's 8 characters) and its WAL
    and temp directory; another warehouse's copies (e.g. "<name>.demo-building.*") never match."""
    return re.compile(re.escape(warehouse.name) + r"\.[A-Za-z0-9_]{8}\.loading(\.wal|\.tmp)?")


def _remove_dead_copies(warehouse: Path) -> None:
    """Called holding the load lock: a copy left now belongs to a load that was killed."""
    names = _copy_names(warehouse)
    for p in warehouse.parent.iterdir():
        if names.fullmatch(p.name):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)


def key_fingerprint(key: bytes) -> str:
    """HMAC of a fixed label under the key: tells keys apart, reveals nothing of the key."""
    return hmac.new(key, _FINGERPRINT_LABEL, "sha256").hexdigest()


def _warehouse_key_state(warehouse: Path) -> tuple[str | None, bool]:
    """(the fingerprint the warehouse keeps, whether it holds any load) of an existing file."""
    if not warehouse.exists():
        return None, False
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as e:
        raise LoadRefused(f"{warehouse} cannot be opened as a DuckDB warehouse: "
                          f"{str(e).splitlines()[0]}") from None
    try:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        fp = None
        if "meta" in tables:
            row = con.execute("SELECT value FROM meta WHERE key = ?",
                              [KEY_FINGERPRINT]).fetchone()
            fp = row[0] if row else None
        has_data = "loads" in tables and con.execute(
            "SELECT count(*) FROM loads").fetchone()[0] > 0
        return fp, has_data or fp is not None
    finally:
        con.close()


def _checked_key(warehouse: Path) -> tuple[bytes, list[str]]:
    """The pseudonymization key, checked against the warehouse's fingerprint; notices to show."""
    notices = []
    fp, has_data = _warehouse_key_state(warehouse)
    key_file = key_file_path()
    restore = (f"restore the key it was loaded with from your backup (the key file {key_file}, "
               "or OUTCOMES_HMAC_KEY); a different key would count every participant again as "
               "new")
    try:
        key = hmac_key()
    except FileNotFoundError:
        if has_data:
            raise LoadRefused(
                f"no pseudonymization key: the key file {key_file} does not exist, but "
                f"{warehouse} already holds pseudonymized data; {restore}"
            ) from None
        try:
            create_key_file()
            key = hmac_key()
        except OSError as e:
            raise LoadRefused(f"cannot create the key file {key_file}: {e.strerror}") from None
        notices.append(f"created a new pseudonymization key in {key_file}: back it up with "
                       "the warehouse")
    except (OSError, UnicodeDecodeError) as e:
        why = e.strerror if isinstance(e, OSError) else "it is not text"
        raise LoadRefused(f"cannot read the key file {key_file}: {why}") from None
    if len(key) < MIN_KEY_BYTES:
        size = "empty" if not key else f"only {len(key)} bytes"
        raise LoadRefused(
            f"the pseudonymization key from {key_source()} is {size}; it must be at least "
            f"{MIN_KEY_BYTES} bytes (e.g. the 64 characters of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`)"
        )
    if fp is not None and not hmac.compare_digest(fp, key_fingerprint(key)):
        raise LoadRefused(
            f"the pseudonymization key from {key_source()} is not the key {warehouse} was "
            f"loaded with (fingerprint {key_fingerprint(key)[:12]}, the warehouse's is "
            f"{fp[:12]}); {restore}"
        )
    if not os.environ.get("OUTCOMES_HMAC_KEY"):
        mode = key_file.stat().st_mode & 0o777
        if mode & 0o044:
            notices.append(f"warning: the key file {key_file} is readable by group or others "
                           f"(mode {mode:04o}); run: chmod 600 {key_file}")
    return key, notices


def _check_free_space(warehouse: Path, sources: list[SourceFile], reserve: int) -> int:
    """The bytes a load needs beside the warehouse (its copy, room for the new data and its
    staging, the reserve); LoadRefused when the disk has less free."""
    size = warehouse.stat().st_size if warehouse.exists() else 0
    needed = size + 2 * sum(s.text_bytes for s in sources) + reserve
    if shutil.disk_usage(warehouse.parent).free < needed:
        raise LoadRefused(f"not enough free disk space beside {warehouse}: "
                          f"{_space_needed(warehouse, needed)}")
    return needed


def _space_needed(warehouse: Path, needed: int) -> str:
    def mb(n: int) -> str:
        return f"{n / 1024 / 1024:,.1f} MB"

    free = shutil.disk_usage(warehouse.parent).free
    return (f"this load needs about {mb(needed)} free (a full copy of the warehouse plus room "
            f"for the new data), {mb(free)} is free")


_NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def _out_of_space(e: BaseException) -> bool:
    if isinstance(e, OSError):
        return e.errno in _NO_SPACE
    text = str(e).lower()
    return any(s in text for s in ("no space left", "file too large", "disk quota"))


def _load_into_copy(paths, checked, warehouse, meta, started, progress, key) -> LoadReport:
    fd, tmp_name = tempfile.mkstemp(prefix=warehouse.name + ".", suffix=".loading",
                                    dir=warehouse.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    copying = None
    try:
        if not warehouse.exists():
            tmp.unlink()
            return _load_sequential(tmp, paths, checked, warehouse, meta, started, progress, key)
        # The copy (and its fsync) runs beside the load's reads of the live file: see
        # _load_beside_copy. The bytes copied and their durability are the same as copying first.
        copying = _Copying(warehouse, tmp)
        # A WAL beside the live file (something other than a load wrote it) is not copied:
        # then the load reads the copy only, as it always did.
        current = False
        if not Path(str(warehouse) + ".wal").exists():
            con = duckdb.connect(":memory:", config={"memory_limit": load_memory_limit(),
                                                     "temp_directory": str(tmp) + ".tmp"})
            try:
                con.execute(f"ATTACH {_quoted(warehouse)} AS live (READ_ONLY)")
                current = _schema_is_current(con)
                if current:
                    report = _load_beside_copy(con, copying, tmp, paths, checked, warehouse,
                                               meta, started, progress, key)
            finally:
                con.close()
        if not current:  # an older warehouse (its upgrade writes before it reads), or a WAL
            copying.wait()
            return _load_sequential(tmp, paths, checked, warehouse, meta, started, progress, key)
        copying.joined()
        _swap_in(tmp, warehouse)
        return report
    finally:
        if copying is not None:
            copying.join_ignoring_error()
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
        shutil.rmtree(str(tmp) + ".tmp", ignore_errors=True)


def _load_sequential(tmp, paths, checked, warehouse, meta, started, progress, key
                     ) -> LoadReport:
    """A new warehouse, or an older one (tables or columns missing): everything on the copy."""
    con = duckdb.connect(str(tmp), config={"memory_limit": load_memory_limit()})
    try:
        if progress and sys.stderr.isatty():
            con.execute("SET enable_progress_bar = true")
        report = _load(con, paths, checked, warehouse, meta, started, progress, key)
    finally:
        con.close()
    _swap_in(tmp, warehouse)
    return report


def _load_beside_copy(con, copying, tmp, paths, checked, warehouse, meta, started, progress,
                      key) -> LoadReport:
    """A load whose reads before the merge (staging, numbering, the touched participants and
    their old contributions: temp tables) run on the live file, attached read-only like any
    reader's, while _Copying copies and fsyncs it; then the copy is attached and every write
    goes to it, in one transaction. The live file cannot change meanwhile: only loads write
    it, and this one holds the load lock."""
    if progress and sys.stderr.isatty():
        con.execute("SET enable_progress_bar = true")
    con.execute("USE live")

    def switch_to_copy() -> None:
        copying.wait()
        con.execute(f"ATTACH {_quoted(tmp)} AS loading")
        con.execute("USE loading")
        con.execute("DETACH live")

    report = _load(con, paths, checked, warehouse, meta, started, progress, key,
                   switch_to_copy=switch_to_copy)
    return report  # the caller closes con (and with it the copy) before the swap


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


_SCHEMA_COLUMNS: set[tuple[str, str, str]] = set()


def _schema_is_current(con) -> bool:
    """Whether the attached live file has every table and column of schema.sql and the
    programs as this code writes them (then the load's reads before its writes read what they
    would read on the copy; otherwise it is upgraded first, on the copy)."""
    if not _SCHEMA_COLUMNS:
        scratch = duckdb.connect(":memory:")
        scratch.execute(SCHEMA_SQL.read_text())
        _SCHEMA_COLUMNS.update(scratch.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = 'memory' AND schema_name = 'main'").fetchall())
        scratch.close()
    live = set(con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = 'live' AND schema_name = 'main'").fetchall())
    if not _SCHEMA_COLUMNS <= live:
        return False
    programs = con.execute("SELECT * FROM live.programs ORDER BY ALL").fetchall()
    return programs == sorted((p.code, p.name, p.family, i) for i, p in enumerate(PROGRAMS))


class _Copying:
    """Copies the warehouse to the load's file, then fsyncs it, in a thread. The load may open
    the copy once it is copied (wait); the fsync goes on beside the load's writes, and the
    swap waits for it (joined) before its own fsync and the rename, as before."""

    def __init__(self, warehouse: Path, tmp: Path):
        self.error: BaseException | None = None
        self.copied = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(warehouse, tmp), daemon=True)
        self.thread.start()

    def _run(self, warehouse: Path, tmp: Path) -> None:
        # Errors are re-raised in the load's thread, by wait() (the copy's) or joined().
        try:
            shutil.copyfile(warehouse, tmp)
            _keep_mode_and_group(warehouse, tmp)
        except BaseException as e:
            self.error = e
            return
        finally:
            self.copied.set()
        try:
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
        except BaseException as e:
            self.error = e

    def wait(self) -> None:
        """Until the copy is complete (not yet on disk)."""
        self.copied.wait()
        if self.error is not None:
            raise self.error

    def join_ignoring_error(self) -> None:
        """Until the thread ends, whatever happened (the load's cleanup: the copy is removed
        anyway, and the load's own error, if any, is the one to report)."""
        self.thread.join()

    def joined(self) -> None:
        """Until the copy is on disk; the copy's or the fsync's error is raised here."""
        self.thread.join()
        if self.error is not None:
            raise self.error


def _keep_mode_and_group(original: Path, copy: Path) -> None:
    st = original.stat()
    os.chmod(copy, stat.S_IMODE(st.st_mode))
    try:
        os.chown(copy, -1, st.st_gid)
    except PermissionError:  # not a member of that group: the copy keeps ours
        pass


def _load(con, paths, checked, warehouse, meta, started, progress, key,
          switch_to_copy=None) -> LoadReport:
    """Stage, number, merge and model in one transaction. With switch_to_copy (the live file
    attached read-only, _load_beside_copy), everything up to capture_touched only reads, and
    the transaction starts on the copy after switch_to_copy."""
    if switch_to_copy is None:
        con.execute("BEGIN TRANSACTION")
        _setup(con)
    else:
        _setup_aliases(con)
    report = LoadReport(0, warehouse)  # its load_id once the copy is open
    by_kind: dict[str, list[FileReport]] = {}
    for path, (k, src) in zip(paths, checked, strict=True):
        if progress:
            progress(f"reading {path.name} as {k}")
        r = FileReport(path, k, src.sha256, src.size)
        n = len(by_kind.get(k, []))
        _stage_file(con, src, k, n, key)
        by_kind.setdefault(k, []).append(r)
        report.files.append(r)
    # Before the merge: what the models must update.
    touched = capture_touched(con, record_pids=switch_to_copy is None)
    if switch_to_copy is not None:
        switch_to_copy()
        con.execute("BEGIN TRANSACTION")
        _setup_tables(con)
        record_new_pids(con)
    load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchone()[0]
    report.load_id = load_id
    for k, files in by_kind.items():
        _merge_kind(con, k, load_id)
        _business_warnings(con, k)
        _record_quality(con, k, files, load_id)
        _count(con, k, files)
    for r in report.files:
        con.execute(
            "INSERT INTO load_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [load_id, r.path.name, str(r.path.resolve()), r.kind, r.sha256,
             r.size, r.rows_read, r.rows_loaded, r.rows_inserted,
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
    if progress:
        progress(f"updating the models ({touched.participants:,} participants touched)")
    build_models(con, touched)  # warehouse/build.py
    # The load's temp tables and views, dropped before its commit: a commit would otherwise
    # first store the rows the transaction wrote into them (the staged files, the models' c_*).
    drop_temp_objects(con)
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    return report
