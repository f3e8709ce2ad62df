"""Server-side latency of the dashboard's page callbacks, at demo scale (or on any warehouse).

    python -m bench.dashboard_latency [--warehouse PATH] [--samples 12] [--seed 1]
        [--kinds default years fiscal-year program borough] [--pages overview impact]
        [--profile]

Without --warehouse, builds the scale-1 demo warehouse in a temporary folder (pass a scale-100
one, e.g. from `outcomes demo --scale 100 --warehouse /tmp/big.duckdb`, to see the worst case).

Each page's body callback is requested the way the browser requests it: an HTTP POST to
`/_dash-update-component` through the app's WSGI server (Flask's test client, in process, no
network), so a time covers Dash's dispatch, the callback (queries, figures, component tree)
and the JSON of the response. "Cold": a filter combination not asked for before, so the query
layer's cache cannot answer; "warm": the same combination again. --kinds measures kinds of
view apart (KINDS: the default view and year windows, fiscal-year windows, one program, one
borough). Prints a markdown table in milliseconds, and the response sizes.

--profile also times every query a cold request runs (each `Warehouse._execute` call: DuckDB's
planning and execution and the frame it returns) and prints, per page and kind of view, the
median number of queries, their summed time (threads may overlap them), the request's time
outside them (Dash, figures, components, JSON; under threads, an overlap makes it look smaller),
and the slowest query files with their median time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OUTCOMES_HMAC_KEY", "benchmark-key-not-a-secret-0123456789")


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# The kinds of view a user asks for, each measured on its own: the default view (no filter:
# every year) and its year windows, fiscal-year windows, one program, one borough.
KINDS = ("default", "years", "fiscal-year", "program", "borough")


def searches(first: int, last: int, n: int, rng: random.Random,
             kind: str = "mixed") -> list[str]:
    """n distinct query strings of a kind of view ("mixed": year windows, sometimes a borough
    or program filter, as before). "default" is the page with no filter, then year windows
    (no other filter)."""
    from core.vocabularies import BOROUGHS, PROGRAM_CODES

    seen: set[str] = set()
    out: list[str] = [""] if kind == "default" else []
    seen.update(out)
    while len(out) < n:
        a = rng.randint(first, last)
        b = rng.randint(a, last)
        if kind == "fiscal-year":
            # FY N runs from July of N - 1: the data's years hold FY first + 1 .. last.
            a, b = max(a, first + 1), max(b, first + 1)
            s = f"?period=fiscal-year&from=FY{a}&to=FY{b}"
        else:
            s = f"?from={a}&to={b}"
        r = rng.random()
        if kind == "borough" or (kind == "mixed" and r < 0.3):
            s += f"&borough={rng.choice(BOROUGHS).replace(' ', '+')}"
        elif kind == "program" or (kind == "mixed" and r < 0.5):
            s += f"&program={rng.choice(PROGRAM_CODES)}"
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def body_request(page_key: str, search: str) -> dict:
    """The JSON the browser posts when the URL's search changes on a page."""
    from dashboard import ids

    output = ids.page_body(page_key)
    return {
        "output": f"{output}.children",
        "outputs": {"id": output, "property": "children"},
        "inputs": [{"id": ids.URL, "property": "search", "value": search}],
        "changedPropIds": [f"{ids.URL}.search"],
        "state": [],
    }


def time_request(client, page_key: str, search: str) -> tuple[float, int]:
    """(milliseconds, response bytes) of one page-body callback request."""
    payload = json.dumps(body_request(page_key, search))
    t = time.perf_counter()
    response = client.post("/_dash-update-component", data=payload,
                           content_type="application/json",
                           headers={"X-CSRFToken": getattr(client, "csrf_token", "")})
    elapsed = (time.perf_counter() - t) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{page_key} {search}: HTTP {response.status_code}")
    return elapsed, len(response.data)


class QueryTimer:
    """Times each Warehouse._execute call (query file, ms) while installed; `take` returns and
    forgets those of the last request."""

    def __init__(self):
        import threading

        from warehouse.query import Warehouse

        self._lock = threading.Lock()
        self._calls: list[tuple[str, float]] = []
        self._names: dict[str, str] = {}
        original = Warehouse._execute
        timer = self

        def timed(wh, version, sql, params):
            t = time.perf_counter()
            try:
                return original(wh, version, sql, params)
            finally:
                ms = (time.perf_counter() - t) * 1000
                with timer._lock:
                    timer._calls.append((timer.name(sql), ms))

        Warehouse._execute = timed

    def name(self, sql: str) -> str:
        """The query file whose text ends the SQL (plain/, queries/, or the definition)."""
        if sql not in self._names:
            from warehouse.query import SQL_DIR, read_sql

            found = "?"
            for path in sorted(SQL_DIR.glob("*/*.sql")):
                if path.name.startswith("_"):
                    continue
                name = f"{path.parent.name}/{path.stem}"
                if sql.rstrip().endswith(read_sql(name).rstrip()):
                    found = name
                    break
            self._names[sql] = found
        return self._names[sql]

    def take(self) -> list[tuple[str, float]]:
        with self._lock:
            calls, self._calls = self._calls, []
        return calls


