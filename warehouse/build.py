"""Building the warehouse's models: the tables derived from the facts (warehouse/sql/models/).

This module is the one place that builds them, in the order MODELS declares (each model after
the ones it reads; file names do not matter). A load (etl/load.py) calls, inside its
transaction:

    touched = capture_touched(con)   # after staging its files, before merging them
    build_models(con, touched)       # after the merge

`capture_touched` numbers the staged participants (`assign_pids`: the participant key -> pid
map, table metric_participants, kept by the load; every fact row carries its participant's
pid, an internal surrogate of the HMAC key, never a raw id), notes the participants whose facts
the load may change (every participant of a valid staged row, and the owner of every stored row
a staged id names) and, while the facts are still the old ones, their contributions to the
additive model tables. `build_models` then
rebuilds only what they touched: their rows of the per-participant tables are replaced and
(new - old) is added to the additive tables. Every model is a function of each participant's
own records (referral_cohorts: of the referrals in scope), so this equals a full build
(tests/test_metrics_properties.py checks it on generated loads). Without a usable
previous build (new warehouse, models of another MODEL_VERSION, or a load touching a large
share of the participants) it builds everything from all the facts.

A model file reads its scope (views or temp tables m_*: all the facts, or the touched
participants' rows, selected by their integer pid: a semi-join on a 4-byte column instead of a
scan of 64-character keys) and writes temp tables c_*; this module stores them. referral_cohorts is
additive too: its scope is the referrals whose stages the load may change (the touched
participants', and those their enrollments name).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parent / "sql" / "models"

# The models in build order: each reads the facts in scope and the models before it
# (participant_boroughs first: the others read it).
MODELS = ("participant_boroughs", "program_metrics_model", "enrollment_cohorts",
          "referral_cohorts", "placements_families_forward", "impact_members")

# Per-participant tables: (the model's temp table, the key) -- a touched participant's rows are
# replaced. Keyed by the participant's number (metric_participants.pid) where they can be:
# 4 bytes instead of a 64-character key per row, so the file is smaller (a load copies it) and
# a load's deletes compare integers. participant_boroughs keeps the key as well (the read side
# joins the facts to it by key); ff_placements is small.
PARTICIPANT_TABLES = {
    "participant_boroughs": ("c_participant_boroughs", "pid"),
    "metric_mixed_spans": ("c_mixed_spans", "pid"),
    "metric_mixed_arrears": ("c_mixed_arrears", "pid"),
    "metric_reversals": ("c_reversals", "pid"),
    "ff_placements": ("c_ff_placements", "participant_key"),
}
# Additive tables: (key columns, value columns, the column that lists a row while non-zero).
ADDITIVE_TABLES = {
    "metric_additive": (("program", "borough", "month"),
                        ("records", "new_enrollments", "referrals", "placements", "arrears_usd"),
                        "records"),
    "metric_cells": (("metric", "program", "borough", "lo", "hi"), ("n",), "n"),
    "metric_simple_cells": (("metric", "program", "borough", "lo", "hi"), ("n",), "n"),
    "enrollment_cohorts": (("program", "borough", "month"),
                           ("enrolled", "graduated_1y", "graduated_2y", "graduated",
                            "still_active"), "enrolled"),
    "referral_cohorts": (("program", "borough", "year", "source"),
                         ("referred", "enrolled", "graduated", "placed"), "referred"),
    "impact_member_cells": (("program", "grp", "borough", "entry_month", "prev_month",
                             "before_rel", "pay_before_rel", "after_rel", "pay_after_rel"),
                            ("n",), "n"),
    "impact_month_cells": (("program", "grp", "borough", "entry_month", "prev_month", "rel"),
                           ("parents", "due", "paid"), "parents"),
}
# Sort orders of the full build (zone maps keep queries on one group cheap).
ORDER = {
    "metric_additive": "program, borough, month",
    "metric_cells": "metric, program, borough, lo, hi",
    "metric_simple_cells": "metric, program, borough, lo, hi",
    "ff_placements": "placed_on",
    "enrollment_cohorts": "program, borough, month",
    "impact_member_cells": "entry_month, program, grp",
    "impact_month_cells": "entry_month, program, grp, rel",
}
SOURCES = {"m_enrollments": "enrollments", "m_referrals": "referrals",
           "m_placements": "placements", "m_arrears": "arrears_reductions",
           "m_support_months": "support_months"}
KIND_IDS = {"enrollments": "enrollment_id", "referrals": "referral_id",
            "placements": "placement_id", "arrears_reductions": "adjustment_id",
            "support_months": "support_month_id"}
# Above this share of the participants, a full build is cheaper than an incremental one.
INCREMENTAL_MAX_SHARE = 0.2
# NCPs with a reversal in at most this many distinct months are 'reduced' cells (up to
# k(k+1)/2 pairs of months each); the rest are summed at query time (metric_reversals).
REVERSAL_CELL_MONTHS = 24
# The impact cells keep each entry's support months up to this many months from it
# (models/impact_members.sql); the query layer reads the cells for N up to it (meta
# impact_cell_months), the definition beyond. Changing it needs a new MODEL_VERSION.
IMPACT_CELL_MONTHS = 24
# The models' version, kept in meta: a load into models of another version builds them in full.
MODEL_VERSION = "7"  # 7: metric_cells of each program family (program 'family:<family>')


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
    """m_* over the facts: views of all of them, or temp tables of the touched participants'
    rows (one scan of each fact table's integer pid column, so the model SQL's joins stay
    small)."""
    _drop_temp(con, *SOURCES)
    for view, table in SOURCES.items():
        if touched_only:
            con.execute(f"CREATE TEMP TABLE {view} AS SELECT * FROM {table} WHERE "
                        "pid IN (SELECT pid FROM build_touched)")
        else:
            con.execute(f"CREATE TEMP VIEW {view} AS SELECT * FROM {table}")


def _scope_boroughs(con, touched_only: bool) -> None:
    """m_boroughs: participant_boroughs (as it is now) of the participants in scope."""
    _drop_temp(con, "m_boroughs")
    if touched_only:
        con.execute("CREATE TEMP TABLE m_boroughs AS SELECT * FROM participant_boroughs WHERE "
                    "pid IN (SELECT pid FROM build_touched)")
    else:
        con.execute("CREATE TEMP VIEW m_boroughs AS SELECT * FROM participant_boroughs")


def _temp_objects(con) -> dict[str, str]:
    """The connection's temp tables and views: name -> 'TABLE' or 'VIEW'. One catalog query
    (each costs about a millisecond however small the warehouse: a load asks once per step,
    not once per name)."""
    return {name: kind for name, kind in con.execute(
        "SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE temporary "
        "UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() WHERE temporary AND NOT internal"
    ).fetchall()}


def drop_temp_objects(con) -> None:
    """Drop every temp table and view of the connection (a load's, before its commit)."""
    for name, kind in _temp_objects(con).items():
        con.execute(f'DROP {kind} temp.main."{name}"')


def _drop_temp(con, *names: str) -> None:
    """Drop the temp tables or views of these names that exist."""
    existing = _temp_objects(con)
    for name in names:
        if name in existing:
            con.execute(f"DROP {existing[name]} {name}")


def _contributions(con, touched_only: bool, additive_only: bool = False) -> None:
    """Run the models after participant_boroughs, in MODELS order, on the participants in
    scope (participant_boroughs must be current): their c_* tables.
    additive_only: only the models with additive tables (a load's old contributions)."""
    _scope_boroughs(con, touched_only)
    con.execute(f"SET VARIABLE reversal_cell_months = {int(REVERSAL_CELL_MONTHS)}")
    con.execute(f"SET VARIABLE impact_cell_months = {int(IMPACT_CELL_MONTHS)}")
    for name in MODELS[1:]:
        if name == "referral_cohorts":
            _cohorts(con, touched_only)
        elif not (additive_only and name == "placements_families_forward"):
            con.execute(_sql(name))


def capture_touched(con, record_pids: bool = True) -> Touched:
    """Before the merge: number the staged participants (assign_pids), note the participants
    the staged rows may change (build_touched: pid, participant_key) and their old additive
    contributions (tables old_*).

    It also leaves, per staged kind, stored_<kind>: the stored rows whose ids the staged rows
    name, with their rowid (the load's merge compares and replaces these instead of scanning
    the fact table by id again).

    record_pids=False only reads (a load reading the live file read-only while its copy is
    made, etl/load.py): the caller then writes the new numbers with record_new_pids on the
    copy."""
    temp = _temp_objects(con)
    staged = [k for k in KIND_IDS if temp.get(f"all_{k}") == "TABLE"]
    assign_pids(con, staged, record=record_pids)
    parts = ["SELECT participant_key, pid FROM load_pids"]
    for kind in staged:
        con.execute(f"CREATE OR REPLACE TEMP TABLE stored_{kind} AS SELECT t.rowid AS row_id, t.* "
                    f"FROM {kind} t SEMI JOIN all_{kind} a ON t.{KIND_IDS[kind]} = a.record_id")
        parts.append(f"SELECT participant_key, pid FROM stored_{kind}")
    con.execute("CREATE OR REPLACE TEMP TABLE build_touched AS SELECT DISTINCT participant_key, "
                f"pid FROM ({' UNION ALL '.join(parts)})")
    n = con.execute("SELECT count(*) FROM build_touched").fetchone()[0]
    needed = set(PARTICIPANT_TABLES) | set(ADDITIVE_TABLES) | {"metric_participants"}
    incremental = needed <= _tables(con) and _model_version_ok(con)
    if incremental:
        total = con.execute("SELECT count(*) FROM participant_boroughs").fetchone()[0]
        incremental = n <= max(1000, INCREMENTAL_MAX_SHARE * total)
    if incremental:
        _scope(con, touched_only=True)
        _note_cohort_referrals(con, staged)
        _contributions(con, touched_only=True, additive_only=True)
        for table in ADDITIVE_TABLES:
            con.execute(f"CREATE OR REPLACE TEMP TABLE old_{table} AS "
                        f"SELECT * FROM {_contribution_of(table)}")
    return Touched(n, incremental)


def assign_pids(con, staged: list[str], record: bool = True) -> None:
    """The participant key -> pid map (metric_participants), kept by the load: temp table
    load_pids holds the number of every participant of a valid staged row, new participants
    getting the next numbers (a number is never reused). A warehouse whose facts carry no pid
    yet (written before model version 6) is numbered first (_number_facts)."""
    _number_facts(con)
    keys = " UNION ALL ".join(f"SELECT participant_key FROM all_{k} WHERE len(reasons) = 0"
                              for k in staged) or "SELECT NULL::VARCHAR AS participant_key"
    # One scan of the map's keys: the known participants' numbers; the new ones numbered in
    # the order of their keys after the largest number, in the same statement.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE load_pids AS
        SELECT participant_key, coalesce(pid, (
            (SELECT coalesce(max(pid), 0) FROM metric_participants)
            + row_number() OVER (PARTITION BY pid IS NULL ORDER BY participant_key))::INTEGER
        ) AS pid
        FROM (SELECT s.participant_key, m.pid
              FROM (SELECT DISTINCT participant_key FROM ({keys})
                    WHERE participant_key IS NOT NULL) s
              LEFT JOIN metric_participants m USING (participant_key))""")
    if record:
        record_new_pids(con)


def record_new_pids(con) -> None:
    """Add load_pids' new participants (numbers above the map's largest) to the map."""
    con.execute("""INSERT INTO metric_participants SELECT participant_key, pid FROM load_pids
        WHERE pid > (SELECT coalesce(max(pid), 0) FROM metric_participants)""")


def _number_facts(con) -> None:
    """A warehouse written before the facts carried pid: add the column, number every
    participant of the facts (the map's old numbers are dropped: the models of the older
    version are rebuilt in full anyway) and write each row's number. Once per warehouse."""
    numbered = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_columns() WHERE schema_name = 'main' "
        "AND column_name = 'pid' AND list_contains(?, table_name)", [list(KIND_IDS)]).fetchall()}
    missing = [t for t in KIND_IDS if t not in numbered]
    if not missing:
        return
    for table in missing:
        con.execute(f"ALTER TABLE {table} ADD COLUMN pid INTEGER")
    keys = " UNION ".join(f"SELECT participant_key FROM {t}" for t in KIND_IDS)
    con.execute("DELETE FROM metric_participants")
    con.execute(f"""INSERT INTO metric_participants
        SELECT participant_key, row_number() OVER (ORDER BY participant_key)::INTEGER
        FROM ({keys})""")
    for table in KIND_IDS:
        con.execute(f"UPDATE {table} t SET pid = m.pid FROM metric_participants m "
                    "WHERE m.participant_key = t.participant_key")


