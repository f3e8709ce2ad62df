"""The demo's targets (synthetic, like the rest of the demo): each fiscal year's target a few
percent above the program's actual of the year before, as a manager would set it.

Computed from the loaded demo warehouse through `Warehouse.metrics`, so the targets are
plausible for the data whatever the seed, and written as a contract `targets` file.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from core.periods import parse_period
from warehouse.query import Filters, Warehouse

# (program or ALL, metric): the indicators the demo sets targets for, all "more is better".
DEMO_INDICATORS = (
    ("ALL", "participants_served"),
    ("PSP", "graduates"),
    ("STEP", "placements"),
    ("WORKFORCE1", "participants_placed"),
    ("JOBS_PLUS", "new_enrollments"),
    ("ARREARS_CAP", "arrears_reduced_usd"),
    ("ARREARS_CREDIT", "ncps_with_reductions"),
    ("PAY_IT_OFF", "arrears_reduced_usd"),
    ("ORDER_MODIFICATION", "graduates"),
)
DEMO_PERIODS = ("FY2023", "FY2024", "FY2025", "FY2026")
NOTE = "synthetic demo target"


def _previous(period: str) -> str:
    p = parse_period(period)
    return f"FY{p.end.year - 1}"


def write_targets(warehouse: Path, path: Path, seed: int) -> Path:
    """Write the demo's targets file for the demo warehouse at `warehouse`."""
    wh = Warehouse(warehouse)
    rng = np.random.default_rng([seed, 14])
    rows = []
    for period in DEMO_PERIODS:
        prev = _previous(period)
        actual = wh.metrics(Filters(from_period=prev, to_period=prev), with_total=True)
        actual = actual.set_index("program")
        for program, metric in DEMO_INDICATORS:
            base = float(actual.loc[program, metric])
            raised = base * (1 + rng.uniform(-0.01, 0.08))
            step = 1000 if metric.endswith("_usd") else 5
            target = max(step, round(raised / step) * step)
            rows.append((program, metric, period, target, "up", NOTE))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(("program", "metric", "period", "target", "direction", "note"))
        w.writerows(rows)
    return path
