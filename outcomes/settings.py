"""Settings in one place: every environment variable the product reads is named here.

- OUTCOMES_WAREHOUSE: path of the DuckDB warehouse file (default <repo>/data/outcomes.duckdb)
- OUTCOMES_HMAC_KEY: secret for pseudonymizing participant ids with HMAC-SHA256
  (default: read from the key file below)
- OUTCOMES_KEY_FILE: where that secret lives when the variable is unset
  (default <repo>/data/.hmac_key; a load creates it, mode 0600, only for a warehouse that holds
  no data yet; never committed). A key must be at least 32 bytes.
- OUTCOMES_EARLIEST_DATE: the earliest plausible record date, YYYY-MM-DD (default 1990-01-01);
  an earlier date is a rejected row ("date out of range")
- OUTCOMES_LOAD_FREE_SPACE_RESERVE_MB: free space a load must leave on the warehouse's disk
  besides what it needs itself (default 0)
- OUTCOMES_SUPPRESS_MIN: small-cell threshold; counts 1..N-1 are suppressed (default 11)
- OUTCOMES_ANNOTATIONS: a CSV of dated notes drawn on the dashboard's time axes
  (default <repo>/data/annotations.csv; no file, no notes)
- OUTCOMES_MEMORY_LIMIT: DuckDB memory limit of a load, e.g. 3GB or 500MB (default 3GB); past
  it DuckDB spills to disk beside the warehouse, so a load cannot starve the dashboard
"""

from __future__ import annotations

import os
import secrets
from datetime import date
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


MIN_KEY_BYTES = 32


def load_memory_limit() -> str:
    return os.environ.get("OUTCOMES_MEMORY_LIMIT", "3GB")


class SettingError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def key_file_path() -> Path:
    return Path(os.environ.get("OUTCOMES_KEY_FILE") or DATA_DIR / ".hmac_key")


def key_source() -> str:
    """Where the key comes from, in words, for messages."""
    if os.environ.get("OUTCOMES_HMAC_KEY"):
        return "OUTCOMES_HMAC_KEY"
    return f"the key file {key_file_path()}"


def create_key_file() -> Path:
    """Make a new random key file (mode 0600); only for a warehouse without data (etl/load.py)."""
    key_file = key_file_path()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))
    return key_file


def hmac_key() -> bytes:
    """The pseudonymization secret: OUTCOMES_HMAC_KEY, else the key file's content.

    Raises FileNotFoundError when there is no key file: whether a new key may be made depends on
    the warehouse (etl/load.py decides). Losing the key means the same participant gets a new
    key, so back it up with the warehouse; the warehouse stores only a fingerprint of it.
    """
    env = os.environ.get("OUTCOMES_HMAC_KEY")
    if env:
        return env.encode("utf-8")
    return key_file_path().read_text().strip().encode("utf-8")


def earliest_date() -> date:
    value = os.environ.get("OUTCOMES_EARLIEST_DATE") or "1990-01-01"
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise SettingError(
            f"OUTCOMES_EARLIEST_DATE must be a date written YYYY-MM-DD, not {value!r}"
        ) from None


def load_free_space_reserve_bytes() -> int:
    value = os.environ.get("OUTCOMES_LOAD_FREE_SPACE_RESERVE_MB") or "0"
    try:
        return int(float(value) * 1024 * 1024)
    except ValueError:
        raise SettingError(
            f"OUTCOMES_LOAD_FREE_SPACE_RESERVE_MB must be a number of MB, not {value!r}"
        ) from None