def _note_cohort_referrals(con, staged: list[str]) -> None:
    """The referrals whose funnel stages the load may change (models/referral_cohorts.sql): the
    touched participants' (stored or staged), and those their enrollments name (stored or
    staged)."""
    parts = ["SELECT referral_id FROM m_referrals",
             "SELECT referral_id FROM m_enrollments WHERE referral_id IS NOT NULL"]
    if "referrals" in staged:
        parts.append("SELECT record_id FROM all_referrals")
    if "enrollments" in staged:
        parts.append("SELECT referral_id FROM all_enrollments WHERE referral_id IS NOT NULL")
    con.execute("CREATE OR REPLACE TEMP TABLE build_cohort_referrals AS "
                f"SELECT DISTINCT referral_id FROM ({' UNION ALL '.join(parts)})")
    # The participants of the enrollments that name one of them, before the merge (the one
    # scan of enrollments by referral_id) or after it (a staged enrollment's): any enrollment
    # naming one after the merge is either unchanged or staged, so _cohorts finds them all by
    # these numbers, before and after the merge.
    naming = ["SELECT pid FROM enrollments WHERE referral_id IN "
              "(SELECT referral_id FROM build_cohort_referrals)"]
    if "enrollments" in staged:
        naming.append("SELECT p.pid FROM all_enrollments a JOIN load_pids p "
                      "USING (participant_key) WHERE a.referral_id IN "
                      "(SELECT referral_id FROM build_cohort_referrals)")
    con.execute("CREATE OR REPLACE TEMP TABLE build_naming_pids AS "
                f"SELECT DISTINCT pid FROM ({' UNION ALL '.join(naming)})")


