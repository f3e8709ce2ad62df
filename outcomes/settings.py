"""Settings in one place: every environment variable the product reads is named here.

- OUTCOMES_WAREHOUSE: path of the DuckDB warehouse file (default <repo>/data/outcomes.duckdb)
- OUTCOMES_HMAC_KEY: secret for pseudonymizing participant ids with HMAC-SHA256
  (default: read from the key file below)
- OUTCOMES_KEY_FILE: where that secret lives when the variable is unset
  (default <repo>/data/.hmac_key, created with mode 0600 on first use, never committed)
- OUTCOMES_SUPPRESS_MIN: small-cell threshold; counts 1..N-1 are suppressed (default 11)
- OUTCOMES_MEMORY_LIMIT: DuckDB memory limit of a load, e.g. 3GB or 500MB (default 3GB); past
  it DuckDB spills to disk beside the warehouse, so a load cannot starve the dashboard
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


def suppression_threshold() -> int:
    return int(os.environ.get("OUTCOMES_SUPPRESS_MIN", "11"))


def load_memory_limit() -> str:
    return os.environ.get("OUTCOMES_MEMORY_LIMIT", "3GB")


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
