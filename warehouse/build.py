"""Building the warehouse's models: the tables derived from the facts (warehouse/sql/models/).

A load (etl/load.py) calls, inside its transaction:

    touched = capture_touched(con)   # after staging its files, before merging them
    build_models(con, touched)       # after the merge

`capture_touched` notes the participants whose facts the load may change (every participant
of a staged row, and the owner of every stored row a staged id names) and, while the facts are
still the old ones, their contributions to the additive model tables. `build_models` then
rebuilds only what they touched: their rows of the per-participant tables are replaced and
(new - old) is added to the additive tables. Every model is a function of each participant's
own records, so this equals a full build (tests/test_build.py checks it). Without a usable
previous build (new warehouse, models of an older version, or a load touching a large share of
the participants) it builds everything from all the facts.

The order is declared in MODELS; referral_cohorts and placements_families_forward are rebuilt
in full by every load.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parent / "sql" / "models"

# The models in build order (participant_boroughs first: the others read it).
MODELS = ("participant_boroughs", "program_metrics_model", "referral_cohorts",
          "placements_families_forward")

# Per-participant tables: a participant's rows are replaced.
PARTICIPANT_TABLES = {
    "participant_boroughs": "c_participant_boroughs",
    "metric_spans": "c_spans",
    "metric_arrears": "c_arrears",
    "metric_reversals": "c_reversals",
}
# Additive tables: (key columns, value columns, the column that lists a row while non-zero).
ADDITIVE_TABLES = {
    "metric_additive": (("program", "borough", "month"),
                        ("records", "new_enrollments", "referrals", "placements", "arrears_usd"),
                        "records"),
    "metric_cells": (("metric", "program", "borough", "lo", "hi"), ("n",), "n"),
}
# Sort orders of the full build (zone maps keep queries on one group cheap).
ORDER = {
    "metric_additive": "program, borough, month",
    "metric_cells": "metric, program, borough, lo, hi",
}
SOURCES = {"m_enrollments": "enrollments", "m_referrals": "referrals",
           "m_placements": "placements", "m_arrears": "arrears_reductions"}
KIND_IDS = {"enrollments": "enrollment_id", "referrals": "referral_id",
            "placements": "placement_id", "arrears_reductions": "adjustment_id"}
# Above this share of the participants, a full build is cheaper than an incremental one.
INCREMENTAL_MAX_SHARE = 0.2


@dataclass
class Touched:
    """What capture_touched found: how many participants, and whether to build incrementally."""

    participants: int
    incremental: bool


def _sql(name: str) -> str:
    return (MODELS_DIR / f"{name}.sql").read_text()


def _tables(con) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}


def _scope(con, touched_only: bool) -> None:
    """Views m_* over the facts: all of them, or only the touched participants'."""
    for view, table in SOURCES.items():
        where = (" WHERE participant_key IN (SELECT participant_key FROM build_touched)"
                 if touched_only else "")
        con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM {table}{where}")


def _contributions(con) -> None:
    """The c_* tables of the participants in scope (participant_boroughs must be current)."""
    con.execute(_sql("program_metrics_model"))


def capture_touched(con) -> Touched:
    """Before the merge: the participants the staged rows may change, and their old additive
    contributions (tables old_*)."""
    staged = [k for k in KIND_IDS if con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND temporary",
        [f"all_{k}"]).fetchone()[0]]
    parts = []
    for kind in staged:
        parts.append(f"SELECT participant_key FROM all_{kind}")
        parts.append(f"SELECT t.participant_key FROM {kind} t SEMI JOIN all_{kind} a "
                     f"ON t.{KIND_IDS[kind]} = a.record_id")
    union = " UNION ALL ".join(parts) or "SELECT NULL::VARCHAR AS participant_key"
    con.execute("CREATE OR REPLACE TEMP TABLE build_touched AS SELECT DISTINCT participant_key "
                f"FROM ({union}) WHERE participant_key IS NOT NULL")
    n = con.execute("SELECT count(*) FROM build_touched").fetchone()[0]
    needed = set(PARTICIPANT_TABLES) | set(ADDITIVE_TABLES)
    incremental = needed <= _tables(con) and _model_version_ok(con)
    if incremental:
        total = con.execute("SELECT count(*) FROM participant_boroughs").fetchone()[0]
        incremental = n <= max(1000, INCREMENTAL_MAX_SHARE * total)
    if incremental:
        _scope(con, touched_only=True)
        _contributions(con)
        for table in ADDITIVE_TABLES:
            con.execute(f"CREATE OR REPLACE TEMP TABLE old_{table} AS "
                        f"SELECT * FROM {_contribution_of(table)}")
    return Touched(n, incremental)


