# backtrack — every target sets itself up: a .venv in the repo, installed from the lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONHASHSEED := 0

.PHONY: setup demo test test-system lint format typecheck bench bench-more lock dashboard clean docs browser-deps fuzz mutation mutation-full

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "backtrack needs Python >= 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The whole system on the demo cohort (docs/running.md): the cohort is generated (or reused),
# then Prefect server, served flows with the upload worker and dashboard run until Ctrl-C.
demo: setup
	$(BIN)/backtrack-demo --data-dir demo-data
	BACKTRACK_KEY_FILE=$(CURDIR)/demo-data/raw.key $(BIN)/backtrack up \
		--data-dir demo-data/data --prefect-home demo-data/prefect --logs demo-data/logs \
		--banner "sign in as p01 (a participant), coach-a (a coach) or admin; password: backtrack-demo"

test: setup lint browser-deps
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

# The system test (docs/running.md): the whole stack as make demo starts it, an upload through
# Chromium ingested within 5 s of the click. Alone, after make test: its time bound is about
# this system, not about the load of other tests beside it. .ci/run runs both.
test-system: setup browser-deps
	$(BIN)/python -m pytest -q -m system

# The browser tests drive Debian's Chromium with Playwright (no browser download).
browser-deps:
	@test -x /usr/bin/chromium || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The benchmarks ingest into temporary data dirs: their raw files are encrypted with a key of
# their own (docs/encryption.md), made once in build/.
BENCH_KEY := $(CURDIR)/build/bench.key
bench: setup
	test -f $(BENCH_KEY) || $(BIN)/backtrack keys init $(BENCH_KEY) >/dev/null
	BACKTRACK_KEY_FILE=$(BENCH_KEY) $(BIN)/python -m benchmarks.suite

# The detailed benchmarks behind the suite's rows, each with its own page in docs/.
bench-more: setup
	test -f $(BENCH_KEY) || $(BIN)/backtrack keys init $(BENCH_KEY) >/dev/null
	BACKTRACK_KEY_FILE=$(BENCH_KEY) $(BIN)/python -m benchmarks.ingest_vs_fitparse
	BACKTRACK_KEY_FILE=$(BENCH_KEY) $(BIN)/python -m benchmarks.apple_health
	BACKTRACK_KEY_FILE=$(BENCH_KEY) $(BIN)/python -m benchmarks.dashboard
	BACKTRACK_KEY_FILE=$(BENCH_KEY) $(BIN)/python -m benchmarks.dask_runner
	BACKTRACK_KEY_FILE=$(BENCH_KEY) $(BIN)/python -m benchmarks.dask_refresh
	BACKTRACK_KEY_FILE=$(BENCH_KEY) $(BIN)/python -m benchmarks.fit_decoders

# The long fuzz run of every reader (docs/fuzzing.md): FUZZ_INPUTS inputs per reader, timed,
# crashes saved to build/fuzz-crashes; writes the numbers to docs/fuzzing.md. `make test` runs
# a short Hypothesis run of the same harness (tests/fuzz).
FUZZ_INPUTS ?= 10000
fuzz: setup
	$(BIN)/python -m tests.fuzz.run --inputs $(FUZZ_INPUTS)

# Mutation testing of the rules package (pinned mutmut; docs/testing.md, "Mutation testing").
# make mutation: a seeded random sample of SAMPLE mutants (11 minutes here from a fresh
# clone), the package's score estimated with a 95 % interval; fails when its low end is under
# 90 %. make mutation-full: every mutant (5-6 hours here). Results accumulate in mutants/ and
# a later run only re-tests what changed; the report is docs/mutation.md.
# A part of the package: make mutation-full MUTANTS="pipelines.rules.taxonomy*"
SAMPLE ?= 600
SEED ?= 20261207
MUTANTS ?=
mutation: setup
	@start=$$(date +%s); \
	names=$$($(BIN)/python -m tests.mutation.sample --size $(SAMPLE) --seed $(SEED)) || exit 1; \
	if [ -n "$$names" ]; then $(BIN)/mutmut run --max-children 2 $$names || exit 1; fi; \
	$(BIN)/python -m tests.mutation.report --out docs/mutation.md --minimum 90 \
		--minutes $$(( ($$(date +%s) - start) / 60 ))

mutation-full: setup
	@start=$$(date +%s); $(BIN)/mutmut run --max-children 2 $(MUTANTS); \
	$(BIN)/python -m tests.mutation.report --out docs/mutation.md \
		--minutes $$(( ($$(date +%s) - start) / 60 ))

# The dashboard on the demo data (run `make demo` first); another data dir: DATA=path, and its
# raw store's key (docs/encryption.md): BACKTRACK_KEY_FILE from the environment, or KEY=path
DATA ?= demo-data/data
KEY ?= $(or $(BACKTRACK_KEY_FILE),$(CURDIR)/demo-data/raw.key)
dashboard: setup
	BACKTRACK_DATA_DIR=$(DATA) BACKTRACK_KEY_FILE=$(KEY) $(BIN)/streamlit run dashboards/server.py --server.headless true \
		--server.address 127.0.0.1 --server.port 8501 --browser.gatherUsageStats false

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
