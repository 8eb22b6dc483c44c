# OneDoor: two commands. `make run` sets up and serves the demo; `make test` sets up and
# runs every test tier. Everything is installed from lock files (uv.lock, package-lock.json).

PYTHON ?= python3.11
UV_VERSION := 0.13.9
UV := .tools/bin/uv
PY := .venv/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv

# `setup` also checks the Debian packages WeasyPrint loads (scripts/debian-packages, ADR 27).
.PHONY: setup debian-packages run run-postgres test test-sqlite test-future test-postgres test-browser lint format bench bench-postgres clean

setup: .venv/.synced node_modules/.installed debian-packages

debian-packages: .venv/.synced
	./scripts/debian-packages

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

.venv/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	touch $@

run: setup
	./scripts/run

run-postgres: setup
	./scripts/run-postgres

test: setup
	./scripts/test

test-sqlite: setup
	$(PY) -m pytest -m "not browser" -n auto

test-postgres: setup
	$(PY) -m onedoor.testing.postgres -- $(PY) -m pytest -m "not browser" --database-tests-only -n auto

test-browser: setup
	./scripts/test-browser

test-future: setup
	./scripts/test-future

lint: setup
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	ONEDOOR_TESTING=1 $(PY) -m mypy onedoor tests
	.venv/bin/lint-imports

format: setup
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# The benchmarks (onedoor/bench): `make bench BENCH_ARGS="--only B1,B5"`; see the README.
bench: setup
	$(PY) -m onedoor.bench $(BENCH_ARGS)

bench-postgres: setup
	$(PY) -m onedoor.bench --postgres $(BENCH_ARGS)

clean:
	rm -rf .venv .tools node_modules var
