"""Many signed-in people at once, against the production server that `make run` starts.

    python -m bench.serve_bench [--clients 50] [--seconds 60] [--port 8066] [--scenario both]
                                [--warehouse PATH] [--workers N] [--threads N]

Builds the scale-1 demo warehouse (keeping its contract files) in a temporary folder, unless
--warehouse names one (it is copied: loads go into the copy), makes a user store with one
analyst, and starts the server exactly as `make run` does (`outcomes serve`: gunicorn on
127.0.0.1, sign-in on). Then `--clients` threads each sign in through /login and, until
`--seconds` have passed, ask for page bodies the way the browser does (a POST to
/_dash-update-component with the CSRF header) for a random page with random filters (years,
programs, boroughs, suppression). Scenario `quiet`: nothing else runs; `load`: `outcomes load`
of the demo files runs again and again meanwhile (each load swaps the warehouse file under the
server); `both` (default): one after the other.

Prints, per scenario: errors (any status but 200, or a refused sign-in; must be 0), page-body
p50/p95 per page in ms, and renders per second. The clients run on the same machine as the
server and take CPU from it. Bounded: at most 200 clients and 600 seconds per scenario.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

os.environ.setdefault("OUTCOMES_HMAC_KEY", "benchmark-key")
PASSWORD = "benchmark password"
BIN = Path(sys.executable).parent


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def random_search(rng: random.Random, first: int, last: int) -> str:
    from core.vocabularies import BOROUGHS, PROGRAM_CODES

    a = rng.randint(first, last)
    b = rng.randint(a, last)
    parts = [f"from={a}", f"to={b}"]
    parts += [f"program={p}" for p in rng.sample(PROGRAM_CODES, rng.choice((0, 0, 1, 2, 3)))]
    parts += [f"borough={x.replace(' ', '+')}" for x in rng.sample(BOROUGHS,
                                                                   rng.choice((0, 0, 1, 2)))]
    if rng.random() < 0.3:
        parts.append("suppress=1")
    return "?" + "&".join(parts)


def body_request(page_key: str, search: str) -> str:
    from dashboard import ids

    output = ids.page_body(page_key)
    return json.dumps({
        "output": f"{output}.children",
        "outputs": {"id": output, "property": "children"},
        "inputs": [{"id": ids.URL, "property": "search", "value": search}],
        "changedPropIds": [f"{ids.URL}.search"],
        "state": [],
    })


SIGN_IN_TIMEOUT = 300  # Argon2 is slow on purpose: 50 sign-ins at once queue for the CPU


class Client(threading.Thread):
    """Signs in, waits at the barrier until every client has, then renders pages until the
    shared deadline."""

    def __init__(self, base: str, seed: int, shared: dict, years: tuple[int, int],
                 pages: list[str], results: list, errors: list):
        super().__init__(daemon=True)
        self.base, self.rng, self.shared = base, random.Random(seed), shared
        self.years, self.pages, self.results, self.errors = years, pages, results, errors

    def sign_in(self, s: requests.Session) -> str:
        t = time.perf_counter()
        page = s.get(self.base + "/login", timeout=SIGN_IN_TIMEOUT).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = s.post(self.base + "/login", data={"csrf_token": token, "username": "bench",
                                               "password": PASSWORD},
                   timeout=SIGN_IN_TIMEOUT, allow_redirects=False)
        if r.status_code != 302:
            raise RuntimeError(f"sign-in answered {r.status_code}")
        s.get(self.base + "/", timeout=SIGN_IN_TIMEOUT)  # the page: sets the _csrf_token cookie
        self.shared["sign_ins"].append((time.perf_counter() - t) * 1000)
        return s.cookies.get("_csrf_token")

    def run(self) -> None:
        s = requests.Session()
        token = None
        try:
            token = self.sign_in(s)
        except Exception as e:  # noqa: BLE001 - every failure is an error to report
            self.errors.append(f"sign-in: {e}")
        self.shared["barrier"].wait()
        if token is None:
            return
        headers = {"Content-Type": "application/json", "X-CSRFToken": token}
        while time.time() < self.shared["deadline"]:
            page = self.rng.choice(self.pages)
            body = body_request(page, random_search(self.rng, *self.years))
            t = time.perf_counter()
            try:
                r = s.post(self.base + "/_dash-update-component", data=body, headers=headers,
                           timeout=120)
                ok = r.status_code == 200
                status = r.status_code
            except requests.RequestException as e:
                ok, status = False, type(e).__name__
            ms = (time.perf_counter() - t) * 1000
            if ok:
                self.results.append((page, ms))
            else:
                self.errors.append(f"{page}: {status}")


def port_in_use(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_server(port: int, env: dict) -> subprocess.Popen:
    if port_in_use(port):
        raise SystemExit(f"port {port} is in use: pass --port")
    proc = subprocess.Popen([str(BIN / "outcomes"), "serve", "--host", "127.0.0.1", "--port",
                             str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("the server did not start")


def keep_loading(files: list[Path], env: dict, stop: threading.Event, done: list) -> None:
    while not stop.is_set():
        r = subprocess.run([str(BIN / "outcomes"), "load", *map(str, files)], env=env,
                           capture_output=True, text=True)
        done.append(r.returncode)


def scenario(name: str, args, env: dict, years, pages, files) -> dict:
    results: list = []
    errors: list = []
    shared: dict = {"deadline": 0.0, "sign_ins": []}

    def start_clock():  # run once all have arrived, before any is released
        shared["t0"] = time.time()
        shared["deadline"] = shared["t0"] + args.seconds

    shared["barrier"] = threading.Barrier(args.clients + 1, action=start_clock)
    clients = [Client(f"http://127.0.0.1:{args.port}", i, shared, years, pages, results,
                      errors) for i in range(args.clients)]
    stop, loads = threading.Event(), []
    loader = None
    if name == "load":
        loader = threading.Thread(target=keep_loading, args=(files, env, stop, loads),
                                  daemon=True)
        loader.start()
    for c in clients:
        c.start()
    shared["barrier"].wait(SIGN_IN_TIMEOUT * 3)  # every client has signed in (or failed to)
    for c in clients:
        c.join(args.seconds + 180)
    elapsed = time.time() - shared["t0"]
    stop.set()
    if loader is not None:
        loader.join(600)
    return {"name": name, "results": results, "errors": errors, "elapsed": elapsed,
            "loads": loads, "sign_ins": shared["sign_ins"]}


def report(run: dict, pages: list[str]) -> None:
    by_page: dict[str, list[float]] = {p: [] for p in pages}
    for page, ms in run["results"]:
        by_page[page].append(ms)
    n = len(run["results"])
    loads = run["loads"]
    extra = (f", {len(loads)} loads committed during the run (exit codes "
             f"{sorted(set(loads))})" if run["name"] == "load" else "")
    sign_ins = run["sign_ins"]
    print(f"\n### {run['name']}: {n:,} page renders in {run['elapsed']:.0f} s = "
          f"{n / run['elapsed']:.1f} renders/s, errors: {len(run['errors'])}{extra}\n")
    print(f"(before the timed part: {len(sign_ins)} sign-ins, all at once, p50 "
          f"{statistics.median(sign_ins) if sign_ins else 0:,.0f} ms, p95 "
          f"{_p(sign_ins, 0.95):,.0f} ms)\n")
    print("| page | renders | p50 (ms) | p95 (ms) |")
    print("|---|---:|---:|---:|")
    for page, values in by_page.items():
        print(f"| `{page}` | {len(values):,} | {statistics.median(values) if values else 0:,.0f}"
              f" | {_p(values, 0.95):,.0f} |")
    if run["errors"]:
        print("\nfirst errors:", run["errors"][:10])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--port", type=int, default=8066)
    parser.add_argument("--scenario", choices=["quiet", "load", "both"], default="both")
    parser.add_argument("--warehouse", help="copy this warehouse (default: the scale-1 demo); "
                        "the load scenario needs the demo's files, so it is skipped then")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: CPU count)")
    parser.add_argument("--threads", type=int, help="threads per worker (default 4)")
    args = parser.parse_args(argv)
    args.clients = max(1, min(args.clients, 200))
    args.seconds = max(1.0, min(args.seconds, 600.0))

    from dashboard.pages import PAGES
    from dashboard.users import UserStore
    from warehouse.query import open_warehouse

    tmp = Path(tempfile.mkdtemp(prefix="serve-bench-"))
    try:
        wh_path = tmp / "outcomes.duckdb"
        files: list[Path] = []
        if args.warehouse:
            shutil.copyfile(args.warehouse, wh_path)
        else:
            from etl.demo import build_demo

            t = time.perf_counter()
            build_demo(wh_path, tmp / "files")
            files = sorted((tmp / "files").glob("*.csv"))
            print(f"built the demo warehouse in {time.perf_counter() - t:.1f} s",
                  file=sys.stderr)
        UserStore(tmp / "users.db").add("bench", "analyst", PASSWORD)
        env = dict(os.environ, OUTCOMES_WAREHOUSE=str(wh_path),
                   OUTCOMES_USERS=str(tmp / "users.db"), OUTCOMES_AUTH="password",
                   OUTCOMES_SECRET_KEY_FILE=str(tmp / ".secret_key"),
                   OUTCOMES_ACCESS_LOG=str(tmp / "access.log"))
        if args.workers:
            env["OUTCOMES_WORKERS"] = str(args.workers)
        if args.threads:
            env["OUTCOMES_THREADS"] = str(args.threads)
        years = open_warehouse(wh_path).data_years()
        pages = [p.key for p in PAGES]
        names = ["quiet", "load"] if args.scenario == "both" else [args.scenario]
        if not files:
            names = [n for n in names if n != "load"]
        server = start_server(args.port, env)
        try:
            print(f"\nServe benchmark: {args.clients} signed-in clients x {args.seconds:.0f} s "
                  f"per scenario, gunicorn ({env.get('OUTCOMES_WORKERS', os.cpu_count())} "
                  f"workers x {env.get('OUTCOMES_THREADS', 4)} threads) on 127.0.0.1, "
                  f"warehouse {wh_path.stat().st_size / 1e6:,.0f} MB")
            failed = 0
            for name in names:
                run = scenario(name, args, env, years, pages, files)
                report(run, pages)
                failed += len(run["errors"])
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(60)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
