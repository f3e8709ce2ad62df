"""Settings in one place: every environment variable the product reads is named here.

- OUTCOMES_WAREHOUSE: path of the DuckDB warehouse file (default <repo>/data/outcomes.duckdb)
- OUTCOMES_HMAC_KEY: secret for pseudonymizing participant ids with HMAC-SHA256
  (default: read from the key file below)
- OUTCOMES_KEY_FILE: where that secret lives when the variable is unset
  (default <repo>/data/.hmac_key, created with mode 0600 on first use, never committed)
- OUTCOMES_SUPPRESS_MIN: small-cell threshold; counts 1..N-1 are suppressed (default 11)
- OUTCOMES_ANNOTATIONS: a CSV of dated notes drawn on the dashboard's time axes
  (default <repo>/data/annotations.csv; no file, no notes)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"


def warehouse_path(explicit: str | os.PathLike | None = None) -> Path:
    """The warehouse to use: an explicit path, else OUTCOMES_WAREHOUSE, else the data folder's."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("OUTCOMES_WAREHOUSE")
    return Path(env) if env else DATA_DIR / "outcomes.duckdb"


def annotations_path() -> Path:
    """The CSV of dated notes (columns date, note, optional program) for the time axes."""
    env = os.environ.get("OUTCOMES_ANNOTATIONS")
    return Path(env) if env else DATA_DIR / "annotations.csv"


def suppression_threshold() -> int:
    return int(os.environ.get("OUTCOMES_SUPPRESS_MIN", "11"))


def hmac_key() -> bytes:
    """The pseudonymization secret: from the environment, else a key file made on first use.

    The key file is created with mode 0600 and is git-ignored; losing it means the same
    participant gets a new key on the next load, so back it up with the warehouse.
    """
    env = os.environ.get("OUTCOMES_HMAC_KEY")
    if env:
        return env.encode("utf-8")
    key_file = Path(os.environ.get("OUTCOMES_KEY_FILE") or DATA_DIR / ".hmac_key")
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return key_file.read_text().strip().encode("utf-8")
