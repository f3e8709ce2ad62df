"""`outcomes impact`: the before/after table of child support paid around program entry
(registered by outcomes.cli; definitions in docs/metrics.md)."""

from __future__ import annotations

import argparse

import pandas as pd

from core.periods import PeriodError
from outcomes.cli_args import (
    CliError,
    filters_from_args,
    open_for_reading,
    print_frame,
    program_borough_args,
    warehouse_arg,
)
from warehouse.impact import (
    FRACTION_COLUMNS,
    IMPACT_COLUMNS,
    MONEY_COLUMNS,
    NOT_AN_EXPERIMENT,
    suppress_impact,
)


def cmd_impact(args) -> int:
    wh = open_for_reading(args)
    plain = argparse.Namespace(**{**vars(args), "from_year": None, "to_year": None})
    filters = filters_from_args(plain)  # programs and boroughs; the window is in periods
    if args.months < 1:
        raise CliError("--months must be at least 1")
    try:
        df = wh.impact(filters, args.from_period, args.to_period, months=args.months)
    except (PeriodError, ValueError) as e:
        raise CliError(str(e)) from None
    if args.suppress:
        df = suppress_impact(df, min_count=args.min_count)
    df = df[IMPACT_COLUMNS]
    if args.format == "table":
        df = df.astype(object)
        for c in ("participants", "with_support_records"):
            df[c] = [v if isinstance(v, str) else f"{v:,}" for v in df[c]]
        for c in FRACTION_COLUMNS:
            df[c] = [v if isinstance(v, str) else "" if pd.isna(v) else f"{v:.4f}"
                     for v in df[c]]
    print_frame(df, args.format, money_columns=MONEY_COLUMNS)
    if args.format == "table":
        print(f"\n{NOT_AN_EXPERIMENT}")
    return 0


def register(subparsers) -> None:
    """Add `impact` to the `outcomes` command's subparsers."""
    p = subparsers.add_parser(
        "impact", help="child support paid before and after program entry",
        description="Per program: current support due and paid in the N months before and "
        "after entry, for the enrolled cohort and a comparison group (referred, never "
        "enrolled). Not an experiment. See docs/metrics.md.")
    warehouse_arg(p)
    program_borough_args(p)
    p.add_argument("--from", dest="from_period", metavar="PERIOD",
                   help="first period of the enrollment window: YYYY, YYYY-MM, YYYY-Qn, FYyyyy "
                   "or FFYyyyy (default: the data's first year)")
    p.add_argument("--to", dest="to_period", metavar="PERIOD",
                   help="last period of the enrollment window (default: the data's last year)")
    p.add_argument("--months", type=int, default=12, metavar="N",
                   help="months on each side of entry (default 12)")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--suppress", action="store_true",
                   help="suppress small cells (counts 1..threshold-1, and figures resting on "
                   "fewer parents, shown as '<threshold')")
    p.add_argument("--min-count", type=int, default=None, metavar="N",
                   help="suppression threshold (default: $OUTCOMES_SUPPRESS_MIN or 11)")
    p.set_defaults(func=cmd_impact)
