"""Reading a warehouse file in a test, cheaply.

`duckdb.connect(path, read_only=True)` starts a new DuckDB instance: about 16 ms of CPU however
small the file, most of it registering DuckDB's built-in functions. Tests read their warehouses
hundreds of times, so they read through `read_only(path)` instead: the file ATTACHed read-only
(about 2 ms) to one in-memory DuckDB kept by the test process, under a name of its own, and
DETACHed on close. Every read attaches the file afresh, so it sees the file as it is now (a load
swaps in a new file). Use it where a test only reads tables; a test of how a real reader behaves
(its own instance, a version held open across a load, the catalog of one file) connects itself.
"""

from __future__ import annotations

import itertools
import os
import threading
from pathlib import Path

import duckdb

_HOST: dict = {}
_LOCK = threading.Lock()
_NAMES = itertools.count()


def _host() -> duckdb.DuckDBPyConnection:
    with _LOCK:  # one per process (a forked child makes its own)
        if _HOST.get("pid") != os.getpid():
            _HOST.update(pid=os.getpid(), con=duckdb.connect(":memory:"))
        return _HOST["con"]


class read_only:  # noqa: N801 -- used as duckdb.connect is: con = read_only(path) / with ...
    """A cursor on the file at `path`, read-only: `execute` as on a DuckDB connection."""

    def __init__(self, path: str | os.PathLike):
        self.name = f"r{next(_NAMES)}"
        self.cursor = _host().cursor()
        quoted = str(Path(path)).replace("'", "''")
        try:
            self.cursor.execute(f"ATTACH '{quoted}' AS {self.name} (READ_ONLY)")
            self.cursor.execute(f"USE {self.name}")
        except BaseException:
            self.cursor.close()
            raise

    def execute(self, sql: str, params=None):
        return self.cursor.execute(sql, params)

    def close(self) -> None:
        if self.cursor is None:
            return
        try:
            self.cursor.execute("USE memory")
            self.cursor.execute(f"DETACH {self.name}")
        finally:
            self.cursor.close()
            self.cursor = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def df(path: str | os.PathLike, sql: str, params=None):
    """The result of `sql` on the file at `path`, as a data frame."""
    with read_only(path) as con:
        return con.execute(sql, params).df()


def rows(path: str | os.PathLike, sql: str, params=None) -> list[tuple]:
    """The result of `sql` on the file at `path`, as tuples."""
    with read_only(path) as con:
        return con.execute(sql, params).fetchall()
