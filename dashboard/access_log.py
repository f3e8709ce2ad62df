"""The export access log: one JSON line per download from the dashboard (a chart image or data
file, a report pack, a notebook snippet), saying who, when, what and with which filters.
File: OUTCOMES_ACCESS_LOG (default data/access.log); it holds user names and filters, never
data. Appends of one short line are atomic under O_APPEND, so worker processes share it.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime

from core.settings import access_log_path
from dashboard import scope
from dashboard.url_state import parse_search, parse_suppress, to_search

log = logging.getLogger(__name__)


def record_export(kind: str, what: str, fmt: str, search: str | None, ok: bool = True) -> None:
    """Append one line: kind is chart | report | snippet; `search` the filters as sent (the
    effective, scoped filters are logged too)."""
    access = scope.current()
    entry = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "user": access.user,
        "role": access.role,
        "kind": kind,
        "what": what,
        "format": fmt,
        "filters": to_search(parse_search(search), parse_suppress(search)),
        "asked": search or "",
        "ok": ok,
    }
    path = access_log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")
    except OSError as e:  # a full disk must not break the download; say so in the server log
        log.error("could not write the access log %s: %s", path, e)
