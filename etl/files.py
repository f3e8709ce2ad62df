"""Opening an input file exactly as named, and saying in a clerk's words why it cannot be read.

- The file is opened once by the operating system and DuckDB reads it through that descriptor
  (/dev/fd/N), so no character of the name is a glob pattern, and the SHA-256 recorded in the
  audit is of the very file DuckDB reads.
- One streaming pass hashes the file and checks it is UTF-8 text (not UTF-16, not binary, not a
  zip or a workbook, not empty) and counts its physical lines; the happy path stays a few C-speed
  passes over bytes. Only when DuckDB refuses a CSV, or rows span lines, does Python walk the
  CSV to find the physical line at fault.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import os
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

CHUNK = 1 << 20
csv.field_size_limit(sys.maxsize)


class FileProblem(Exception):
    """The file cannot be loaded; the message says why (without the file name)."""


@dataclass
class SourceFile:
    path: Path
    fd: int
    parquet: bool
    gzip: bool = False
    sha256: str = ""
    size: int = 0
    text_bytes: int = 0  # bytes of (decompressed) content: what a load stores, roughly
    lines: int = 0  # physical lines of a CSV, trailing blank lines not counted
    columns: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)  # Parquet: arrow type names

    @property
    def fd_path(self) -> str:
        return f"/dev/fd/{self.fd}"

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def text(self) -> io.TextIOBase:
        """The CSV's text from the start, BOM removed, newlines as in the file."""
        raw = open(self.fd_path, "rb")  # noqa: SIM115 -- returned wrapped, closed by the caller
        if self.gzip:
            raw = gzip.GzipFile(fileobj=raw)
        return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def is_parquet_name(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".pq")


def open_source(path: Path) -> SourceFile:
    """Open, hash and check one input file; FileProblem says what is wrong with it."""
    if path.is_dir():
        raise FileProblem("is a directory, not a file")
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise FileProblem("file not found") from None
    except PermissionError:
        raise FileProblem("permission denied: the loader may not read it") from None
    except OSError as e:
        raise FileProblem(f"cannot be opened: {e.strerror}") from None
    src = SourceFile(path, fd, is_parquet_name(path))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileProblem("is not a regular file")
        src.size = st.st_size
        if src.parquet:
            _check_parquet(src)
        else:
            _check_csv(src)
        return src
    except BaseException:
        src.close()
        raise


def _chunks(fd: int) -> Iterator[bytes]:
    os.lseek(fd, 0, os.SEEK_SET)
    while chunk := os.read(fd, CHUNK):
        yield chunk


def _hash(src: SourceFile) -> None:
    h = hashlib.sha256()
    for chunk in _chunks(src.fd):
        h.update(chunk)
    src.sha256 = h.hexdigest()


def _check_parquet(src: SourceFile) -> None:
    import pyarrow.parquet as pq

    head = os.pread(src.fd, 4, 0)
    tail = os.pread(src.fd, 4, max(src.size - 4, 0))
    if src.size < 12 or head != b"PAR1" or tail != b"PAR1":
        raise FileProblem("is not a Parquet file (name a CSV file .csv)")
    _hash(src)
    src.text_bytes = src.size
    try:
        schema = pq.ParquetFile(src.fd_path).schema_arrow
    except Exception as e:  # pyarrow raises several types for a damaged file
        raise FileProblem(f"is a damaged Parquet file ({str(e).splitlines()[0]})") from None
    src.columns = list(schema.names)
    src.types = [str(t) for t in schema.types]
    check_duplicate_columns(src.columns)


_MAGIC = [
    (b"\x1f\x8b", None),  # gzip: handled below
    (b"PK\x03\x04", "is a ZIP archive (an Excel .xlsx workbook?): save it as CSV UTF-8 (.csv)"),
    (b"\xd0\xcf\x11\xe0", "is an Excel .xls workbook: save it as CSV UTF-8 (.csv)"),
    (b"PAR1", "is a Parquet file: name it .parquet"),
    (b"BZh", "is bzip2-compressed: decompress it (or compress it with gzip as .csv.gz)"),
    (b"\xfd7zXZ\x00", "is xz-compressed: decompress it (or compress it with gzip as .csv.gz)"),
    (b"\x28\xb5\x2f\xfd", "is zstd-compressed: decompress it (or compress it with gzip as "
     ".csv.gz)"),
    (b"%PDF", "is a PDF document, not CSV text"),
]


def _check_csv(src: SourceFile) -> None:
    head = os.pread(src.fd, 8, 0)
    named_gz = src.path.name.lower().endswith(".gz")
    for magic, problem in _MAGIC:
        if head.startswith(magic) and problem:
            raise FileProblem(problem)
    if head.startswith(b"\x1f\x8b"):
        if not named_gz:
            raise FileProblem(f"is gzip-compressed: name it {src.path.name}.gz")
        src.gzip = True
    elif named_gz:
        raise FileProblem("is named .gz but is not gzip-compressed")
    _hash(src)
    _check_text(src)
    with src.text() as f:
        try:
            header = next((row for row in csv.reader(f, strict=True) if row), None)
        except csv.Error:
            header = None
    if header is None:
        raise FileProblem(diagnose_csv(src) or "has no header row")
    src.columns = header
    check_duplicate_columns(src.columns)


