"""The `outcomes` command line: a thin runner over etl, warehouse and the app."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.periods import GRAINS
from core.settings import warehouse_path
from outcomes.cli_args import (
    CliError,
    filter_args,
    filters_from_args,
    open_for_reading,
    print_frame,
    warehouse_arg,
)

METRIC_COLUMNS = [
    "program",
    "participants_served",
    "new_enrollments",
    "graduates",
    "referrals",
    "placements",
    "participants_placed",
    "arrears_reduced_usd",
    "ncps_with_reductions",
]


# -- commands ---------------------------------------------------------------------------------
def cmd_load(args) -> int:
    from etl.load import LoadRefused, load_files

    target = warehouse_path(args.warehouse)

    def progress(msg: str) -> None:
        print(msg, file=sys.stderr)

    try:
        report = load_files(args.files, target, kind=args.kind, progress=progress)
    except LoadRefused as e:
        raise CliError(f"load refused, warehouse unchanged: {e}") from None
    print(f"load {report.load_id} committed to {target}")
    print(f"{'file':40} {'kind':20} {'read':>9} {'loaded':>9} {'rejected':>9} {'warned':>9}")
    for f in report.files:
        print(f"{f.path.name[:40]:40} {f.kind:20} {f.rows_read:>9,} {f.rows_loaded:>9,} "
              f"{f.rows_rejected:>9,} {f.rows_warned:>9,}")
    print(f"{'total':40} {'':20} {report.total('rows_read'):>9,} "
          f"{report.total('rows_loaded'):>9,} {report.total('rows_rejected'):>9,} "
          f"{report.total('rows_warned'):>9,}")
    if report.total("rows_rejected"):
        print("see `outcomes rejects` for what was rejected and why")
    return 0


def cmd_metrics(args) -> int:
    wh = open_for_reading(args)
    try:
        df = wh.metrics(filters_from_args(args), by=args.by, with_total=args.total)
    except ValueError as e:
        raise CliError(str(e)) from None
    first = {None: [], "year": ["year"]}.get(args.by, ["period"])
    df = df[first + METRIC_COLUMNS]
    if getattr(args, "suppress", False):
        from warehouse.suppression import suppress_metrics

        df = suppress_metrics(df, min_count=args.min_count)
    if args.format == "table":
        df = df.copy()
        if "year" in df.columns:
            df["year"] = df["year"].astype(str)  # 2024, not 2,024
        df["arrears_reduced_usd"] = df["arrears_reduced_usd"].map(
            lambda v: v if isinstance(v, str) else f"${v:,.2f}"
        )
    print_frame(df, args.format)
    return 0


def cmd_indicators(args) -> int:
    from warehouse.indicators import indicators

    wh = open_for_reading(args)
    programs = filters_from_args(args).programs
    df = indicators(wh, programs)
    if args.format == "table":
        df = df.copy()
        for col in ("actual", "target"):
            usd = df["metric"].str.endswith("_usd")
            df[col] = [f"${v:,.2f}" if u else f"{v:,.0f}" for v, u in zip(df[col], usd,
                                                                      strict=True)]
    print_frame(df, args.format)
    return 0


def cmd_loads(args) -> int:
    wh = open_for_reading(args)
    df = wh.plain("load_files") if args.files else wh.plain("loads")
    print_frame(df, args.format)
    return 0


def cmd_rejects(args) -> int:
    wh = open_for_reading(args)
    df = wh.plain("warnings" if args.warnings else "rejects")
    if args.load:
        df = df[df["load_id"] == args.load]
    if args.summary:
        key = "rule" if args.warnings else "reason"
        df = df.groupby(["kind", "file_name", key]).size().reset_index(name="rows")
    elif args.format == "table":
        df = df.drop(columns=[c for c in ("row_json",) if c in df.columns]).head(args.limit)
    print_frame(df, args.format)
    return 0


def cmd_demo(args) -> int:
    import os

    from etl.demo import build_demo

    target = warehouse_path(args.warehouse)
    if target.exists() and not args.force:
        raise CliError(f"{target} exists; pass --force to replace it with a fresh demo")
    # Build beside the target and swap it in, so a running dashboard never sees it half-built.
    building = target.with_name(target.name + ".demo-building")
    building.unlink(missing_ok=True)
    try:
        build_demo(building, Path(args.out) if args.out else None, seed=args.seed,
                   scale=args.scale, fmt=args.format)
        os.replace(building, target)
    finally:
        building.unlink(missing_ok=True)
        building.with_name(building.name + ".lock").unlink(missing_ok=True)
    print(f"demo warehouse written to {target}")
    return 0


def cmd_serve(args) -> int:
    import os

    if args.warehouse:
        os.environ["OUTCOMES_WAREHOUSE"] = str(Path(args.warehouse).resolve())
    from dashboard.serve import serve

    return serve(args.host, args.port, dev=args.dev or args.debug, debug=args.debug)


# -- users (dashboard/users.py) -------------------------------------------------------------------
def _read_password(args, name: str) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass(f"Password for {name}: ")
    if getpass.getpass("Again: ") != first:
        raise CliError("the two passwords differ")
    return first


def cmd_users(args) -> int:
    from dashboard.users import UserError, UserStore

    store = UserStore(args.users)
    try:
        if args.users_command == "add":
            programs = [p for p in (args.programs or "").split(",") if p.strip()]
            user = store.add(args.name, args.role, _read_password(args, args.name), programs)
            scope = ", ".join(user.programs) if user.programs else "all programs"
            print(f"added {user.name} ({user.role}; {scope}) to {store.path}")
        elif args.users_command == "list":
            rows = store.list()
            if not rows:
                print(f"(no users in {store.path})")
            print("\n".join(f"{r['name']:24} {r['role']:8} {r['programs'] or 'all':32} "
                            f"last sign-in: {r['last_signin'] or '-'}" for r in rows))
        elif args.users_command == "remove":
            store.remove(args.name)
            print(f"removed {args.name}")
        elif args.users_command == "passwd":
            store.set_password(args.name, _read_password(args, args.name))
            print(f"password of {args.name} changed; their open sessions are ended")
    except UserError as e:
        raise CliError(str(e)) from None
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="outcomes",
        description="Outcomes analytics for OCSS employment and debt-reduction programs.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("load", help="load contract files into the warehouse (one transaction)",
                       description="Load enrollment, referral, arrears-reduction, placement "
                       "and support-month files (CSV or Parquet) as one atomic transaction.")
    p.add_argument("files", nargs="+", metavar="FILE")
    warehouse_arg(p)
    p.add_argument("--kind", choices=["enrollments", "referrals", "arrears_reductions",
                                      "placements", "support_months", "targets"],
                   help="record type of every file (default: from each file name's start)")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("metrics", help="the program metric table",
                       description="Program metrics for a window of whole months (years, "
                       "quarters, months, NYC or federal fiscal years); see docs/metrics.md "
                       "for each definition.")
    filter_args(p)
    p.add_argument("--by", choices=list(GRAINS),
                   help="one row per program per period of this grain, the period first "
                   "(column year: 2024; else period: 2024-Q1, 2024-03, FY2024, FFY2024)")
    p.add_argument("--total", action="store_true",
                   help="add a row 'ALL': the selected programs together, each participant "
                   "counted once")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--suppress", action="store_true",
                   help="suppress small cells (counts 1..threshold-1 shown as '<threshold')")
    p.add_argument("--min-count", type=int, default=None, metavar="N",
                   help="suppression threshold (default: $OUTCOMES_SUPPRESS_MIN or 11)")
    p.set_defaults(func=cmd_metrics)

    p = sub.add_parser("indicators", help="targets against actuals",
                       description="One row per target (record kind targets): the program's "
                       "metric over exactly the target's period, as `outcomes metrics` gives "
                       "it (ALL: every program together), the target, which way is better, "
                       "and met / not met / in progress (the period is not over at the latest "
                       "data date).")
    warehouse_arg(p)
    p.add_argument("--program", action="append", default=[], metavar="CODE",
                   help="only this program's targets; repeat for several (default: all, "
                   "with the ALL targets)")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=cmd_indicators, borough=[], from_year=None, to_year=None)

    p = sub.add_parser("loads", help="the load history", description="The load history.")
    warehouse_arg(p)
    p.add_argument("--files", action="store_true", help="one row per file of each load")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=cmd_loads)

    p = sub.add_parser("rejects", help="rejected rows and why",
                       description="Rows that were rejected (or, with --warnings, loaded with "
                       "a warning), with file, line and reason.")
    warehouse_arg(p)
    p.add_argument("--warnings", action="store_true", help="show warnings instead of rejects")
    p.add_argument("--load", type=int, metavar="ID", help="only this load")
    p.add_argument("--summary", action="store_true", help="counts by file and reason")
    p.add_argument("--limit", type=int, default=200, help="rows to show as a table")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=cmd_rejects)

    p = sub.add_parser("demo", help="build the synthetic demo warehouse",
                       description="Write synthetic contract files calibrated to OCSS's "
                       "published figures and load them through the real ETL.")
    warehouse_arg(p)
    p.add_argument("--out", metavar="DIR", help="keep the generated files here")
    p.add_argument("--seed", type=int, default=20240101)
    p.add_argument("--scale", type=float, default=1.0, help="volume multiplier (benchmarks)")
    p.add_argument("--format", choices=["csv", "parquet"], default="csv")
    p.add_argument("--force", action="store_true", help="replace an existing warehouse")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="serve the dashboard",
                       description="Serve the Dash dashboard on the warehouse.")
    warehouse_arg(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8050)
    p.add_argument("--dev", action="store_true",
                   help="Flask's development server instead of gunicorn")
    p.add_argument("--debug", action="store_true", help="Dash debug mode (implies --dev)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("users", help="who may sign in to the dashboard",
                       description="The dashboard's users (store: $OUTCOMES_USERS or "
                       "data/users.db): roles viewer, analyst, admin; --programs limits a "
                       "user to those programs everywhere.")
    p.add_argument("--users", metavar="PATH", help="user store (default: $OUTCOMES_USERS or "
                   "data/users.db)")
    users = p.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    u = users.add_parser("add", help="add a user")
    u.add_argument("name")
    u.add_argument("--role", required=True, choices=["viewer", "analyst", "admin"])
    u.add_argument("--programs", metavar="CODE,...",
                   help="only these programs (codes or names, comma-separated; default: all)")
    u.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")
    users.add_parser("list", help="list users and their last sign-in")
    u = users.add_parser("remove", help="remove a user")
    u.add_argument("name")
    u = users.add_parser("passwd", help="set a user's password (ends their sessions)")
    u.add_argument("name")
    u.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")
    p.set_defaults(func=cmd_users)

    from outcomes.commands_exports import register as register_exports

    register_exports(sub)  # `outcomes report` and `outcomes figures`
    from outcomes.commands_impact import register as register_impact

    register_impact(sub)  # `outcomes impact`
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from warehouse.query import WarehouseMissing

    try:
        return args.func(args) or 0
    except (CliError, WarehouseMissing) as e:
        print(f"outcomes: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
