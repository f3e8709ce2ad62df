"""Metric engine benchmarks (docs/benchmarks.md, "Metric engine"): loads and metric latency.

    python -m bench.engine_bench nightly --warehouse PATH [--rows 1000]
    python -m bench.engine_bench pathological --participants 5000
    python -m bench.engine_bench full --files DIR          (full load vs bare read_csv)
    python -m bench.engine_bench latency --warehouse PATH [--samples 30]

Each load runs in a child process, so its peak RSS (ru_maxrss) is its own; the DuckDB memory
limit is OUTCOMES_MEMORY_LIMIT (default 2GB). `nightly` loads into a copy of the warehouse
(beside it), so the original is never changed; the copy is deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OUTCOMES_HMAC_KEY", "benchmark-key-not-a-secret-0123456789")
REPO = Path(__file__).resolve().parent.parent

_CHILD = """
import json, sys, time
from etl.load import load_files
t = time.perf_counter()
report = load_files(sys.argv[2:], sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - t}))
"""
_BARE = """
import json, sys, time, duckdb
t = time.perf_counter()
con = duckdb.connect(sys.argv[1])
for i, path in enumerate(sys.argv[2:]):
    con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv('{path}')")
con.close()
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def run_child(code: str, *args: str) -> tuple[float, float]:
    """(seconds measured inside, peak RSS in MB) of a child Python process (os.wait4 gives
    that child's own rusage)."""
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen([sys.executable, "-c", code, *map(str, args)], cwd=REPO,
                                stdout=out)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            raise RuntimeError(f"child failed ({proc.returncode})")
        out.seek(0)
        seconds = json.loads(out.read().strip().splitlines()[-1])["seconds"]
    return seconds, usage.ru_maxrss / 1024


def nightly_files(folder: Path, warehouse: Path, rows: int, seed: int = 1) -> list[Path]:
    """A nightly extract: `rows` rows over the four kinds, half of them for participants and
    ids already in the warehouse (updates: later exits, corrected amounts), half new."""
    import duckdb

    rng = random.Random(seed)
    con = duckdb.connect(str(warehouse), read_only=True)
    ids = [r[0] for r in con.execute(
        "SELECT enrollment_id FROM enrollments USING SAMPLE 200 ROWS").fetchall()]
    con.close()
    folder.mkdir(parents=True, exist_ok=True)
    per = rows // 4
    programs = ["PSP", "STEP", "JOBS_PLUS", "WORKFORCE1", "MEDIATION"]
    boroughs = ["Bronx", "Brooklyn", "Manhattan", "Queens", "Staten Island"]

    def day() -> str:
        return f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"

    files = {
        "enrollments": ("enrollment_id,participant_id,program,enrolled_on,exited_on,outcome,"
                        "borough,referral_id",
                        [f"{ids[i % len(ids)] if i % 2 else f'N{seed}E{i}'},NIGHT-{i},"
                         f"{rng.choice(programs)},2023-06-01,{day()},graduated,"
                         f"{rng.choice(boroughs)}," for i in range(per)]),
        "referrals": ("referral_id,participant_id,program,referred_on,source,borough",
                      [f"N{seed}R{i},NIGHT-{i},{rng.choice(programs)},{day()},self,"
                       f"{rng.choice(boroughs)}" for i in range(per)]),
        "placements": ("placement_id,participant_id,program,placed_on,sector,hourly_wage,"
                       "employer",
                       [f"N{seed}L{i},NIGHT-{i},STEP,{day()},retail,19.00,"
                        for i in range(per)]),
        "arrears_reductions": ("adjustment_id,participant_id,program,applied_on,amount,"
                               "dss_balance_before",
                               [f"N{seed}A{i},NIGHT-{i},ARREARS_CREDIT,{day()},"
                                f"{rng.choice([500, -500, 1200])}," for i in range(per)]),
    }
    out = []
    for kind, (header, lines) in files.items():
        path = folder / f"{kind}_nightly.csv"
        path.write_text("\n".join([header, *lines]) + "\n")
        out.append(path)
    return out


def pathological_files(folder: Path, participants: int) -> list[Path]:
    """Every participant enrolled in 8 programs across 3 boroughs, with arrears in 3 programs
    (one reversed): the shape that made the old engine's cells grow as 2^8 x 2^3."""
    folder.mkdir(parents=True, exist_ok=True)
    programs = ["PSP", "STEP", "JOBS_PLUS", "WORKFORCE1", "TXT2WORK", "MEDIATION",
                "ARREARS_CAP", "PAY_IT_OFF"]
    boroughs = ["Bronx", "Brooklyn", "Queens"]
    enr = ["enrollment_id,participant_id,program,enrolled_on,exited_on,outcome,borough,"
           "referral_id"]
    arr = ["adjustment_id,participant_id,program,applied_on,amount,dss_balance_before"]
    for p in range(participants):
        for i, program in enumerate(programs):
            year = 2015 + (p + i) % 8
            enr.append(f"E{p}_{i},P{p},{program},{year}-0{1 + i}-01,{year + 1}-0{1 + i}-15,"
                       f"graduated,{boroughs[(p + i) % 3]},")
        for i, (program, amount) in enumerate((("ARREARS_CAP", 900), ("PAY_IT_OFF", 400),
                                               ("ARREARS_CAP", -300))):
            arr.append(f"A{p}_{i},P{p},{program},{2016 + (p + i) % 6}-03-01,{amount},")
    paths = [folder / "enrollments_patho.csv", folder / "arrears_reductions_patho.csv"]
    paths[0].write_text("\n".join(enr) + "\n")
    paths[1].write_text("\n".join(arr) + "\n")
    return paths


