"""Shared fixtures: one small fixture warehouse and one demo warehouse per test session."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def small_warehouse(tmp_path_factory) -> Path:
    """A warehouse built from tests/fixtures/small through the real loader (read it only)."""
    from etl.load import load_files

    path = tmp_path_factory.mktemp("small") / "small.duckdb"
    load_files(SMALL_FILES, path)
    return path


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory) -> Path:
    """The calibrated synthetic demo warehouse at scale 1 (read it only)."""
    from etl.demo import build_demo

    base = tmp_path_factory.mktemp("demo")
    path = base / "demo.duckdb"
    build_demo(path, base / "files")
    return path


@pytest.fixture
def fresh_copy(tmp_path):
    """Copy a warehouse file so a test may load into it without touching the shared one."""

    def copy(src: Path) -> Path:
        dst = tmp_path / src.name
        shutil.copyfile(src, dst)
        return dst

    return copy


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
