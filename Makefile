# backtrack — every target sets itself up: a .venv in the repo, installed from the lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONHASHSEED := 0

.PHONY: setup demo test lint format typecheck bench lock dashboard clean docs

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "backtrack needs Python >= 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: setup
	$(BIN)/backtrack demo --data-dir demo-data

test: setup lint
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python -m benchmarks.ingest_vs_fitparse
	$(BIN)/python -m benchmarks.apple_health

# The dashboard on the demo data (run `make demo` first); another data dir: DATA=path
DATA ?= demo-data/data
dashboard: setup
	BACKTRACK_DATA_DIR=$(DATA) $(BIN)/streamlit run dashboards/app.py --server.headless true

docs: setup
	$(BIN)/python -m pipelines.schemas > docs/tables.md

# Re-resolve the lock from pyproject.toml (needs the package registry).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e '.[dev]'
	.lock-venv/bin/pip freeze --exclude-editable --all | grep -v '^pip==' > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) demo-data .pytest_cache .mypy_cache .ruff_cache
