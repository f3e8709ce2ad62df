"""The query layer: the one module that runs SQL against the warehouse.

The CLI, the dashboard, the exports and the notebooks all read through `Warehouse`. Queries are
`.sql` files (one folder per layer, sql/README.md): `sql/staging/filtered.sql` (the facts
narrowed by the global filters, and the reporting windows) is prepended to the files under
`sql/queries/` that use it (the others, such as program_metrics.sql, run alone: parsing and
planning the prelude costs milliseconds); files under `sql/plain/` run alone.

The warehouse is opened read-only. A load swaps in a new file atomically, so the file's
identity (inode, size, mtime) is its version: results are cached per (version, query, filters)
and a new version opens a fresh connection.
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from core.periods import month_end, month_start, parse_period, periods_between, window
from core.settings import warehouse_path
from warehouse.build import MODEL_VERSION

SQL_DIR = Path(__file__).resolve().parent / "sql"
CACHE_SIZE = 512


class WarehouseMissing(Exception):
    """There is no readable warehouse at the path."""


@dataclass(frozen=True)
class Filters:
    """The global filters. None / empty means everything; years are calendar years.

    from_period / to_period (optional) name a window of whole months instead, in any form of
    core/periods.py ('2024', '2024-03', '2024-Q1', 'FY2024', 'FFY2024'): the window runs from
    the start of from_period to the end of to_period, and they win over from_year / to_year
    (which `Warehouse.resolve` then sets to the calendar years the window starts and ends in).

    grain (optional) is how the dashboard and the exports break the window down in their time
    charts and tables: a grain of core/periods.py ('fiscal-year', 'quarter', ...); None is
    calendar years ('year' is normalized to None). It selects no data: the queries ignore it.
    """

    from_year: int | None = None
    to_year: int | None = None
    programs: tuple[str, ...] = field(default=())
    boroughs: tuple[str, ...] = field(default=())
    from_period: str | None = None
    to_period: str | None = None
    grain: str | None = None

    def __post_init__(self):
        # Normalized so that equal filters are equal cache keys.
        object.__setattr__(self, "programs", tuple(sorted(set(self.programs))))
        object.__setattr__(self, "boroughs", tuple(sorted(set(self.boroughs))))
        if self.grain == "year":
            object.__setattr__(self, "grain", None)

    def months(self) -> tuple[int, int]:
        """The window as month indexes (core/periods.py) of resolved filters."""
        first = (parse_period(self.from_period).first_month if self.from_period
                 else self.from_year * 12)
        last = parse_period(self.to_period).last_month if self.to_period else self.to_year * 12 + 11
        return first, last


# A line `-- include: queries/_part.sql` in a SQL file stands for that file's text: a part that
# two queries share (a fast path and the definition it optimizes) is written once.
INCLUDE = re.compile(r"(?m)^-- include: (\S+)\.sql[ \t]*$")


@cache
def read_sql(name: str) -> str:
    """The text of `sql/<name>.sql` (name may contain a folder, e.g. 'queries/funnel'), its
    `-- include:` lines replaced by the files they name: runnable SQL, as notebooks show it."""
    text = (SQL_DIR / f"{name}.sql").read_text()
    return INCLUDE.sub(lambda m: read_sql(m.group(1)).rstrip("\n"), text)


@cache
def uses_prelude(name: str) -> bool:
    """Whether `queries/<name>.sql` needs the prelude: it continues its WITH clause (starts with
    a comma) or reads one of its tables (f_enrollments, ..., windows). Else it runs alone."""
    code = _code(read_sql(f"queries/{name}"))
    return code.lstrip().startswith(",") or any(
        re.search(rf"\b{table}\b", code) for table in _prelude_tables())


@cache
def _prelude_tables() -> tuple[str, ...]:
    return tuple(re.findall(r"(?m)^(?:WITH\s+)?(\w+) AS \(", _code(read_sql("staging/filtered"))))


def _code(sql: str) -> str:
    """SQL without its -- comments."""
    return "\n".join(line.partition("--")[0] for line in sql.splitlines())


# A query parameter in SQL text: $name (group 1 is the name).
SQL_PARAMETER = re.compile(r"\$([A-Za-z_]\w*)")


@cache
def sql_parameters(sql: str) -> frozenset[str]:
    """The $names of a SQL text (outside -- comments)."""
    return frozenset(SQL_PARAMETER.findall(_code(sql)))


@cache
def has_definition(name: str) -> bool:
    """Whether `queries/<name>.sql` is an optimization of a readable `definitions/<name>.sql`
    (same parameters, same result), which is what docs and notebooks show."""
    return (SQL_DIR / "definitions" / f"{name}.sql").is_file()


def query_file(name: str, cells: bool = False) -> str:
    """The file to run for `queries/<name>.sql`: its variant `queries/<name>_cells.sql` when the
    caller says the load-time cells answer (cells=True: for program_metrics, every row is one
    group; for impact, the cells keep the months asked for) and there is one (same result,
    faster), else the file itself."""
    if cells and (SQL_DIR / "queries" / f"{name}_cells.sql").is_file():
        return f"{name}_cells"
    return name


def query_sql(name: str) -> str:
    """The full SQL of a filtered query: the staging prelude, then the query file; a query file
    that does not need the prelude (e.g. program_metrics) runs alone."""
    if not uses_prelude(name):
        return read_sql(f"queries/{name}")
    return read_sql("staging/filtered") + "\n" + read_sql(f"queries/{name}")


class _Connection:
    """A read-only connection to one version of the warehouse file, counting the queries
    running on it (`users`). A load replaces the file; the connection to the old version is
    then `retired` and closed when its last query ends, never under a running query.

    The file is ATTACHed to a private in-memory database rather than opened with
    `duckdb.connect(path)`: DuckDB shares one instance per path within a process, so while
    the old version is still open, connecting to the path again would give the old file."""

    CATALOG = "wh"

    def __init__(self, con: duckdb.DuckDBPyConnection, version: tuple):
        self.con, self.version = con, version
        self.users = 0
        self.retired = False

    @classmethod
    def open(cls, path: Path, version: tuple) -> _Connection:
        con = duckdb.connect(":memory:")
        try:
            quoted = str(path).replace("'", "''")
            con.execute(f"ATTACH '{quoted}' AS {cls.CATALOG} (READ_ONLY)")
        except duckdb.Error:
            con.close()
            raise
        return cls(con, version)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self.con.cursor()
        cur.execute(f"USE {self.CATALOG}")  # a cursor starts in the in-memory catalog
        return cur

    def close(self) -> None:
        self.con.close()


class Warehouse:
    def __init__(self, path: str | os.PathLike | None = None):
        self.path = warehouse_path(path)
        self._lock = threading.Lock()
        self._con: _Connection | None = None  # the connection to the newest version seen
        self._cache: OrderedDict = OrderedDict()
        self._pending: dict[tuple, Future] = {}  # cache keys being computed, by a thread
        self._families: tuple | None = None  # (file version, _cell_families)

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

    def _acquire(self, version: tuple) -> _Connection:
        """The connection to `version` of the file, opened on first use, with one more user.
        Every `_acquire` is paired with a `_release`: a connection outlives every query
        started on it, even when a load has swapped in a new file meanwhile."""
        with self._lock:
            current = self._con
            if current is None or current.version != version:
                fresh = self._open(version)
                if current is not None:
                    current.retired = True
                    if current.users == 0:
                        current.close()
                self._con = current = fresh
            current.users += 1
            return current

    def _release(self, con: _Connection) -> None:
        with self._lock:
            con.users -= 1
            if con.retired and con.users == 0:
                con.close()

    def _open(self, version: tuple) -> _Connection:
        try:
            return _Connection.open(self.path, version)
        except duckdb.Error as e:
            raise WarehouseMissing(
                f"The warehouse at {self.path} cannot be read ({str(e).splitlines()[0]})."
                f" Rebuild it with `outcomes demo --warehouse {self.path}`."
            ) from None

    def _cached(self, key: tuple, compute) -> pd.DataFrame:
        """A copy of the cached frame for (this file version, key), computed on a miss by
        `compute(version)`. Copies out, so callers may change what they get."""
        version = self.version()
        cache_key = (version, *key)
        with self._lock:
            if cache_key in self._cache:
                self._cache.move_to_end(cache_key)
                return self._cache[cache_key].copy()
            # A frame another thread is computing (a page's charts fetched at once, a second
            # viewer) is waited for, not computed twice.
            pending = self._pending.get(cache_key)
            owner = pending is None
            if owner:
                pending = self._pending[cache_key] = Future()
        if not owner:
            return pending.result().copy()
        try:
            df = compute(version)
        except BaseException as e:
            with self._lock:
                del self._pending[cache_key]
            pending.set_exception(e)
            raise
        with self._lock:
            self._cache[cache_key] = df
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
            del self._pending[cache_key]
        pending.set_result(df)
        return df.copy()

    def _run(self, sql: str, params: dict, key: tuple) -> pd.DataFrame:
        return self._cached(key, lambda version: self._execute(version, sql, params))

    def _execute(self, version: tuple, sql: str, params: dict) -> pd.DataFrame:
        con = self._acquire(version)
        cur = None
        try:
            cur = con.cursor()  # one cursor per query: safe across threads
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
            if cur is not None:
                cur.close()
            self._release(con)
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
        first, last = f.months()
        return {
            "from_date": month_start(first),
            "to_date": month_end(last),
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
        (INTEGER), $program_bits, $borough_bits (the filters as bits of the metric cells) and
        $data_through (the latest record date, plain/data_through.sql, cached per warehouse
        version: a constant of the file, not of the filters)."""
        params = self.params(filters, by_year, **extra)
        if uses_prelude(name):
            return params
        f = self.resolve(filters or Filters())
        named = sql_parameters(read_sql(f"queries/{query_file(name, extra.get('cells'))}"))
        params.update(from_year=f.from_year, to_year=f.to_year)
        if "all_cell_group" in named:  # the cells path: the ALL row's group of metric_cells
            group = self.cell_group(f.programs)
            if group is None and extra.get("with_total") and not extra.get("total_names"):
                raise ValueError(f"no group of metric_cells holds the programs {f.programs} "
                                 "together: ask without cells")
            params["all_cell_group"] = group
        if "total_names" in named:  # the ALL row split per group (metrics_by_family)
            params["total_programs"] = list(extra.get("total_programs", ()))
            params["total_names"] = list(extra.get("total_names", ()))
        if "data_through" in named:
            through = self.plain("data_through")["data_through"].iloc[0]
            params["data_through"] = None if pd.isna(through) else pd.Timestamp(through).date()
        if "period_labels" in named:
            params.update(period_params(f, extra.get("grain") or None,
                                        bool(extra.get("with_window"))))
        return {k: v for k, v in params.items() if k in named}

    def query(self, name: str, filters: Filters | None = None, by_year: bool = False,
              **extra) -> pd.DataFrame:
        """Run `sql/queries/<name>.sql` for the filters (window resolved to the data's years)."""
        f = self.resolve(filters or Filters())
        # The grain selects no data: one cache entry whatever the breakdown of the charts.
        key = ("query", name, replace(f, grain=None), by_year, tuple(sorted(extra.items())))
        sql = query_sql(query_file(name, extra.get("cells")))
        return self._run(sql, self.query_params(name, f, by_year, **extra), key)

    def metrics(self, filters: Filters | None = None, by_year: bool = False,
                with_total: bool = False, by_borough: bool = False,
                cumulative: bool = False, by: str | None = None) -> pd.DataFrame:
        """The program metric table (definitions/program_metrics.sql, docs/metrics.md).

        by: one row per program per period of a grain of core/periods.py ('year', 'quarter',
            'month', 'fiscal-year', 'federal-fiscal-year') within the window, the period's label
            first: column `year` (an integer) for 'year', else `period` ('2024-Q1', 'FY2024').
            by_year=True is by='year'. Without either, one row per program for the window.
        with_total: a row with program 'ALL' for all selected programs together, in which each
            participant counts once (distinct across programs, not a sum of the rows above).
        by_borough: one row per program and borough ('Unknown' when no borough is known).
        cumulative: every window starts at the beginning of the data (since each program began).
        The `year`/`period` and `borough` columns are only kept when asked for.
        """
        f = self.resolve(filters or Filters())
        grain = by or ("year" if by_year else None)
        options = dict(with_total=with_total, by_borough=by_borough, cumulative=cumulative)

        def compute(version: tuple) -> pd.DataFrame:
            df = self.query("program_metrics", f, grain=grain or "",
                            cells=self.cells_answer(f, with_total, by_borough), **options)
            return _metric_shape(df, grain, by_borough)

        # Cached as returned, under its own key (the raw query result is cached as well).
        return self._cached(_metrics_key(f, grain, options), compute)

    def metrics_and_window(self, filters: Filters | None, by: str, **options
                           ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(metrics(filters, **options), metrics(filters, by=by, **options)) from one query:
        the window is one more window of the same statement (label ''), so a page that shows a
        total and its trend plans and scans once. Both are cached as those two calls cache
        them, so either call afterwards is answered from the cache."""
        f = self.resolve(filters or Filters())
        options = {"with_total": False, "by_borough": False, "cumulative": False, **options}
        keys = (_metrics_key(f, None, options), _metrics_key(f, by, options))
        both: dict = {}

        def combined(version: tuple) -> pd.DataFrame:
            if "df" not in both:
                both["df"] = self.query(
                    "program_metrics", f, grain=by, with_window=True,
                    cells=self.cells_answer(f, options["with_total"], options["by_borough"]),
                    **options)
            return both["df"]

        def part(window: bool):
            def compute(version: tuple) -> pd.DataFrame:
                df = combined(version)
                df = df[(df["period"] == "") == window].reset_index(drop=True)
                return _metric_shape(df, None if window else by, options["by_borough"])
            return compute

        return self._cached(keys[0], part(True)), self._cached(keys[1], part(False))

    def metrics_by_family(self, filters: Filters | None, groups: tuple[tuple[str, ...], ...],
                          by: str) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
        """For each group of programs (a family's selected programs), metrics_and_window of
        the filters narrowed to the group with_total=True; and metrics(filters) (every selected
        program, no total): all from one statement, the ALL row split per group ($total_names,
        queries/_program_metrics_head.sql), so a page of several families' totals (the
        Overview) plans and scans once. Each frame is cached as the call it equals caches it,
        so those calls afterwards are answered from the cache. The groups must not share a
        program and must hold only selected programs."""
        f = self.resolve(filters or Filters())
        options = {"with_total": True, "by_borough": False, "cumulative": False}
        plain = {**options, "with_total": False}
        narrowed = [self.resolve(replace(f, programs=g)) for g in groups]
        cells = [self.cell_group(n.programs) for n in narrowed]
        names = [f"ALL:{c or i}" for i, c in enumerate(cells)]  # one name per group
        use_cells = None not in cells and len(f.boroughs) <= 1
        both: dict = {}

        def combined() -> pd.DataFrame:
            if "df" not in both:
                both["df"] = self.query(
                    "program_metrics", f, grain=by, with_window=True, cells=use_cells,
                    total_programs=tuple(p for g in groups for p in g),
                    total_names=tuple(n for n, g in zip(names, groups, strict=True)
                                      for _ in g), **options)
            return both["df"]

        def part(window: bool, programs: tuple[str, ...] | None, name: str | None,
                 grain: str | None):
            def compute(version: tuple) -> pd.DataFrame:
                df = combined()
                keep = (df["period"] == "") == window
                if programs is None:  # every program's row, no total
                    keep &= ~df["program"].str.startswith("ALL")
                else:
                    keep &= df["program"].isin(programs) | (df["program"] == name)
                df = df[keep].reset_index(drop=True)
                if name is not None:  # (mask keeps the column's dtype, also when empty)
                    df["program"] = df["program"].mask(df["program"] == name, "ALL")
                return _metric_shape(df, grain, False)
            return compute

        out = []
        for n, g, name in zip(narrowed, groups, names, strict=True):
            out.append((self._cached(_metrics_key(n, None, options), part(True, g, name, None)),
                        self._cached(_metrics_key(n, by, options), part(False, g, name, by))))
        self._cached(_metrics_key(f, None, plain), part(True, None, None, None))
        return out

    def cells_answer(self, f: Filters, with_total: bool, by_borough: bool) -> bool:
        """Whether every row of the metric table is one group of metric_cells, so
        program_metrics_cells.sql answers (same result as the general path): one program, the
        programs of one family (a family total), or all of them, or no ALL row; one borough or
        all of them, or by borough."""
        one_program_group = not with_total or self.cell_group(f.programs) is not None
        return one_program_group and (by_borough or len(f.boroughs) <= 1)

    def cell_group(self, programs: tuple[str, ...]) -> str | None:
        """The group of metric_cells that counts the selected programs together, named as the
        model names it (models/program_metrics_model.sql): '*' without a program filter (all
        programs), the program itself for one, 'family:<family>' for exactly one family's
        programs (table programs; models of this code's MODEL_VERSION); None for any other
        selection, which no cells hold together. The one place the query side says it: the
        metric cells path and the unknown-borough notice get it as a parameter."""
        if len(programs) <= 1:
            return programs[0] if programs else "*"
        family = self._cell_families().get(frozenset(programs))
        return None if family is None else "family:" + family

    def _cell_families(self) -> dict[frozenset[str], str]:
        """The families that metric_cells holds, by their programs (none in models of another
        version), per file version."""
        version = self.version()
        known = self._families
        if known is None or known[0] != version:
            families = {}
            if self.meta().get("model_version") == MODEL_VERSION:
                codes = self.programs().groupby("family")["code"].agg(frozenset)
                families = {programs: family for family, programs in codes.items()}
            self._families = known = (version, families)
        return known[1]

    def unknown_borough_counts(self, filters: Filters, groups: tuple[tuple[str, ...], ...]
                               ) -> pd.DataFrame | None:
        """For each group of programs (one program, or one family's programs), the metric
        table's ALL row over the filters' window without a borough filter (place 'all') and
        under the borough filter 'Unknown' (place 'unknown'): columns grp (the group's index),
        place, participants_served, ncps_with_reductions, arrears_reduced_usd; one statement
        (queries/unknown_borough.sql, equal to those metrics() calls). None when a group is
        not one of metric_cells' groups (then ask metrics())."""
        f = self.resolve(filters)
        cells = [self.cell_group(programs) for programs in groups]
        if None in cells:
            return None
        first, last = f.months()
        params = {"cell_programs": cells, "group_programs": [list(p) for p in groups],
                  "first_month": first, "last_month": last}
        key = ("unknown_borough", first, last, tuple(tuple(p) for p in groups))
        return self._run(read_sql("queries/unknown_borough"), params, key)

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
        if filters.from_period or filters.to_period:
            first = parse_period(filters.from_period).first_month if filters.from_period else None
            last = parse_period(filters.to_period).last_month if filters.to_period else None
            filters = replace(
                filters,
                from_year=first // 12 if first is not None else filters.from_year,
                to_year=last // 12 if last is not None else filters.to_year)
        if filters.from_year is not None and filters.to_year is not None:
            f = filters
        else:
            lo, hi = self.data_years()
            f = replace(
                filters,
                from_year=filters.from_year if filters.from_year is not None else lo,
                to_year=filters.to_year if filters.to_year is not None else hi,
            )
        first, last = f.months()
        if first > last:
            start = f.from_period or f.from_year
            end = f.to_period or f.to_year
            raise ValueError(f"from {start} is after to {end}")
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

    def impact_cell_months(self) -> int:
        """How many months around entry the impact cells keep (0: the warehouse has none)."""
        return int(self.meta().get("impact_cell_months", 0))

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
        f = self.resolve(filters or Filters())
        # The filters' own window: their periods when set (exact months), else their years.
        from_month, to_month = window(
            (f.from_period or f.from_year) if from_period is None else from_period,
            (f.to_period or f.to_year) if to_period is None else to_period)
        if int(months) < 1:
            raise ValueError(f"months must be at least 1, not {months}")
        # The cells of models/impact_members.sql answer N up to the months they keep (same
        # result as the definition, impact.sql); a warehouse built before them has none.
        cells = int(months) <= self.impact_cell_months()
        df = self.query("impact", f, from_month=from_month, to_month=to_month,
                        months=int(months), cells=cells)
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


def _metrics_key(f: Filters, grain: str | None, options: dict) -> tuple:
    """The cache key of a Warehouse.metrics result (the grain of the filters selects no data)."""
    return ("metrics", replace(f, grain=None), grain, tuple(sorted(options.items())))


def _metric_shape(df: pd.DataFrame, grain: str | None, by_borough: bool) -> pd.DataFrame:
    """The metric query's result as Warehouse.metrics returns it: `period` (as `year`, an
    integer, for 'year') kept only under a grain, `borough` only by borough. An empty part of
    a larger result has its text columns as object, as DuckDB returns an empty result."""
    if df.empty:
        df = df.astype({c: object for c in df.columns if pd.api.types.is_string_dtype(df[c])})
    keep = [i for i, c in enumerate(df.columns)
            if (c != "period" or grain) and (c != "borough" or by_borough)]
    if len(keep) < len(df.columns):
        df = df.take(keep, axis=1)  # faster than drop
    if grain == "year":
        df = df.rename(columns={"period": "year"})
        df["year"] = df["year"].astype(int)
    return df


def period_params(f: Filters, grain: str | None, with_window: bool = False) -> dict:
    """The windows of the metric SQL for resolved filters: one per period of the grain within
    the window (each cut to the window), labelled as core/periods.py labels it; or the window
    alone (label ''); with_window: the window as well, first."""
    first, last = f.months()
    if grain:
        periods = [(p.label, max(p.first_month, first), min(p.last_month, last))
                   for p in periods_between(first, last, grain)]
    else:
        periods = []
    if with_window or not grain:
        periods.insert(0, ("", first, last))
    return {"period_labels": [p[0] for p in periods],
            "period_starts": [month_start(p[1]) for p in periods],
            "period_ends": [month_end(p[2]) for p in periods]}


_shared: dict[Path, Warehouse] = {}
_shared_lock = threading.Lock()


def open_warehouse(path: str | os.PathLike | None = None) -> Warehouse:
    """A process-wide Warehouse per path, so every caller shares one cache and connection."""
    p = warehouse_path(path).resolve()
    with _shared_lock:
        if p not in _shared:
            _shared[p] = Warehouse(p)
        return _shared[p]