def _cohorts(con, touched_only: bool) -> None:
    """c_referral_cohorts of the referrals in scope (all, or build_cohort_referrals)."""
    sources = {
        "m_cohort_referrals": ("referrals", None),
        # Two steps (the numbers first, an integer semi-join; then the few rows' ids):
        # one filter with OR would read every enrollment's referral_id.
        "m_cohort_enrollments": ("build_naming_enrollments",
                                 "pid IN (SELECT pid FROM m_cohort_referrals) OR referral_id "
                                 "IN (SELECT referral_id FROM build_cohort_referrals)"),
        "m_cohort_placements": ("placements", "pid IN (SELECT pid FROM m_cohort_referrals)"),
        "m_cohort_boroughs": ("participant_boroughs",
                              "pid IN (SELECT pid FROM m_cohort_referrals)"),
    }
    _drop_temp(con, *sources)
    for name, (table, where) in sources.items():
        if touched_only and name == "m_cohort_enrollments":
            con.execute("""CREATE OR REPLACE TEMP TABLE build_naming_enrollments AS
                SELECT * FROM enrollments WHERE pid IN
                    (SELECT pid FROM build_naming_pids UNION SELECT pid FROM m_cohort_referrals)""")
        if not touched_only:
            table = "enrollments" if name == "m_cohort_enrollments" else table
            con.execute(f"CREATE TEMP VIEW {name} AS SELECT * FROM {table}")
        elif where:
            con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {table} WHERE {where}")
        else:
            _cohort_referrals(con)
    con.execute(_sql("referral_cohorts"))


