"""The dashboard's entry point.

    python app.py [--host H] [--port P]          production: gunicorn (dashboard/serve.py)
    python app.py --dev [--debug]                Flask's development server, for work on the app
    gunicorn app:server                          any WSGI server: `server` is built on first use

The warehouse is $OUTCOMES_WAREHOUSE, else data/outcomes.duckdb; sign-in is $OUTCOMES_AUTH
(dashboard/auth.py). Pages, layouts and callbacks live in dashboard/; this file is only the
shell. `app` and `server` are made when first asked for (PEP 562), so the production launcher
never builds an app (nor starts an image engine) in the process that becomes gunicorn.
"""

from __future__ import annotations

import argparse
import sys

from dashboard.factory import get_app  # builds nothing until called
from dashboard.serve import serve


def __getattr__(name: str):
    if name == "app":
        return get_app()
    if name == "server":
        return get_app().server  # WSGI
    raise AttributeError(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="app.py", description="Serve the outcomes dashboard.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--dev", action="store_true",
                        help="Flask's development server instead of gunicorn")
    parser.add_argument("--debug", action="store_true", help="with --dev: Dash debug mode "
                        "(reloader, dev tools); off by default")
    args = parser.parse_args(argv)
    return serve(args.host, args.port, dev=args.dev, debug=args.debug)


if __name__ == "__main__":
    sys.exit(main())
