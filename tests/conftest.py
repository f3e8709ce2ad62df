"""Shared fixtures: one small fixture warehouse and one demo warehouse, each built once (see
tests/built_once.py); the test tiers."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from argon2 import PasswordHasher

from dashboard import users
from tests.built_once import built_once, check_unchanged

FIXTURES = Path(__file__).parent / "fixtures"
SMALL_FILES = sorted((FIXTURES / "small").glob("*.csv"))
TEST_HMAC_KEY = "test-key-not-a-secret-0123456789abcdef"

# Every test process pseudonymizes with a fixed test key, never the developer's key file.
os.environ["OUTCOMES_HMAC_KEY"] = TEST_HMAC_KEY
os.environ.pop("OUTCOMES_WAREHOUSE", None)
# Tests that are not about sign-in run the app with OUTCOMES_AUTH=none (loopback only: dash_duo
# serves on 127.0.0.1); tests of sign-in pass create_app(auth=..., users=...). The production
# default stays `password`. Users, the session key and the access log live in a scratch folder.
_SCRATCH = Path(tempfile.mkdtemp(prefix="outcomes-tests-"))
os.environ["OUTCOMES_AUTH"] = "none"
os.environ["OUTCOMES_USERS"] = str(_SCRATCH / "users.db")
os.environ["OUTCOMES_ACCESS_LOG"] = str(_SCRATCH / "access.log")
os.environ["OUTCOMES_SECRET_KEY"] = "test-secret-not-a-secret"


# Tiny test warehouses gain nothing from DuckDB's threads (one per core by default) and pay for
# starting and syncing them on every query; with two xdist workers on two cores the threads
# also fight each other. Results do not depend on it. A connection that names `threads` keeps
# its own; subprocesses (the CLI, gunicorn, notebook kernels) keep DuckDB's default, and so do
# builds under `duckdb_default_threads()` (the demo, and the test that it builds the same twice).
_duckdb_connect = getattr(duckdb.connect, "unpatched", duckdb.connect)
_ONE_THREAD = {"on": True}


def _connect_one_thread(database=":memory:", read_only=False, config=None, **kwargs):
    if _ONE_THREAD["on"]:
        config = {"threads": 1, **(config or {})}
    if config is not None:
        kwargs["config"] = config
    return _duckdb_connect(database, read_only=read_only, **kwargs)


@contextmanager
def duckdb_default_threads():
    """DuckDB's own thread count (one per core) for connections opened inside."""
    _ONE_THREAD["on"] = False
    try:
        yield
    finally:
        _ONE_THREAD["on"] = True


_connect_one_thread.unpatched = _duckdb_connect
duckdb.connect = _connect_one_thread


# Argon2 is slow on purpose (argon2-cffi's defaults: 64 MiB and 3 passes, about 0.2 s a hash
# or a check, times the lanes' threads). What the tests check (who may sign in, sessions,
# throttling, roles) does not depend on the cost, so they hash and check with argon2id at its
# smallest; dashboard/users.py keeps the defaults for real use (tests/test_serve.py checks it).
PRODUCTION_HASHER = users._HASHER
users._HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def _load_small(path: Path) -> None:
    from etl.load import load_files

    load_files(SMALL_FILES, path)


def _build_demo(path: Path) -> None:
    from etl.demo import build_demo

    with duckdb_default_threads():  # built as `outcomes demo` builds it
        build_demo(path, path.parent / "files")


@pytest.fixture(scope="session")
def small_warehouse():
    """A warehouse built from tests/fixtures/small through the real loader (read it only; built
    once for both xdist workers and later runs, see tests/built_once.py)."""
    path = built_once("small", _load_small, SMALL_FILES)
    yield path
    check_unchanged(path)


@pytest.fixture(scope="session")
def demo_warehouse():
    """The calibrated synthetic demo warehouse at scale 1 (read it only; built once for both
    xdist workers and later runs, see tests/built_once.py)."""
    path = built_once("demo", _build_demo)
    yield path
    check_unchanged(path)


@pytest.fixture
def fresh_copy(tmp_path):
    """Copy a warehouse file so a test may load into it without touching the shared one."""

    def copy(src: Path) -> Path:
        dst = tmp_path / src.name
        shutil.copyfile(src, dst)
        return dst

    return copy


@pytest.hookimpl(optionalhook=True)  # dash's plugin declares it; `make test-fast` leaves it out
def pytest_setup_options():
    """Chrome options for dash[testing]'s dash_duo: Debian's chromium, headless."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1000",
    ):
        options.add_argument(arg)
    return options


@pytest.fixture(scope="session", autouse=True)
def _stop_image_engine():
    """Whatever started the shared image engine (an export, the dashboard's warm-up), stop it
    when the session ends so no Chromium outlives the tests."""
    yield
    import sys

    if "exports.images" in sys.modules:
        sys.modules["exports.images"].stop_engine()


# -- test tiers ------------------------------------------------------------------------------------
# `make test-fast` leaves out the tiers below (real Chromium through dash_duo, notebooks in a
# Jupyter kernel, images and reports through kaleido's Chromium); `make test` runs them all. A
# test's tier follows from the fixtures it uses, directly or through other fixtures, so a new
# test cannot forget its marker; one that starts the image engine without asking for it fails.
TIER_FIXTURES = {
    "browser": {"dash_duo", "dash_br", "dash_thread_server", "dash_process_server"},
    "notebook": {"notebook_kernel"},
    "image": {"image_engine"},
}
_RUNNING: dict = {"item": None}


def pytest_collection_modifyitems(items):
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        for tier, fixtures in TIER_FIXTURES.items():
            if used & fixtures:
                item.add_marker(tier)


def _in_slow_tier(item) -> bool:
    return any(item.get_closest_marker(tier) for tier in TIER_FIXTURES)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _RUNNING["item"] = item


@pytest.fixture(scope="session")
def image_engine():
    """Request this in a test (or fixture) that renders images, PDFs or slides: it puts the test
    in the `image` tier. The engine itself starts on first use (exports.images)."""
    from exports import images

    return images


@pytest.fixture(scope="session")
def notebook_kernel():
    """Request this in a test (or fixture) that runs notebooks in a Jupyter kernel: it puts the
    test in the `notebook` tier."""


@pytest.fixture(scope="session", autouse=True)
def _image_engine_only_in_its_tier():
    """Outside the slow tiers, starting the image engine fails the test (pytest.fail escapes the
    code's own `except Exception`), so the fast tier never pays for Chromium unawares."""
    import kaleido  # guarded where Chromium starts: callers may hold start_engine by name

    real = kaleido.start_sync_server

    def start_sync_server(*args, **kwargs):
        item = _RUNNING["item"]
        if item is not None and not _in_slow_tier(item):
            pytest.fail(f"{item.nodeid} starts the image engine (Chromium): request the "
                        "`image_engine` fixture so it runs in the `image` tier", pytrace=False)
        return real(*args, **kwargs)

    kaleido.start_sync_server = start_sync_server
    yield
    kaleido.start_sync_server = real


@pytest.fixture(autouse=True)
def _no_engine_warmup_in_the_fast_tier(request, monkeypatch):
    """create_app() warms the image engine in a thread; in the fast tier nothing may start it."""
    if not _in_slow_tier(request.node):
        monkeypatch.setenv("OUTCOMES_EXPORT_WARMUP", "0")