def _contribution_of(table: str) -> str:
    return {"metric_additive": "c_additive", "metric_cells": "c_cells"}[table]


def _model_version_ok(con) -> bool:
    """Whether the stored models are this version's (metric_cells with a `metric` column)."""
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'metric_cells' "
        "AND column_name = 'metric' AND schema_name = 'main'").fetchone()[0])


def build_models(con, touched: Touched | None = None) -> str:
    """Build every model after the merge; returns 'incremental' or 'full'."""
    if touched is not None and touched.incremental:
        _incremental(con)
        mode = "incremental"
    else:
        _full(con)
        mode = "full"
    for name in MODELS[2:]:
        con.execute(_sql(name))
    return mode


def _full(con) -> None:
    _drop_old_version(con)
    _scope(con, touched_only=False)
    con.execute(_sql("participant_boroughs"))
    con.execute("CREATE OR REPLACE TABLE participant_boroughs AS "
                "SELECT * FROM c_participant_boroughs")
    _contributions(con)
    for table, source in PARTICIPANT_TABLES.items():
        if table != "participant_boroughs":
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {source}")
    for table in ADDITIVE_TABLES:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM "
                    f"{_contribution_of(table)} ORDER BY {ORDER[table]}")


def _incremental(con) -> None:
    _scope(con, touched_only=True)
    con.execute(_sql("participant_boroughs"))
    _replace_rows(con, "participant_boroughs", "c_participant_boroughs")
    _contributions(con)
    for table, source in PARTICIPANT_TABLES.items():
        if table != "participant_boroughs":
            _replace_rows(con, table, source)
    for table, (keys, values, lister) in ADDITIVE_TABLES.items():
        _add_delta(con, table, _contribution_of(table), f"old_{table}", keys, values, lister)


def _replace_rows(con, table: str, source: str) -> None:
    con.execute(f"DELETE FROM {table} WHERE participant_key IN "
                "(SELECT participant_key FROM build_touched)")
    con.execute(f"INSERT INTO {table} SELECT * FROM {source}")


def _add_delta(con, table, new, old, keys, values, lister) -> None:
    """table += new - old, on the key columns; rows whose `lister` drops to 0 go."""
    k = ", ".join(keys)
    sums = ", ".join(f"sum({v}) AS {v}" for v in values)
    negated = ", ".join(f"-{v}" for v in values)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE delta AS
        SELECT {k}, {sums} FROM (SELECT {k}, {', '.join(values)} FROM {new}
                                 UNION ALL SELECT {k}, {negated} FROM {old})
        GROUP BY ALL HAVING {' OR '.join(f'sum({v}) <> 0' for v in values)}""")
    match = " AND ".join(f"t.{c} IS NOT DISTINCT FROM d.{c}" for c in keys)
    con.execute(f"UPDATE {table} t SET {', '.join(f'{v} = t.{v} + d.{v}' for v in values)} "
                f"FROM delta d WHERE {match}")
    con.execute(f"INSERT INTO {table} SELECT d.* FROM delta d "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {match})")
    emptied = " AND ".join(f"{table}.{c} IS NOT DISTINCT FROM d.{c}" for c in keys)
    con.execute(f"DELETE FROM {table} WHERE {lister} = 0 AND EXISTS "
                f"(SELECT 1 FROM delta d WHERE {emptied})")


def _drop_old_version(con) -> None:
    """Tables of the previous metric engine (year bit masks)."""
    for table in ("metric_years", "metric_programs", "metric_boroughs", "metric_cells"):
        con.execute(f"DROP TABLE IF EXISTS main.{table}")
