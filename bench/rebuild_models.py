"""Rebuild every model of a warehouse from its facts, in place (after a model change).

    python -m bench.rebuild_models PATH

Prints the time and the peak RSS. Not for a warehouse a dashboard is reading: it writes the file
in place (a load swaps in a copy instead).
"""

from __future__ import annotations

import resource
import sys
import time

import duckdb

from core.settings import load_memory_limit
from warehouse.build import build_models


def main(argv: list[str] | None = None) -> int:
    path = (argv or sys.argv[1:])[0]
    con = duckdb.connect(path, config={"memory_limit": load_memory_limit()})
    t = time.perf_counter()
    con.execute("BEGIN TRANSACTION")
    build_models(con, None)
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    con.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"full model build of {path}: {time.perf_counter() - t:.1f} s, peak RSS {rss:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
