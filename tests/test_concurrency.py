"""No failed query while a load runs: real threads query one Warehouse while real loads swap
in new versions of its file. A correctness test (every query answers, and with the data of a
version that existed), not a timed one; the timing is bench/during_load.py."""

from __future__ import annotations

import random
import threading

from tests.conftest import SMALL_FILES
from warehouse.query import Filters, Warehouse

N_THREADS = 6
N_LOADS = 3


def _hammer(wh: Warehouse, stop: threading.Event, errors: list, done: list, seed: int) -> None:
    rng = random.Random(seed)
    while not stop.is_set():
        lo = rng.randint(2015, 2023)
        f = Filters(lo, rng.randint(lo, 2024))
        try:
            df = wh.metrics(f, by_year=rng.random() < 0.5, with_total=True)
            assert "participants_served" in df.columns
            loads = wh.plain("loads")
            assert len(loads) >= 1
            wh.query("referral_funnel", f)
            done.append(len(loads))
        except Exception as e:  # every failure is kept and reported, none is fatal here
            errors.append(repr(e))
        # Drop the cache now and then, so queries keep reaching DuckDB between loads.
        if rng.random() < 0.3:
            with wh._lock:
                wh._cache.clear()


def test_queries_survive_repeated_loads(small_warehouse, fresh_copy):
    from etl.load import load_files

    path = fresh_copy(small_warehouse)
    wh = Warehouse(path)
    before = len(wh.plain("loads"))
    stop = threading.Event()
    errors: list[str] = []
    done: list[int] = []
    threads = [threading.Thread(target=_hammer, args=(wh, stop, errors, done, i))
               for i in range(N_THREADS)]
    for t in threads:
        t.start()
    try:
        for _ in range(N_LOADS):
            load_files(SMALL_FILES, path)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert errors == [], f"{len(errors)} of {len(errors) + len(done)} queries failed: " \
        f"{sorted(set(errors))[:5]}"
    assert len(done) > N_THREADS  # the threads really ran while the loads did
    # Every answer came from a version that existed; the newest one is read at the end.
    assert set(done) <= set(range(before, before + N_LOADS + 1))
    assert len(wh.plain("loads")) == before + N_LOADS
    # The connections to old versions were closed once their last query ended.
    assert wh._con is not None and wh._con.users == 0 and not wh._con.retired
