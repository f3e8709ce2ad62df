"""The user store: who may sign in, with which role and programs, and the recent sign-ins.

A small SQLite file of its own (`OUTCOMES_USERS`, default data/users.db), beside the warehouse
and never touched by a load (a load swaps the warehouse file, not this one). Passwords are
Argon2id hashes (argon2-cffi); nothing here ever holds a password in the clear.

Roles:
- viewer: dashboards and downloads; small-cell suppression always on; no notebook snippets
- analyst: a viewer's rights, plus the suppression toggle and "Open in a notebook"
- admin: everything, plus the admin page (users and recent sign-ins)

`programs` (empty = all) limits a user to those programs everywhere (dashboard/scope.py).
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.roles import ROLES, RoleRights
from core.settings import users_path
from core.vocabularies import program_code

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 8
SIGNINS_KEPT = 1000

_HASHER = PasswordHasher()
_DUMMY: dict = {}  # the hasher the dummy hash was made with, and the hash


def dummy_hash() -> str:
    """A hash of a random password with _HASHER's parameters, verified against when the name
    is unknown, so a wrong name costs as long as a wrong password. Made on first use, not at
    import (every process importing this module, the CLI's and each test worker's, would pay an
    Argon2 hash for nothing); install_auth makes it when the app starts, so the first sign-in
    costs no more than the others."""
    if _DUMMY.get("hasher") is not _HASHER:  # a race makes two: either is as good
        _DUMMY.update(hash=_HASHER.hash(secrets.token_hex(16)), hasher=_HASHER)
    return _DUMMY["hash"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    programs TEXT NOT NULL DEFAULT '',
    password_hash TEXT,
    session_nonce TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS signins (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    name TEXT NOT NULL,
    ok INTEGER NOT NULL,
    method TEXT NOT NULL,
    address TEXT
);
"""


class UserError(ValueError):
    """A refused change to the store (unknown user, bad role, weak password...)."""


@dataclass(frozen=True)
class User(RoleRights):
    name: str
    role: str
    programs: tuple[str, ...] = ()  # empty: every program
    session_nonce: str = ""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def normalize_programs(programs) -> tuple[str, ...]:
    """Program codes from codes or names ('psp', 'Arrears Cap'); an unknown one is an error."""
    out = []
    for given in programs or ():
        given = given.strip()
        if not given:
            continue
        code = program_code(given)
        if code is None:
            raise UserError(f"unknown program {given!r}")
        if code not in out:
            out.append(code)
    return tuple(out)


class UserStore:
    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else users_path()
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        """A connection per call (threads, worker processes); the schema is made once."""
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        con.row_factory = sqlite3.Row
        if not self._ready:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(SCHEMA)
            self._ready = True
        return con

    # -- reading -----------------------------------------------------------------------------
    def count(self) -> int:
        with closing(self._connect()) as con:
            return con.execute("SELECT count(*) FROM users").fetchone()[0]

    def get(self, name: str) -> User | None:
        with closing(self._connect()) as con:
            row = con.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        return self._user(row) if row else None

    def list(self) -> list[dict]:
        with closing(self._connect()) as con:
            rows = con.execute(
                "SELECT u.name, u.role, u.programs, u.created_at, "
                "(SELECT max(at) FROM signins s WHERE s.name = u.name AND s.ok) AS last_signin "
                "FROM users u ORDER BY u.name").fetchall()
        return [dict(r) for r in rows]

    def recent_signins(self, limit: int = 50) -> list[dict]:
        with closing(self._connect()) as con:
            rows = con.execute("SELECT at, name, ok, method, address FROM signins "
                               "ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in rows]

    @staticmethod
    def _user(row) -> User:
        programs = tuple(p for p in row["programs"].split(",") if p)
        return User(row["name"], row["role"], programs, row["session_nonce"])

    # -- changing ----------------------------------------------------------------------------
    def add(self, name: str, role: str, password: str, programs=()) -> User:
        if not NAME_RE.match(name or ""):
            raise UserError(f"user name {name!r}: letters, digits and . _ @ - (up to 64)")
        if role not in ROLES:
            raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        codes = normalize_programs(programs)
        hashed = self._hash(password)
        now = _now()
        with closing(self._connect()) as con:
            try:
                con.execute("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (name, role, ",".join(codes), hashed, secrets.token_hex(8), now,
                             now))
            except sqlite3.IntegrityError:
                raise UserError(f"user {name!r} exists") from None
        return User(name, role, codes)

    def remove(self, name: str) -> None:
        with closing(self._connect()) as con:
            if con.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 0:
                raise UserError(f"no user {name!r}")

    def set_password(self, name: str, password: str) -> None:
        """A new password; it also ends every session the user has open (a new nonce)."""
        hashed = self._hash(password)
        with closing(self._connect()) as con:
            n = con.execute("UPDATE users SET password_hash = ?, session_nonce = ?, "
                            "updated_at = ? WHERE name = ?",
                            (hashed, secrets.token_hex(8), _now(), name)).rowcount
        if n == 0:
            raise UserError(f"no user {name!r}")

    @staticmethod
    def _hash(password: str) -> str:
        if len(password or "") < MIN_PASSWORD:
            raise UserError(f"a password needs at least {MIN_PASSWORD} characters")
        return _HASHER.hash(password)

    # -- signing in --------------------------------------------------------------------------
    def verify(self, name: str, password: str) -> User | None:
        """The user when the password is theirs, else None (same cost for an unknown name)."""
        with closing(self._connect()) as con:
            row = con.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
            stored = row["password_hash"] if row and row["password_hash"] else dummy_hash()
            try:
                _HASHER.verify(stored, password or "")
            except (VerificationError, InvalidHashError):
                return None
            if row is None:
                return None
            if _HASHER.check_needs_rehash(stored):  # parameters raised since it was hashed
                con.execute("UPDATE users SET password_hash = ? WHERE name = ?",
                            (_HASHER.hash(password), name))
        return self._user(row)

    def record_signin(self, name: str, ok: bool, method: str, address: str | None) -> None:
        with closing(self._connect()) as con:
            con.execute("INSERT INTO signins (at, name, ok, method, address) "
                        "VALUES (?, ?, ?, ?, ?)", (_now(), name[:64], int(ok), method, address))
            con.execute("DELETE FROM signins WHERE id <= "
                        "(SELECT max(id) FROM signins) - ?", (SIGNINS_KEPT,))


def random_password() -> str:
    return secrets.token_urlsafe(15)
