"""The query layer: the one module that runs SQL against the warehouse.

The CLI, the dashboard, the exports and the notebooks all read through `Warehouse`. Queries are
`.sql` files: `sql/filtered.sql` (the facts narrowed by the global filters, and the reporting
windows) is prepended to the files under `sql/queries/` that use it (the others, such as
program_metrics.sql, run alone: parsing and planning the prelude costs milliseconds); files
under `sql/plain/` run alone.

The warehouse is opened read-only. A load swaps in a new file atomically, so the file's
identity (inode, size, mtime) is its version: results are cached per (version, query, filters)
and a new version opens a fresh connection.
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from outcomes.settings import warehouse_path

SQL_DIR = Path(__file__).resolve().parent / "sql"
CACHE_SIZE = 512


class WarehouseMissing(Exception):
    """There is no readable warehouse at the path."""


@dataclass(frozen=True)
class Filters:
    """The global filters. None / empty means everything; years are calendar years."""

    from_year: int | None = None
    to_year: int | None = None
    programs: tuple[str, ...] = field(default=())
    boroughs: tuple[str, ...] = field(default=())

    def __post_init__(self):
        # Normalized so that equal filters are equal cache keys.
        object.__setattr__(self, "programs", tuple(sorted(set(self.programs))))
        object.__setattr__(self, "boroughs", tuple(sorted(set(self.boroughs))))


@cache
def read_sql(name: str) -> str:
    """The text of `sql/<name>.sql` (name may contain a folder, e.g. 'queries/funnel')."""
    return (SQL_DIR / f"{name}.sql").read_text()


@cache
def uses_prelude(name: str) -> bool:
    """Whether `queries/<name>.sql` needs the prelude: it continues its WITH clause (starts with
    a comma) or reads one of its tables (f_enrollments, ..., windows). Else it runs alone."""
    code = _code(read_sql(f"queries/{name}"))
    return code.lstrip().startswith(",") or any(
        re.search(rf"\b{table}\b", code) for table in _prelude_tables())


@cache
def _prelude_tables() -> tuple[str, ...]:
    return tuple(re.findall(r"(?m)^(?:WITH\s+)?(\w+) AS \(", _code(read_sql("filtered"))))


def _code(sql: str) -> str:
    """SQL without its -- comments."""
    return "\n".join(line.partition("--")[0] for line in sql.splitlines())


# A query parameter in SQL text: $name (group 1 is the name).
SQL_PARAMETER = re.compile(r"\$([A-Za-z_]\w*)")


@cache
def sql_parameters(sql: str) -> frozenset[str]:
    """The $names of a SQL text (outside -- comments)."""
    return frozenset(SQL_PARAMETER.findall(_code(sql)))


def query_sql(name: str) -> str:
    """The full SQL of a filtered query: the staging prelude, then the query file; a query file
    that does not need the prelude (e.g. program_metrics) runs alone."""
    if not uses_prelude(name):
        return read_sql(f"queries/{name}")
    return read_sql("filtered") + "\n" + read_sql(f"queries/{name}")


class Warehouse:
    def __init__(self, path: str | os.PathLike | None = None):
        self.path = warehouse_path(path)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._con_version: tuple | None = None
        self._cache: OrderedDict = OrderedDict()
        self._bit_of: tuple = (None, {})  # (version, {(dimension, name): bit}), see _bits

    # -- connection and version -------------------------------------------------------------
    def version(self) -> tuple:
        """Identity of the current file: changes whenever a load swaps in a new one."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            raise WarehouseMissing(self.missing_message()) from None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def missing_message(self) -> str:
        return (
            f"No warehouse at {self.path}. Build the demo one with `outcomes demo "
            f"--warehouse {self.path}` (or `make demo`), or load agency files with "
            f"`outcomes load FILE... --warehouse {self.path}`."
        )

    def exists(self) -> bool:
        return self.path.is_file()

    def _cursor(self, version: tuple) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._con is None or self._con_version != version:
                if self._con is not None:
                    self._con.close()
                try:
                    self._con = duckdb.connect(str(self.path), read_only=True)
                except duckdb.Error as e:
                    self._con = None
                    raise WarehouseMissing(
                        f"The warehouse at {self.path} cannot be read ({str(e).splitlines()[0]})."
                        f" Rebuild it with `outcomes demo --warehouse {self.path}`."
                    ) from None
                self._con_version = version
            return self._con.cursor()  # one cursor per query: safe across threads

    def _cached(self, key: tuple, compute) -> pd.DataFrame:
        """A copy of the cached frame for (this file version, key), computed on a miss by
        `compute(version)`. Copies out, so callers may change what they get."""
        version = self.version()
        cache_key = (version, *key)
        with self._lock:
            if cache_key in self._cache:
                self._cache.move_to_end(cache_key)
                return self._cache[cache_key].copy()
        df = compute(version)
        with self._lock:
            self._cache[cache_key] = df
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return df.copy()

    def _run(self, sql: str, params: dict, key: tuple) -> pd.DataFrame:
        return self._cached(key, lambda version: self._execute(version, sql, params))

    def _execute(self, version: tuple, sql: str, params: dict) -> pd.DataFrame:
        cur = self._cursor(version)
        try:
            df = cur.execute(sql, params).df()
        except duckdb.CatalogException as e:
            found = re.search(r"with name (\w+) does not exist", str(e))
            missing = found.group(1) if found else str(e).splitlines()[0]
            raise WarehouseMissing(
                f"The warehouse at {self.path} lacks {missing}: it is not an outcomes "
                f"warehouse, or an older version built it. Rebuild it (`outcomes demo "
                f"--force --warehouse {self.path}`, or load the files again)."
            ) from None
        finally:
            cur.close()
        return df

    # -- queries ------------------------------------------------------------------------------
    def plain(self, name: str, **params) -> pd.DataFrame:
        """Run `sql/plain/<name>.sql` with named parameters (no filters)."""
        key = ("plain", name, tuple(sorted(params.items())))
        return self._run(read_sql(f"plain/{name}"), params, key)

    def params(self, filters: Filters | None = None, by_year: bool = False,
               **extra) -> dict:
        """The SQL parameters of a filtered query (the window resolved to the data's years)."""
        f = self.resolve(filters or Filters())
        return {
            "from_date": date(f.from_year, 1, 1),
            "to_date": date(f.to_year, 12, 31),
            "by_year": by_year,
            "programs": list(f.programs),
            "boroughs": list(f.boroughs),
            "borough_lookup": bool(f.boroughs) or bool(extra.get("by_borough")),
            **extra,
        }

    def query_params(self, name: str, filters: Filters | None = None, by_year: bool = False,
                     **extra) -> dict:
        """The parameters of `queries/<name>.sql`: `params`; a query that runs alone (without
        the prelude) gets those of them it names, and may also use $from_year, $to_year
        (INTEGER) and $program_bits, $borough_bits (the filters as bits of the metric cells)."""
        params = self.params(filters, by_year, **extra)
        if uses_prelude(name):
            return params
        f = self.resolve(filters or Filters())
        named = sql_parameters(read_sql(f"queries/{name}"))
        params.update(from_year=f.from_year, to_year=f.to_year)
        if "program_bits" in named or "borough_bits" in named:
            params.update(program_bits=self._bits("program", f.programs),
                          borough_bits=self._bits("borough", f.boroughs))
        return {k: v for k, v in params.items() if k in named or k in extra}

    def _bits(self, dimension: str, names: tuple[str, ...]) -> int:
        """The filter as bits of the metric cells (sql/plain/metric_bits.sql): the bits of the
        named programs or boroughs (unknown names have none), or -1 (all) without a filter."""
        if not names:
            return -1
        version = self.version()
        if self._bit_of[0] != version:
            df = self.plain("metric_bits")
            self._bit_of = (version, {(d, n): int(b) for d, n, b in
                                      zip(df["dimension"], df["name"], df["bit"], strict=True)})
        bit_of = self._bit_of[1]
        return sum(1 << bit_of[dimension, n] for n in names if (dimension, n) in bit_of)

    def query(self, name: str, filters: Filters | None = None, by_year: bool = False,
              **extra) -> pd.DataFrame:
        """Run `sql/queries/<name>.sql` for the filters (window resolved to the data's years)."""
        f = self.resolve(filters or Filters())
        key = ("query", name, f, by_year, tuple(sorted(extra.items())))
        return self._run(query_sql(name), self.query_params(name, f, by_year, **extra), key)

    def metrics(self, filters: Filters | None = None, by_year: bool = False,
                with_total: bool = False, by_borough: bool = False,
                cumulative: bool = False) -> pd.DataFrame:
        """The program metric table (sql/queries/program_metrics.sql, docs/metrics.md).

        by_year: one row per program per calendar year of the window (else one per program).
        with_total: a row with program 'ALL' for all selected programs together, in which each
            participant counts once (distinct across programs, not a sum of the rows above).
        by_borough: one row per program and borough ('Unknown' when no borough is known).
        cumulative: every window starts at the beginning of the data (since each program began).
        The `year` and `borough` columns are only kept when asked for.
        """
        f = self.resolve(filters or Filters())
        options = dict(with_total=with_total, by_borough=by_borough, cumulative=cumulative)

        def compute(version: tuple) -> pd.DataFrame:
            df = self.query("program_metrics", f, by_year=by_year, **options)
            keep = [i for i, c in enumerate(df.columns)
                    if (c != "year" or by_year) and (c != "borough" or by_borough)]
            if len(keep) < len(df.columns):
                df = df.take(keep, axis=1)  # faster than drop
            if by_year and df["year"].dtype != int:
                df["year"] = df["year"].astype(int)
            return df

        # Cached as returned, under its own key (the raw query result is cached as well).
        return self._cached(("metrics", f, by_year, tuple(sorted(options.items()))), compute)

    def data_years(self) -> tuple[int, int]:
        """The first and last calendar year that any record falls in."""
        df = self.plain("data_years")
        lo, hi = df.iloc[0]["first_year"], df.iloc[0]["last_year"]
        if pd.isna(lo):
            this_year = date.today().year
            return this_year, this_year
        return int(lo), int(hi)

    def resolve(self, filters: Filters) -> Filters:
        """Filters with the window filled in: a missing end means the data's first/last year."""
        if filters.from_year is not None and filters.to_year is not None:
            f = filters
        else:
            lo, hi = self.data_years()
            f = replace(
                filters,
                from_year=filters.from_year if filters.from_year is not None else lo,
                to_year=filters.to_year if filters.to_year is not None else hi,
            )
        if f.from_year > f.to_year:
            raise ValueError(f"from year {f.from_year} is after to year {f.to_year}")
        return f

    def meta(self) -> dict[str, str]:
        df = self.plain("meta")
        return dict(zip(df["key"], df["value"], strict=True))

    def is_demo(self) -> bool:
        return self.meta().get("dataset") == "synthetic_demo"

    def as_of(self) -> pd.Timestamp | None:
        """When the data was last loaded (the latest committed load's end)."""
        df = self.plain("loads")
        return None if df.empty else pd.Timestamp(df["finished_at"].max())

    def programs(self) -> pd.DataFrame:
        return self.plain("programs")

    def impact(self, filters: Filters | None = None, from_period: str | int | None = None,
               to_period: str | int | None = None, months: int = 12,
               event_study: bool = False) -> pd.DataFrame:
        """Impact on child support (sql/queries/impact.sql, docs/metrics.md): the before/after
        table per program and group, or under `event_study` the months around entry.

        The enrollment window runs from the start of `from_period` to the end of `to_period`
        (any period name core.periods parses: 2024, 2024-03, 2024-Q1, FY2024, FFY2024);
        a missing end is the filters' year, else the data's first (last) year. The program
        and borough filters apply; `months` is N, the months on each side of entry."""
        from core.periods import window

        f = self.resolve(filters or Filters())
        from_month, to_month = window(f.from_year if from_period is None else from_period,
                                      f.to_year if to_period is None else to_period)
        if int(months) < 1:
            raise ValueError(f"months must be at least 1, not {months}")
        df = self.query("impact", f, from_month=from_month, to_month=to_month,
                        months=int(months))
        part = "event_study" if event_study else "table"
        df = df[df["part"] == part].drop(columns="part").reset_index(drop=True)
        # Each part without the other's columns (all empty here).
        keep = ["program", "group", "rel", "parents", "due", "paid", "compliance"] \
            if event_study else [c for c in df.columns if c not in
                                 ("rel", "parents", "due", "paid", "compliance")]
        df = df[keep]
        if event_study:
            df = df.astype({"rel": int, "parents": int})
        else:
            df = df.astype({c: int for c in ("participants", "with_support_records",
                                             "before_parents", "after_parents")})
        return df


_shared: dict[Path, Warehouse] = {}
_shared_lock = threading.Lock()


def open_warehouse(path: str | os.PathLike | None = None) -> Warehouse:
    """A process-wide Warehouse per path, so every caller shares one cache and connection."""
    p = warehouse_path(path).resolve()
    with _shared_lock:
        if p not in _shared:
            _shared[p] = Warehouse(p)
        return _shared[p]