def _text_chunks(src: SourceFile) -> Iterator[bytes]:
    if not src.gzip:
        yield from _chunks(src.fd)
        return
    with gzip.GzipFile(fileobj=open(src.fd_path, "rb")) as g:
        try:
            while chunk := g.read(CHUNK):
                yield chunk
        except (OSError, EOFError) as e:
            raise FileProblem(f"is a damaged gzip file ({e})") from None


def _check_text(src: SourceFile) -> None:
    """UTF-8 text with a first line; counts physical lines. One pass of C-speed operations."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    newlines = 0
    seen_text = False
    first = True
    tail = b""
    for chunk in _text_chunks(src):
        if first:
            _check_start(chunk)
            first = False
        if b"\0" in chunk:
            line = newlines + chunk[: chunk.index(b"\0")].count(b"\n") + 1
            raise FileProblem(f"is a binary file, not CSV text (a NUL byte at line {line})")
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError:
            raise FileProblem(_not_utf8(src)) from None
        newlines += chunk.count(b"\n")
        seen_text = seen_text or bool(chunk.strip(b" \t\r\n\xef\xbb\xbf"))
        tail = (tail + chunk)[-4096:]
        src.text_bytes += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise FileProblem(_not_utf8(src)) from None
    if not seen_text:
        raise FileProblem("is empty: it has no header row")
    # Physical lines, not counting the empty ones at the end.
    stripped = tail.rstrip(b" \t\r\n")
    src.lines = newlines - tail[len(stripped):].count(b"\n") + 1


def _check_start(chunk: bytes) -> None:
    if chunk.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise FileProblem("UTF-32 is not supported: save as UTF-8")
    if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem("UTF-16 is not supported: save as UTF-8")
    sample = chunk[:4096]
    half = len(sample) // 2
    if half >= 4 and max(sample[0::2].count(0), sample[1::2].count(0)) > half * 0.6:
        raise FileProblem("UTF-16 is not supported: save as UTF-8")


def _not_utf8(src: SourceFile) -> str:
    """Where the first non-UTF-8 byte is, and what the file then probably is."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line_no = 0
    pending = b""
    for chunk in _text_chunks(src):
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        for line in lines:
            line_no += 1
            try:
                decoder.decode(line + b"\n")
            except UnicodeDecodeError as e:
                return _not_utf8_message(line[e.start] if e.start < len(line) else 0, line_no)
    try:
        decoder.decode(pending, final=True)
    except UnicodeDecodeError as e:
        return _not_utf8_message(pending[e.start] if e.start < len(pending) else 0, line_no + 1)
    return "is not UTF-8 text: save it as UTF-8"


def _not_utf8_message(byte: int, line: int) -> str:
    guess = "Windows-1252" if 0x80 <= byte <= 0x9F else "Latin-1"
    return f"not UTF-8 (looks like {guess}) at line {line}: save it as UTF-8 (CSV UTF-8)"


def check_duplicate_columns(columns: list[str]) -> None:
    seen: dict[str, str] = {}
    for c in columns:
        key = c.strip().lower()
        if not key:
            continue
        if key in seen:
            raise FileProblem(
                f"has a duplicate column {key!r} ({seen[key]!r} and {c!r}): keep one of them"
            )
        seen[key] = c


def _records(src: SourceFile) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, fields) of every CSV record, blank lines skipped, header first."""
    with src.text() as f:
        reader = csv.reader(f, strict=True)
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                raise _CsvBroken(start, str(e)) from None
            if row:
                yield start, row


class _CsvBroken(Exception):
    def __init__(self, line: int, problem: str):
        super().__init__(problem)
        self.line = line
        self.problem = problem


def diagnose_csv(src: SourceFile) -> str | None:
    """The first structural problem of a CSV, at its physical line, or None if none is found."""
    try:
        records = _records(src)
        header = next(records, None)
        if header is None:
            return None
        width = len(header[1])
        for line, row in records:
            if len(row) != width:
                fields = "1 field" if len(row) == 1 else f"{len(row)} fields"
                return (f"line {line} has {fields} but the header has {width} "
                        "(a comma inside a value must be within quotes)")
    except _CsvBroken as e:
        if "unexpected end of data" in e.problem or "EOF" in e.problem:
            return (f"unterminated quote starting at line {e.line}: a value opens a quote (\") "
                    "that never closes")
        if "expected after" in e.problem:
            return (f"line {e.line} has a quote (\") in the middle of a value: quote the whole "
                    "value and write a quote inside it twice")
        return f"line {e.line} is not valid CSV ({e.problem})"
    return None


def record_lines(src: SourceFile) -> list[int] | None:
    """The first physical line of each data record (the header excluded), in file order; None
    if Python's CSV reader cannot read the file (DuckDB could: its numbering is kept)."""
    records = _records(src)
    try:
        next(records, None)
        return [line for line, _ in records]
    except _CsvBroken:
        return None
