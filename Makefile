# The README's two commands: `make run` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
WAREHOUSE ?= $(or $(OUTCOMES_WAREHOUSE),data/outcomes.duckdb)
HOST ?= 127.0.0.1
PORT ?= 8050

.PHONY: run test test-fast lint demo notebooks bench system-deps clean

# Runtime install (dashboard, ETL, exports).
$(VENV)/.run-installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

# Test install: runtime plus test tools and the notebook kernel.
$(VENV)/.test-installed: pyproject.toml $(VENV)/.run-installed
	$(BIN)/python -m pip install -q -e ".[test,notebooks]"
	touch $@

$(WAREHOUSE): | $(VENV)/.run-installed
	$(BIN)/outcomes demo --warehouse $(WAREHOUSE)

demo: $(VENV)/.run-installed
	$(BIN)/outcomes demo --warehouse $(WAREHOUSE) --force

# Production serving (gunicorn, sign-in; see README "Deploying"). First start: prints the
# password of the user `admin` it creates. `python app.py --dev` is the development server.
run: $(VENV)/.run-installed $(WAREHOUSE) system-deps
	OUTCOMES_WAREHOUSE=$(WAREHOUSE) $(BIN)/outcomes serve --host $(HOST) --port $(PORT)

# Debian's chromium (end-to-end tests, static image export) and poppler (PDF checks).
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null \
	     || ! command -v pdftoppm >/dev/null; then \
	  if command -v apt-get >/dev/null; then \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	      chromium chromium-driver poppler-utils fonts-dejavu-core >/dev/null; \
	  else echo "install chromium, chromedriver and poppler-utils" >&2; exit 1; fi; \
	fi

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: $(VENV)/.test-installed system-deps
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest

# The inner loop: everything but the browser, notebook, image and slow tiers (see pyproject.toml).
# PYTHONDONTWRITEBYTECODE= : keep Python's bytecode caches (and pytest's rewritten tests) even
# where the environment turns them off, so each worker does not compile everything again.
# -p no:dash: dash[testing]'s plugin (selenium, trio, bs4) only serves the browser tier.
test-fast: $(VENV)/.test-installed
	$(BIN)/ruff check .
	PYTHONDONTWRITEBYTECODE= OUTCOMES_TEST_TIER=fast $(BIN)/python -m pytest -q -n 2 -p no:dash \
	  -m "not browser and not notebook and not image and not slow"

notebooks: $(VENV)/.test-installed $(WAREHOUSE)
	OUTCOMES_WAREHOUSE=$(abspath $(WAREHOUSE)) $(BIN)/jupyter lab --notebook-dir=notebooks

bench: $(VENV)/.test-installed
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
