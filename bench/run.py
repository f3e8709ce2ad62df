"""Run every benchmark in turn (`make bench`); each prints a markdown table for
docs/benchmarks.md. Benchmarks are never run by the test suite."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ("bench.load_bench", "bench.dashboard_latency", "bench.exports_bench",
              "bench.during_load",
              "bench.serve_bench")


def main() -> int:
    for name in BENCHMARKS:
        print(f"\n## {name}\n", flush=True)
        module = importlib.import_module(name)
        module.main([])
    return 0


if __name__ == "__main__":
    sys.exit(main())