def _cohort_referrals(con) -> None:
    """m_cohort_referrals: the referrals of build_cohort_referrals. Those of the touched
    participants are m_referrals already (every one of them is in the set); the referral
    table is scanned by id only for the others the enrollments name, if any."""
    con.execute("CREATE TEMP TABLE m_cohort_referrals AS SELECT * FROM m_referrals")
    con.execute("""CREATE OR REPLACE TEMP TABLE build_other_referrals AS
        SELECT referral_id FROM build_cohort_referrals
        EXCEPT SELECT referral_id FROM m_referrals""")
    if con.execute("SELECT count(*) FROM build_other_referrals").fetchone()[0]:
        con.execute("INSERT INTO m_cohort_referrals SELECT * FROM referrals WHERE referral_id "
                    "IN (SELECT referral_id FROM build_other_referrals)")


def _contribution_of(table: str) -> str:
    return {"metric_additive": "c_additive", "metric_cells": "c_cells",
            "metric_simple_cells": "c_simple_cells",
            "enrollment_cohorts": "c_enrollment_cohorts",
            "referral_cohorts": "c_referral_cohorts",
            "impact_member_cells": "c_impact_member_cells",
            "impact_month_cells": "c_impact_month_cells"}[table]


def _model_version_ok(con) -> bool:
    """Whether the stored models are this version's (meta model_version)."""
    row = con.execute("SELECT value FROM meta WHERE key = 'model_version'").fetchone()
    return row is not None and row[0] == MODEL_VERSION


