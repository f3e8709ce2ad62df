"""Fixture warehouses built once and shared: by both pytest-xdist workers of a run, and by later
runs while nothing that determines them has changed.

A warehouse is kept under the system temp folder in a directory named by a hash of everything
its build reads: the sources of core/, etl/ and warehouse/ (Python and SQL), the file defining
the build function (a test module's record generator, conftest), the input files and
parameters it is given, the pseudonymization key and other OUTCOMES_* settings, today's date
(a load rejects dates more than a year after it), and the versions of Python, DuckDB, pandas
and pyarrow. Change any of them and the next run builds a
new one. A file lock makes the first process build while the others wait; the build goes to a
scratch folder that is renamed into place whole, so no process ever sees half a warehouse.

The shared files are made read-only (mode 0444), so a test that loads into one without
`fresh_copy` fails at once; as root, which ignores the mode, `check_unchanged` (run by the
fixtures when the session ends) finds the changed file, removes it from the cache and fails."""

from __future__ import annotations

import fcntl
import hashlib
import inspect
import os
import platform
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CODE = ("core", "etl", "warehouse")
# Settings that name per-process scratch files or only steer tests and serving, not a build.
NOT_BUILD_SETTINGS = {"OUTCOMES_USERS", "OUTCOMES_ACCESS_LOG", "OUTCOMES_TEST_TIER",
                      "OUTCOMES_AUTH", "OUTCOMES_SECRET_KEY", "OUTCOMES_EXPORT_WARMUP",
                      "OUTCOMES_WAREHOUSE"}
STAMP = "stamp"  # the warehouse's size and mtime when built
STALE_AFTER_S = 24 * 3600  # other builds of this checkout older than this are removed


def cache_root() -> Path:
    """One folder per user and checkout (two worktrees never share or prune each other's)."""
    checkout = hashlib.sha256(str(REPO).encode()).hexdigest()[:10]
    root = Path(tempfile.gettempdir()) / f"outcomes-test-warehouses-{os.getuid()}" / checkout
    root.mkdir(parents=True, exist_ok=True)
    return root


def _key(name: str, build: Callable, inputs: Iterable[Path], params: dict) -> str:
    import duckdb
    import pandas
    import pyarrow

    h = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        h.update(label.encode() + b"\0" + hashlib.sha256(data).digest())

    for package in CODE:
        for path in sorted((REPO / package).rglob("*")):
            if path.suffix in (".py", ".sql") and "__pycache__" not in path.parts:
                add(str(path.relative_to(REPO)), path.read_bytes())
    add("builder", Path(inspect.getfile(build)).read_bytes())
    add("builder-name", build.__qualname__.encode())
    for path in inputs:
        add(f"input:{Path(path).name}", Path(path).read_bytes())
    add("params", repr(sorted(params.items())).encode())
    settings = sorted((k, v) for k, v in os.environ.items()
                      if k.startswith("OUTCOMES_") and k not in NOT_BUILD_SETTINGS)
    add("settings", repr(settings).encode())
    add("today", date.today().isoformat().encode())
    add("versions", repr((platform.python_version(), duckdb.__version__, pandas.__version__,
                          pyarrow.__version__)).encode())
    return f"{name}-{h.hexdigest()[:16]}"


def built_once(name: str, build: Callable[..., None], inputs: Iterable[Path] = (),
               **params) -> Path:
    """The path of `name`.duckdb as `build(path, **params)` makes it, built at most once for
    the same code, inputs and parameters. Read it only (copy it with `fresh_copy` to load)."""
    inputs = list(inputs)
    root = cache_root()
    final = root / _key(name, build, inputs, params)
    path = final / f"{name}.duckdb"
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not path.exists():
            shutil.rmtree(final, ignore_errors=True)  # a folder without its warehouse
            _prune(root)
            scratch = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
            try:
                build(scratch / path.name, **params)
                (scratch / STAMP).write_text(_stamp(scratch / path.name))
                for p in scratch.rglob("*"):
                    if p.is_file():
                        p.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
                scratch.rename(final)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
        os.utime(final)  # in use: not stale
    return path


def _stamp(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size} {st.st_mtime_ns}"


def check_unchanged(path: Path) -> None:
    """Fail if a test wrote into the shared warehouse at `path`; remove it, so the next run
    builds it again."""
    if (path.parent / STAMP).read_text() != _stamp(path):
        shutil.rmtree(path.parent, ignore_errors=True)
        raise AssertionError(f"a test wrote into the shared {path.name}: read it only, or "
                             "load into a fresh_copy of it")


def _prune(root: Path) -> None:
    """Remove this checkout's builds unused for a day (their code has changed since)."""
    now = time.time()
    for entry in root.iterdir():
        if entry.is_dir() and now - entry.stat().st_mtime > STALE_AFTER_S:
            shutil.rmtree(entry, ignore_errors=True)
