"""Export timings at demo scale: the report pack (PDF and PPTX) and 20 figure images.

    .venv/bin/python bench/exports_bench.py [--warehouse PATH] [--scale 1.0]

Builds a demo warehouse in a temporary folder unless --warehouse is given. The first export
in a process pays the image engine's start-up (Chromium + plotly.js); it is timed apart.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def _time(label: str, fn) -> float:
    t = time.perf_counter()
    fn()
    dt = time.perf_counter() - t
    print(f"{label:58} {dt:7.2f} s")
    return dt


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", help="an existing warehouse (default: build the demo)")
    ap.add_argument("--scale", type=float, default=1.0)
    args = ap.parse_args(argv)
    os.environ.setdefault("OUTCOMES_HMAC_KEY", "bench-key-not-a-secret-0123456789abcdef")

    from exports.chart_files import export_figure
    from exports.figure_files import _render
    from exports.images import start_engine, stop_engine
    from exports.report import build_report
    from warehouse.query import Filters, open_warehouse

    with tempfile.TemporaryDirectory(prefix="outcomes-bench-") as tmp:
        tmp = Path(tmp)
        if args.warehouse:
            path = Path(args.warehouse)
        else:
            from etl.demo import build_demo

            path = tmp / "demo.duckdb"
            _time(f"build demo warehouse (scale {args.scale})",
                  lambda: build_demo(path, scale=args.scale))
        wh = open_warehouse(path)
        print(f"warehouse: {path}  demo={wh.is_demo()}")
        from plotly import graph_objects as go

        from exports.images import figure_bytes

        _time("image engine start-up (Chromium + plotly.js, first image)",
              lambda: (start_engine(), figure_bytes(go.Figure(), "svg")))
        results = {}
        results["pdf_cold"] = _time("report pack PDF, all years (engine warm, query cache cold)",
                                    lambda: build_report(wh, Filters(), tmp / "a.pdf"))
        results["pdf"] = _time("report pack PDF, 2015-2023, Bronx",
                               lambda: build_report(wh, Filters(2015, 2023, (), ("Bronx",)),
                                                    tmp / "b.pdf"))
        results["pptx"] = _time("report pack PPTX, all years",
                                lambda: build_report(wh, Filters(), tmp / "c.pptx"))
        ids = ["served_vs_graduates", "arrears_totals", "arrears_by_year", "ncps_by_year",
               "ff_placements", "referral_funnel", "program_summary", "new_enrollments",
               "served_by_borough", "arrears_cumulative", "avg_reduction_by_year", "ff_sectors",
               "ff_wages", "ff_time_to_placement", "referral_flows", "overview_trends",
               "dq_loads", "dq_rejects", "dq_warnings", "served_vs_graduates"]
        figs = []
        results["figs_build"] = _time(
            "20 print-ready figures (queries + suppression)",
            lambda: figs.extend(export_figure(c, wh, Filters()) for c in ids))
        for fmt in ("png", "svg", "pdf"):
            results[f"20_{fmt}"] = _time(
                f"20 figure images as {fmt.upper()} (one batch, shared engine)",
                lambda fmt=fmt: _render(figs, fmt))
        stop_engine()
        for f in tmp.glob("*.p*"):
            print(f"  {f.name}: {f.stat().st_size / 1024:,.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
