"""The dashboard under load while loads run: failed requests (must be 0) and latency.

    python -m bench.during_load [--clients 20] [--loads 5] [--seconds 300] [--max-requests 20000]

Builds the scale-1 demo warehouse in a temporary folder (keeping its files), serves the real
Dash app over HTTP on loopback (werkzeug's threaded server, a thread per request), and starts
N client threads that post page-body requests (a random page and filter combination, as the
browser does when the URL changes) until the loads are done, the time bound or the request
bound is reached. Meanwhile the main thread loads the demo's files again and again through the
real ETL, each load swapping in a new warehouse file. Prints a markdown table: requests, errors
and latency while a load ran and while none did. Exits 1 if any request failed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("OUTCOMES_HMAC_KEY", "benchmark-key")


def _p95(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests: list[tuple[float, float, bool]] = []  # (start, end, ok)
        self.errors: Counter = Counter()

    def add(self, start: float, end: float, error: str | None) -> None:
        with self.lock:
            self.requests.append((start, end, error is None))
            if error is not None:
                self.errors[error[:120]] += 1


def client(port: int, pages: list[str], years: tuple[int, int], stop: threading.Event,
           results: Results, budget: list[int], seed: int) -> None:
    from bench.dashboard_latency import body_request, searches

    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    pool = searches(years[0], years[1], 60, rng)
    while not stop.is_set():
        with results.lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        payload = json.dumps(body_request(rng.choice(pages), rng.choice(pool)))
        start = time.perf_counter()
        error = None
        try:
            conn.request("POST", "/_dash-update-component", body=payload,
                         headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                error = f"HTTP {response.status}: {body[:80]!r}"
        except (OSError, http.client.HTTPException) as e:
            error = f"{type(e).__name__}: {e}"
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        results.add(start, time.perf_counter(), error)
    conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent client threads")
    parser.add_argument("--loads", type=int, default=5, help="loads to run, one after another")
    parser.add_argument("--seconds", type=float, default=300, help="time bound for the clients")
    parser.add_argument("--max-requests", type=int, default=20000, help="request bound")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:  # one line per request is noise
            pass

    from etl.demo import build_demo
    from etl.load import load_files

    tmp = tempfile.TemporaryDirectory()
    path = Path(tmp.name) / "demo.duckdb"
    files = Path(tmp.name) / "files"
    build_demo(path, files)
    again = sorted(p for p in files.iterdir() if p.suffix == ".csv"
                   and "quality" not in p.name)
    os.environ["OUTCOMES_WAREHOUSE"] = str(path)

    from dashboard.factory import create_app
    from dashboard.page_parts import get_warehouse
    from dashboard.pages import PAGE_MODULES

    server = make_server("127.0.0.1", 0, create_app(warm_exports=False).server, threaded=True,
                         request_handler=QuietHandler)
    port = server.server_port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    years = get_warehouse().data_years()
    pages = [m.PAGE.key for m in PAGE_MODULES]

    results, stop, budget = Results(), threading.Event(), [args.max_requests]
    clients = [threading.Thread(target=client, args=(port, pages, years, stop, results, budget,
                                                     args.seed + i))
               for i in range(args.clients)]
    t0 = time.perf_counter()
    for c in clients:
        c.start()
    time.sleep(2)  # the clients are up before the first load
    loads: list[tuple[float, float]] = []
    for _ in range(args.loads):
        if time.perf_counter() - t0 > args.seconds:
            break
        start = time.perf_counter()
        load_files(again, path)
        loads.append((start, time.perf_counter()))
    time.sleep(2)
    stop.set()
    for c in clients:
        c.join(timeout=180)
    server.shutdown()

    def during(start: float, end: float) -> bool:
        return any(start < b and end > a for a, b in loads)

    busy = [(e - s) * 1000 for s, e, ok in results.requests if ok and during(s, e)]
    calm = [(e - s) * 1000 for s, e, ok in results.requests if ok and not during(s, e)]
    failed = sum(1 for *_, ok in results.requests if not ok)
    load_s = statistics.median([b - a for a, b in loads]) if loads else float("nan")
    print(f"\nDashboard during loads: {args.clients} clients over HTTP (loopback), "
          f"{len(loads)} loads of {len(again)} demo files (median {load_s:.1f} s each), "
          f"{len(results.requests):,} requests in {time.perf_counter() - t0:.0f} s\n")
    print("| requests | failed | while loading | p50 loading (ms) | p95 loading (ms) "
          "| p50 idle (ms) | p95 idle (ms) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {len(results.requests):,} | {failed} | {len(busy):,} | "
          f"{statistics.median(busy) if busy else float('nan'):,.0f} | {_p95(busy):,.0f} | "
          f"{statistics.median(calm) if calm else float('nan'):,.0f} | {_p95(calm):,.0f} |")
    for message, n in results.errors.most_common(5):
        print(f"- {n} x {message}")
    tmp.cleanup()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
