"""The `outcomes report` and `outcomes figures` commands (registered by outcomes.cli)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from exports.figure_files import write_figures
from exports.images import ExportEngineError, stop_engine
from exports.report import build_report
from outcomes.cli_args import CliError, filter_args, filters_from_args, open_for_reading


def _suppression_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-suppress", action="store_true",
                   help="show small counts as they are (internal use only; never publish)")
    p.add_argument("--min-count", type=int, default=None, metavar="N",
                   help="suppression threshold: counts 1..N-1 are hidden "
                   "(default: $OUTCOMES_SUPPRESS_MIN or 11)")


def _check_min_count(args) -> None:
    if args.min_count is not None and args.min_count < 1:
        raise CliError("--min-count must be at least 1 (use --no-suppress to turn it off)")


def cmd_report(args) -> int:
    out = Path(args.out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "pptx"):
        raise CliError(f"--out must end in .pdf or .pptx, not {out.name!r}")
    _check_min_count(args)
    wh = open_for_reading(args)
    filters = filters_from_args(args)
    try:
        build_report(wh, filters, out, fmt, min_count=args.min_count,
                     suppress=not args.no_suppress)
    except (ValueError, ExportEngineError) as e:
        raise CliError(str(e)) from None
    finally:
        stop_engine()  # close Chromium cleanly before the interpreter exits
    print(f"report written to {out}")
    if args.no_suppress:
        print("warning: small cells are NOT suppressed; do not publish this report",
              file=sys.stderr)
    return 0


def cmd_figures(args) -> int:
    _check_min_count(args)
    wh = open_for_reading(args)
    filters = filters_from_args(args)
    try:
        written = write_figures(wh, filters, Path(args.out), args.format,
                                suppress=not args.no_suppress, min_count=args.min_count,
                                charts=args.chart or None)
    except (ValueError, KeyError) as e:
        raise CliError(str(e).strip("'\"")) from None
    except ExportEngineError as e:
        raise CliError(str(e)) from None
    finally:
        stop_engine()  # close Chromium cleanly before the interpreter exits
    for path in written:
        print(path)
    return 0


def register(subparsers) -> None:
    """Add `report` and `figures` to the `outcomes` command's subparsers."""
    p = subparsers.add_parser(
        "report", help="the leadership report pack (PDF or PPTX)",
        description="A cover, one page per headline chart (figure, definition and a table "
        "of its numbers) and a page of definitions; small cells suppressed. See "
        "docs/exports.md.")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="output file: .pdf or .pptx (the format follows the suffix)")
    filter_args(p)
    _suppression_args(p)
    p.set_defaults(func=cmd_report)

    p = subparsers.add_parser(
        "figures", help="every headline figure as an image, with its numbers as CSV",
        description="Write each headline chart as PNG, SVG or PDF (print-ready, with the "
        "filters, as-of date and data notice in a footnote) and its numbers as CSV, small "
        "cells suppressed. See docs/exports.md.")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (created)")
    p.add_argument("--format", choices=["png", "svg", "pdf"], default="png")
    p.add_argument("--chart", action="append", default=[], metavar="ID",
                   help="only this chart (repeat; default: the headline charts)")
    filter_args(p)
    _suppression_args(p)
    p.set_defaults(func=cmd_figures)
