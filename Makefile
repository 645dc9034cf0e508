# evtwin — every set-up step lives here, so a fresh machine needs only `make run` / `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.12 2>/dev/null || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP_FLAGS := --disable-pip-version-check --quiet

.PHONY: run test check lint imports typecheck bench validate clean frontend

# The central screen's front end (frontend/, Vite + TypeScript + Preact), built into the
# package (src/evtwin/hmi/static, git-ignored). npm ci runs only when the lockfile changes,
# the build only when a source changes (stamps).
FRONT := frontend
FRONT_SRC := $(shell find $(FRONT)/src $(FRONT)/public -type f 2>/dev/null) \
	$(FRONT)/index.html $(FRONT)/fleet.html $(FRONT)/vite.config.ts $(FRONT)/tsconfig.json
FRONT_DEPS := $(FRONT)/node_modules/.installed
FRONT_STAMP := src/evtwin/hmi/static/.built

$(FRONT_DEPS): $(FRONT)/package.json $(FRONT)/package-lock.json
	@command -v npm >/dev/null || { echo "the screen needs Node.js 20 and npm (apt-get install nodejs npm)" >&2; exit 1; }
	cd $(FRONT) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(FRONT_STAMP): $(FRONT_DEPS) $(FRONT_SRC)
	cd $(FRONT) && npm run --silent build
	@touch $@

frontend: $(FRONT_STAMP)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 12), f"evtwin needs Python 3.12 (see .python-version), found {sys.version.split()[0]} at {sys.executable}"'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install $(PIP_FLAGS) --upgrade pip==25.3
	$(BIN)/pip install $(PIP_FLAGS) -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

# A Velocitas vehicle app (velocitas-sdk, whose pins clash with ours) runs against the twin in
# tests/signals/test_velocitas_app.py from a virtualenv of its own.
VELOCITAS := .venv-velocitas
$(VELOCITAS)/.installed: tests/signals/velocitas-requirements.lock
	$(PYTHON) -m venv $(VELOCITAS)
	$(VELOCITAS)/bin/pip install $(PIP_FLAGS) -r tests/signals/velocitas-requirements.lock
	@touch $@

run: $(STAMP) $(FRONT_STAMP)
	$(BIN)/evtwin up

test: $(STAMP) $(FRONT_STAMP) $(VELOCITAS)/.installed
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools

typecheck: $(STAMP)
	$(BIN)/mypy

# The floors (import-linter contracts in pyproject.toml). --no-cache: a stale grimp cache
# has hidden broken contracts.
imports: $(STAMP)
	$(BIN)/lint-imports --no-cache

check: lint imports typecheck test

validate: $(STAMP)
	$(BIN)/evtwin validate

$(VENV)/.bench-installed: $(STAMP)
	$(BIN)/pip install $(PIP_FLAGS) -c requirements.lock -e '.[dev,bench]'
	@touch $@

bench: $(VENV)/.bench-installed
	RUST_LIB_BACKTRACE=0 $(BIN)/python benchmarks/bench_fastsim.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
