"""The dashboard's entry point: `python app.py [--host H] [--port P] [--debug]`, or
`gunicorn app:server`. The warehouse is $OUTCOMES_WAREHOUSE, else data/outcomes.duckdb.

Pages, layouts and callbacks live in dashboard/; this file is only the shell."""

from __future__ import annotations

import argparse
import sys

from dashboard.factory import create_app

app = create_app()
server = app.server  # WSGI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="app.py", description="Serve the outcomes dashboard.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--debug", action="store_true", help="Dash debug mode (reloader, "
                        "dev tools); off by default")
    args = parser.parse_args(argv)
    from outcomes.settings import warehouse_path

    wh = warehouse_path()
    if not wh.is_file():
        print(f"note: no warehouse at {wh}; the dashboard will explain how to build one "
              "(`make demo` or `outcomes demo`).", file=sys.stderr)
    # No version check: it would call plotly.com from the browser (everything is served locally).
    app.run(host=args.host, port=args.port, debug=args.debug,
            dev_tools_disable_version_check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
