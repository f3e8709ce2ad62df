"""Time `outcomes load` against a bare DuckDB read_csv of the same file, in the same run.

    python -m bench.load_bench [--rows 1000000] [--repeat 3]

Writes an N-row enrollments file (generated inside DuckDB: no Python row loop), then times
(a) DuckDB reading it into a table with read_csv and (b) the full load (validation,
normalization, pseudonymization, upsert, audit, atomic swap) into a fresh warehouse.
Prints a markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

os.environ.setdefault("OUTCOMES_HMAC_KEY", "benchmark-key-not-a-secret-0123456789")

from etl.load import load_files  # noqa: E402


def write_enrollments(path: Path, rows: int) -> None:
    """A contract file with realistic variety: mixed program spellings, both date formats."""
    duckdb.sql(f"""
    COPY (
      SELECT 'E' || lpad(i::VARCHAR, 9, '0') AS enrollment_id,
             'NCP-' || lpad((i % {max(rows // 3, 1)})::VARCHAR, 8, '0') AS participant_id,
             ['PSP', 'Parent Support Program', 'STEP', 'jobs-plus', 'Workforce1', 'TXT-2-Work',
              'MEDIATION'][1 + i % 7] AS program,
             CASE WHEN i % 5 = 0 THEN strftime(DATE '2010-01-01' + (i % 5000)::INTEGER,
                                               '%m/%d/%Y')
                  ELSE strftime(DATE '2010-01-01' + (i % 5000)::INTEGER, '%Y-%m-%d') END
                 AS enrolled_on,
             CASE WHEN i % 3 = 0 THEN strftime(DATE '2010-06-01' + (i % 5000)::INTEGER,
                                               '%Y-%m-%d') END AS exited_on,
             CASE WHEN i % 3 = 0 THEN (CASE WHEN i % 4 = 0 THEN 'graduated' ELSE 'exited' END)
                  END AS outcome,
             ['Bronx', 'Kings', 'Manhattan', 'queens', 'Staten Island'][1 + i % 5] AS borough,
             NULL AS referral_id
      FROM range({rows}) t(i)
    ) TO '{path}' (HEADER, DELIMITER ',')
    """)


def bare_read(path: Path, db: Path) -> None:
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}', header = true)")
    con.close()


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        csv = d / "enrollments_bench.csv"
        write_enrollments(csv, args.rows)
        counter = iter(range(10**6))

        def fresh(name: str) -> Path:
            p = d / f"{name}{next(counter)}.duckdb"
            return p

        bare = timed(lambda: bare_read(csv, fresh("bare")), args.repeat)
        load = timed(lambda: load_files([csv], fresh("load")), args.repeat)
    b, lo = statistics.median(bare), statistics.median(load)
    print("| rows | bare read_csv (s) | outcomes load (s) | ratio | load rows/s |")
    print("|---:|---:|---:|---:|---:|")
    print(f"| {args.rows:,} | {b:.2f} | {lo:.2f} | {lo / b:.2f}x | {args.rows / lo:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