def build_models(con, touched: Touched | None = None) -> str:
    """Build every model after the merge; returns 'incremental' or 'full'."""
    if touched is not None and touched.incremental:
        _incremental(con)
        mode = "incremental"
    else:
        _full(con)
        mode = "full"
    con.execute("INSERT OR REPLACE INTO meta VALUES ('model_version', ?)", [MODEL_VERSION])
    con.execute("INSERT OR REPLACE INTO meta VALUES ('impact_cell_months', ?)",
                [str(IMPACT_CELL_MONTHS)])
    return mode


def _stored(table: str) -> str:
    """What a per-participant table stores: its model's temp table as it is."""
    return f"SELECT * FROM {PARTICIPANT_TABLES[table][0]}"


def _full(con) -> None:
    _drop_old_version(con)
    _scope(con, touched_only=False)
    con.execute(_sql("participant_boroughs"))
    con.execute("CREATE OR REPLACE TABLE participant_boroughs AS "
                "SELECT * FROM c_participant_boroughs")
    _contributions(con, touched_only=False)
    for table in PARTICIPANT_TABLES:
        if table != "participant_boroughs":
            order = f" ORDER BY {ORDER[table]}" if table in ORDER else ""
            con.execute(f"CREATE OR REPLACE TABLE {table} AS {_stored(table)}{order}")
    for table in ADDITIVE_TABLES:
        order = f" ORDER BY {ORDER[table]}" if table in ORDER else ""
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM "
                    f"{_contribution_of(table)}{order}")


def _incremental(con) -> None:
    _scope(con, touched_only=True)
    con.execute(_sql("participant_boroughs"))
    _replace_rows(con, "participant_boroughs")
    _contributions(con, touched_only=True)
    for table in PARTICIPANT_TABLES:
        if table != "participant_boroughs":
            _replace_rows(con, table)
    for table, (keys, values, lister) in ADDITIVE_TABLES.items():
        _add_delta(con, table, _contribution_of(table), f"old_{table}", keys, values, lister)


def _replace_rows(con, table: str) -> None:
    """The touched participants' rows of a per-participant table: deleted, then inserted anew."""
    key = PARTICIPANT_TABLES[table][1]
    con.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM build_touched)")
    con.execute(f"INSERT INTO {table} {_stored(table)}")


def _add_delta(con, table, new, old, keys, values, lister) -> None:
    """table += new - old, on the key columns; rows whose `lister` drops to 0 go."""
    k = ", ".join(keys)
    sums = ", ".join(f"sum({v}) AS {v}" for v in values)
    negated = ", ".join(f"-{v}" for v in values)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE delta AS
        SELECT {k}, {sums} FROM (SELECT {k}, {', '.join(values)} FROM {new}
                                 UNION ALL SELECT {k}, {negated} FROM {old})
        GROUP BY ALL HAVING {' OR '.join(f'sum({v}) <> 0' for v in values)}""")
    if not con.execute("SELECT count(*) FROM delta").fetchone()[0]:
        return  # the load changes nothing here (often: a small load touches a few models)
    match = " AND ".join(f"t.{c} IS NOT DISTINCT FROM d.{c}" for c in keys)
    con.execute(f"UPDATE {table} t SET {', '.join(f'{v} = t.{v} + d.{v}' for v in values)} "
                f"FROM delta d WHERE {match}")
    con.execute(f"INSERT INTO {table} SELECT d.* FROM delta d "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {match})")
    emptied = " AND ".join(f"{table}.{c} IS NOT DISTINCT FROM d.{c}" for c in keys)
    con.execute(f"DELETE FROM {table} WHERE {lister} = 0 AND EXISTS "
                f"(SELECT 1 FROM delta d WHERE {emptied})")


def _drop_old_version(con) -> None:
    """Tables of earlier model versions (year bit masks; metric_spans and metric_arrears)."""
    for table in ("metric_years", "metric_programs", "metric_boroughs", "metric_cells",
                  "metric_spans", "metric_arrears"):
        con.execute(f"DROP TABLE IF EXISTS main.{table}")
