"""Server-side latency of the dashboard's page callbacks, at demo scale (or on any warehouse).

    python -m bench.dashboard_latency [--warehouse PATH] [--samples 12] [--seed 1]

Without --warehouse, builds the scale-1 demo warehouse in a temporary folder (pass a scale-100
one, e.g. from `outcomes demo --scale 100 --warehouse /tmp/big.duckdb`, to see the worst case).
Each page's render callback is called as a plain function, the way Dash calls it: "cold" with a
different filter combination every call (so the query layer's cache does not answer), "warm"
with a combination it has just seen. Prints a markdown table (milliseconds).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OUTCOMES_HMAC_KEY", "benchmark-key")


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def searches(first: int, last: int, n: int, rng: random.Random) -> list[str]:
    """n distinct query strings: year windows, sometimes a borough or program filter."""
    from etl.contract import BOROUGHS, PROGRAM_CODES

    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        a = rng.randint(first, last)
        b = rng.randint(a, last)
        s = f"?from={a}&to={b}"
        r = rng.random()
        if r < 0.3:
            s += f"&borough={rng.choice(BOROUGHS).replace(' ', '+')}"
        elif r < 0.5:
            s += f"&program={rng.choice(PROGRAM_CODES)}"
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", help="warehouse file (default: build the scale-1 demo)")
    parser.add_argument("--samples", type=int, default=12, help="cold calls per page")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    tmp = None
    if args.warehouse:
        path = Path(args.warehouse).resolve()
    else:
        from etl.demo import build_demo

        tmp = tempfile.TemporaryDirectory()
        path = Path(tmp.name) / "demo.duckdb"
        t = time.perf_counter()
        build_demo(path)
        print(f"built the demo warehouse in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    os.environ["OUTCOMES_WAREHOUSE"] = str(path)

    from dashboard.common import get_warehouse
    from dashboard.pages import PAGE_MODULES

    wh = get_warehouse()
    first, last = wh.data_years()
    rng = random.Random(args.seed)
    rows = []
    for module in PAGE_MODULES:
        cold, warm = [], []
        for search in searches(first, last, args.samples, rng):
            t = time.perf_counter()
            module.render(search)
            cold.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            module.render(search)
            warm.append((time.perf_counter() - t) * 1000)
        rows.append((module.PAGE.path, statistics.median(cold), _p95(cold),
                     statistics.median(warm), _p95(warm)))

    size = path.stat().st_size / 1e6
    print(f"\nDashboard callback latency, {path.name} ({size:,.0f} MB), "
          f"{args.samples} filter combinations per page (ms)\n")
    print("| page | cold median | cold p95 | warm median | warm p95 |")
    print("|---|---:|---:|---:|---:|")
    for page, cm, cp, wm, wp in rows:
        print(f"| `{page}` | {cm:,.0f} | {cp:,.0f} | {wm:,.0f} | {wp:,.0f} |")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
