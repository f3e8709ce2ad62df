"""What every `outcomes` command shares: the error it raises, its common arguments (warehouse,
filters), opening the warehouse for reading, printing a table."""

from __future__ import annotations

import argparse
import sys

from core.periods import PeriodError, parse_period, window
from core.settings import warehouse_path
from core.vocabularies import PROGRAM_CODES, borough_alias, program_code
from exports.tables import csv_text
from warehouse.query import Filters, WarehouseMissing, open_warehouse


class CliError(Exception):
    """A clear, expected failure: printed without a traceback, exit code 2."""


def warehouse_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--warehouse",
        metavar="PATH",
        help="DuckDB warehouse file (default: $OUTCOMES_WAREHOUSE or data/outcomes.duckdb)",
    )


def filter_args(p: argparse.ArgumentParser) -> None:
    warehouse_arg(p)
    p.add_argument("--from", dest="from_year", metavar="PERIOD",
                   help="start of the window: YYYY, YYYY-MM, YYYY-Qn, FYyyyy (NYC fiscal year, "
                   "July-June) or FFYyyyy (federal, October-September) (default: first year "
                   "of data)")
    p.add_argument("--to", dest="to_year", metavar="PERIOD",
                   help="end of the window, in the same forms (default: last year of data)")
    program_borough_args(p)


def program_borough_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--program", action="append", default=[], metavar="CODE",
                   help="program code or name; repeat for several (default: all)")
    p.add_argument("--borough", action="append", default=[], metavar="NAME",
                   help="borough; repeat for several (default: all)")


def open_for_reading(args):
    """The warehouse for a read command; a missing file is an error, never created."""
    wh = open_warehouse(warehouse_path(args.warehouse))
    if not wh.exists():
        raise CliError(wh.missing_message())
    try:
        wh.version()
    except WarehouseMissing as e:
        raise CliError(str(e)) from None
    return wh


def filters_from_args(args):
    programs = []
    for given in args.program:
        code = program_code(given)
        if code is None:
            codes = ", ".join(PROGRAM_CODES)
            raise CliError(f"unknown program {given!r}; codes: {codes}")
        programs.append(code)
    boroughs = []
    for given in args.borough:
        name = borough_alias(given)
        if name is None:
            raise CliError(f"unknown borough {given!r}")
        boroughs.append(name)
    ends = [_window_end(getattr(args, name)) for name in ("from_year", "to_year")]
    if args.from_year and args.to_year:
        try:
            window(args.from_year, args.to_year)
        except PeriodError:
            raise CliError(f"--from {args.from_year} is after --to {args.to_year}") from None
    (from_year, from_period), (to_year, to_period) = ends
    return Filters(from_year, to_year, tuple(programs), tuple(boroughs), from_period, to_period)


def _window_end(given: str | int | None) -> tuple[int | None, str | None]:
    """(calendar year, None) for a plain year, (None, period name) for a month-grain period
    (core/periods.py), (None, None) when not given."""
    if given is None or given == "":
        return None, None
    try:
        period = parse_period(given)
    except PeriodError as e:
        raise CliError(str(e)) from None
    if period.grain == "year":
        return int(period.label), None
    return None, str(given).strip().upper()


def print_frame(df, fmt: str, money_columns=()) -> None:
    if fmt == "csv":
        sys.stdout.write(csv_text(df))  # escaped like the dashboard's downloads
    elif fmt == "json":
        print(df.to_json(orient="records", date_format="iso", indent=2))
    else:
        shown = df.copy()
        for c in shown.columns:
            if c in money_columns:
                shown[c] = shown[c].map(lambda v: v if isinstance(v, str) else f"${v:,.2f}")
            elif shown[c].dtype.kind in "iu":
                shown[c] = shown[c].map(lambda v: f"{v:,}")
        print(shown.to_string(index=False) if not shown.empty else "(no rows)")