def profile_lines(page: str, kind: str, requests: list[tuple[float, list]]) -> list[str]:
    """One markdown row per (page, kind): queries per request, their time, the rest, and the
    slowest query files (median ms over the requests that ran them, and how many ran)."""
    counts = [len(calls) for _, calls in requests]
    sql = [sum(ms for _, ms in calls) for _, calls in requests]
    rest = [total - s for (total, _), s in zip(requests, sql, strict=True)]
    per_file: dict[str, list[float]] = {}
    for _, calls in requests:
        for name, ms in calls:
            per_file.setdefault(name, []).append(ms)
    top = sorted(per_file.items(), key=lambda kv: -sum(kv[1]))[:4]
    files = "; ".join(f"{n} {statistics.median(v):,.0f} ms x{len(v)}" for n, v in top)
    return [f"| `{page}` | {kind} | {statistics.median(counts):g} | "
            f"{statistics.median(sql):,.0f} | {statistics.median(rest):,.0f} | {files} |"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", help="warehouse file (default: build the scale-1 demo)")
    parser.add_argument("--samples", type=int, default=12, help="cold calls per page")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kinds", nargs="*", choices=("mixed", *KINDS),
                        help="kinds of view, each measured apart (default: mixed); "
                             f"all of them: --kinds {' '.join(KINDS)}")
    parser.add_argument("--pages", nargs="*", help="page keys (default: every page)")
    parser.add_argument("--profile", action="store_true",
                        help="also time every query of the cold requests (QueryTimer)")
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

    from dashboard.factory import create_app
    from dashboard.page_parts import get_warehouse
    from dashboard.pages import PAGE_MODULES

    # Sign-in off (in process, from loopback); the CSRF token the page's cookie carries is sent
    # back as the browser does (dashboard/auth.py).
    client = create_app(warm_exports=False, auth="none").server.test_client()
    client.get("/")
    client.csrf_token = client.get_cookie("_csrf_token").value
    timer = QueryTimer() if args.profile else None
    wh = get_warehouse()
    first, last = wh.data_years()
    rng = random.Random(args.seed)
    # One request first: Python's and DuckDB's first-use costs are not the page's.
    # (A quarter window: no kind of view asks for it, so every measured view stays cold.)
    time_request(client, PAGE_MODULES[0].PAGE.key, f"?period=quarter&from={last}-Q1&to={last}-Q1")
    pages = [m for m in PAGE_MODULES if not args.pages or m.PAGE.key in args.pages]
    kinds = args.kinds or ["mixed"]
    rows, profiles = [], []
    for module in pages:
        key = module.PAGE.key
        for kind in kinds:
            cold, warm, sizes, profiled = [], [], [], []
            # Each kind's searches are new to the cache (a page's searches are never repeated).
            for search in searches(first, last, args.samples, rng, kind):
                if timer:
                    timer.take()
                ms, size = time_request(client, key, search)
                cold.append(ms)
                if timer:
                    profiled.append((ms, timer.take()))
                sizes.append(size)
                warm.append(time_request(client, key, search)[0])
            rows.append((module.PAGE.path, kind, statistics.median(cold), _p95(cold),
                         statistics.median(warm), _p95(warm), statistics.median(sizes)))
            if timer:
                profiles += profile_lines(module.PAGE.path, kind, profiled)

    size = path.stat().st_size / 1e6
    print(f"\nDashboard page-body requests, {path.name} ({size:,.0f} MB), "
          f"{args.samples} filter combinations per page and kind of view (ms); "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print("| page | view | cold median | cold p95 | warm median | warm p95 | response (kB) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for page, kind, cm, cp, wm, wp, kb in rows:
        print(f"| `{page}` | {kind} | {cm:,.0f} | {cp:,.0f} | {wm:,.0f} | {wp:,.0f} "
              f"| {kb / 1000:,.0f} |")
    if profiles:
        print("\nCold requests, medians: queries per request, their summed time (ms), the "
              "rest of the request (ms), the slowest query files (median ms, times run)\n")
        print("| page | view | queries | SQL ms | rest ms | slowest |")
        print("|---|---|---:|---:|---:|---|")
        print("\n".join(profiles))
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