def cmd_nightly(args) -> None:
    src = Path(args.warehouse).resolve()
    work = Path(tempfile.mkdtemp(prefix="nightly.", dir=src.parent))
    try:
        copy = work / "w.duckdb"
        shutil.copyfile(src, copy)
        for i in range(args.repeat):
            files = nightly_files(work / f"files{i}", copy, args.rows, seed=i + 1)
            seconds, rss = run_child(_CHILD, copy, *files)
            print(f"nightly {args.rows} rows into {src.name} "
                  f"({src.stat().st_size / 1e6:,.0f} MB): {seconds:.2f} s, peak RSS {rss:,.0f} MB")
    finally:
        shutil.rmtree(work)


def cmd_pathological(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = pathological_files(Path(tmp), args.participants)
        rows = sum(len(p.read_text().splitlines()) - 1 for p in files)
        seconds, rss = run_child(_CHILD, Path(tmp) / "w.duckdb", *files)
        print(f"pathological {args.participants:,} participants x 8 programs x 3 boroughs "
              f"({rows:,} rows) into an empty warehouse: {seconds:.2f} s, peak RSS {rss:,.0f} MB")


def cmd_full(args) -> None:
    files = sorted(str(p) for p in Path(args.files).glob("*.csv"))
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        bare, bare_rss = run_child(_BARE, Path(tmp) / "bare.duckdb", *files)
        (Path(tmp) / "bare.duckdb").unlink()
        load, load_rss = run_child(_CHILD, Path(tmp) / "w.duckdb", *files)
    print(f"bare read_csv: {bare:.1f} s (peak RSS {bare_rss:,.0f} MB); outcomes load: "
          f"{load:.1f} s (peak RSS {load_rss:,.0f} MB); ratio {load / bare:.2f}x")


def cmd_latency(args) -> None:
    """Cold metric calls (a fresh filter each time) per grain: default view, one program, one
    borough, one program family with the ALL row (the dashboard's family totals: the family
    cells), and several programs with the ALL row (the exact multi-selection path)."""
    from core.periods import GRAINS
    from core.vocabularies import BOROUGHS, FAMILIES, family_programs
    from warehouse.query import Filters, Warehouse

    wh = Warehouse(args.warehouse)
    first, last = wh.data_years()
    rng = random.Random(args.seed)
    wh.metrics()  # first-use costs
    print("| grain | selection | median (ms) | p95 (ms) |\n|---|---|---:|---:|")
    for grain in (None, *GRAINS):
        for selection in ("default", "one program", "one borough", "a family + ALL",
                          "several programs + ALL"):
            times = []
            for _ in range(args.samples):
                a = rng.randint(first, last)
                b = rng.randint(a, last)
                f = Filters(a, b)
                if grain in ("fiscal-year", "federal-fiscal-year"):
                    prefix = "FY" if grain == "fiscal-year" else "FFY"
                    f = Filters(from_period=f"{prefix}{a + 1}", to_period=f"{prefix}{b + 1}")
                programs = (rng.choice(["PSP", "STEP", "ARREARS_CAP"]),) \
                    if selection == "one program" else ()
                if selection.startswith("several"):
                    programs = tuple(rng.sample(["PSP", "STEP", "ARREARS_CAP", "PAY_IT_OFF",
                                                 "MEDIATION"], 3))
                if selection.startswith("a family"):
                    programs = family_programs(rng.choice(FAMILIES))
                boroughs = (rng.choice(BOROUGHS),) if selection == "one borough" else ()
                f = Filters(f.from_year, f.to_year, programs, boroughs, f.from_period,
                            f.to_period)
                wh._cache.clear()
                t = time.perf_counter()
                wh.metrics(f, by=grain, with_total=True)
                times.append((time.perf_counter() - t) * 1000)
            p95 = sorted(times)[round(0.95 * (len(times) - 1))]
            print(f"| {grain or 'window'} | {selection} | {statistics.median(times):.0f} "
                  f"| {p95:.0f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("nightly")
    p.add_argument("--warehouse", required=True)
    p.add_argument("--rows", type=int, default=1000)
    p.add_argument("--repeat", type=int, default=3)
    p.set_defaults(func=cmd_nightly)
    p = sub.add_parser("pathological")
    p.add_argument("--participants", type=int, default=5000)
    p.set_defaults(func=cmd_pathological)
    p = sub.add_parser("full")
    p.add_argument("--files", required=True, help="folder of contract CSVs (outcomes demo --out)")
    p.add_argument("--tmp", default=None, help="where to write the two warehouses")
    p.set_defaults(func=cmd_full)
    p = sub.add_parser("latency")
    p.add_argument("--warehouse", required=True)
    p.add_argument("--samples", type=int, default=30)
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(func=cmd_latency)
    args = parser.parse_args(argv)
    args.func(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
