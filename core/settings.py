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
- OUTCOMES_MEMORY_LIMIT: DuckDB memory limit of a load, e.g. 3GB or 500MB (default 2GB); past
  it DuckDB spills to disk beside the warehouse, so a load cannot starve the dashboard

Serving (docs: README "Deploying"):
- OUTCOMES_USERS: the user store, a SQLite file beside the warehouse, never touched by a load
  (default <repo>/data/users.db)
- OUTCOMES_AUTH: how people sign in: `password` (default: /login form), `header` (an SSO
  proxy in front sets the user name in a header) or `none` (no sign-in; only on 127.0.0.1)
- OUTCOMES_AUTH_HEADER: the header carrying the user name in header mode
  (default X-Forwarded-User)
- OUTCOMES_TRUSTED_PROXY: comma-separated IP addresses of the reverse proxy. Header mode
  accepts the header only from these addresses (unset: only from loopback, and the server
  refuses to bind a non-loopback address); when set, X-Forwarded-For/-Proto/-Host from them
  are honoured too (client address, https)
- OUTCOMES_SECRET_KEY: the key that signs session cookies and CSRF tokens (default: read from
  the key file below)
- OUTCOMES_SECRET_KEY_FILE: where that key lives when the variable is unset
  (default <repo>/data/.secret_key, created with mode 0600 on first use, never committed)
- OUTCOMES_SESSION_HOURS: how long a sign-in lasts (default 12)
- OUTCOMES_LOGIN_LIMIT: failed sign-ins allowed per client address, in Flask-Limiter's
  notation (default "5 per minute;30 per hour"); OUTCOMES_LIMITER_STORAGE: where those counts
  live (default memory://, per worker process; e.g. redis://host:6379 to share them)
- OUTCOMES_WORKERS, OUTCOMES_THREADS: gunicorn worker processes (default: the CPU count) and
  threads per worker (default 4)
- OUTCOMES_EXPORT_CONCURRENCY: report packs and image exports made at once per worker
  (default 1); OUTCOMES_EXPORT_QUEUE: how many more may wait for a turn (default 8; beyond
  that the page says to try again)
- OUTCOMES_ACCESS_LOG: the export access log, one JSON line per download (who, what, which
  filters) (default <repo>/data/access.log)
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
    return os.environ.get("OUTCOMES_MEMORY_LIMIT", "2GB")


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


# -- serving ------------------------------------------------------------------------------------
AUTH_MODES = ("password", "header", "none")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def users_path() -> Path:
    env = os.environ.get("OUTCOMES_USERS")
    return Path(env) if env else DATA_DIR / "users.db"


def auth_mode() -> str:
    mode = (os.environ.get("OUTCOMES_AUTH") or "password").strip().lower()
    if mode not in AUTH_MODES:
        raise ValueError(f"OUTCOMES_AUTH must be one of {', '.join(AUTH_MODES)}, not {mode!r}")
    return mode


def auth_header() -> str:
    return (os.environ.get("OUTCOMES_AUTH_HEADER") or "X-Forwarded-User").strip()


def trusted_proxies() -> tuple[str, ...]:
    raw = os.environ.get("OUTCOMES_TRUSTED_PROXY") or ""
    return tuple(p.strip() for p in raw.split(",") if p.strip())


def secret_key() -> bytes:
    """The session/CSRF signing key: from the environment, else a key file made on first use
    (mode 0600; every worker process reads the same file)."""
    env = os.environ.get("OUTCOMES_SECRET_KEY")
    if env:
        return env.encode("utf-8")
    key_file = Path(os.environ.get("OUTCOMES_SECRET_KEY_FILE") or DATA_DIR / ".secret_key")
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then linked into place: concurrent workers never read a half key.
        tmp = key_file.with_name(f"{key_file.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(tmp, key_file)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return key_file.read_text().strip().encode("utf-8")


def session_hours() -> int:
    return _env_int("OUTCOMES_SESSION_HOURS", 12)


def login_limit() -> str:
    return os.environ.get("OUTCOMES_LOGIN_LIMIT") or "5 per minute;30 per hour"


def limiter_storage() -> str:
    return os.environ.get("OUTCOMES_LIMITER_STORAGE") or "memory://"


def workers() -> int:
    return _env_int("OUTCOMES_WORKERS", os.cpu_count() or 1)


def threads() -> int:
    return _env_int("OUTCOMES_THREADS", 4)


def export_concurrency() -> int:
    return max(1, _env_int("OUTCOMES_EXPORT_CONCURRENCY", 1))


def export_queue() -> int:
    return max(0, _env_int("OUTCOMES_EXPORT_QUEUE", 8))


def access_log_path() -> Path:
    env = os.environ.get("OUTCOMES_ACCESS_LOG")
    return Path(env) if env else DATA_DIR / "access.log"
