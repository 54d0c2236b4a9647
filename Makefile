# Custody: `make demo` runs the service with demo data on SQLite; `make test` runs every test.
PYTHON ?= python3
TEST_WORKERS ?= 2  # pytest-xdist processes: every test has its own databases, ports and keys
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test check bench bench-smoke system-deps postgres clean

$(STAMP): pyproject.toml setup.py app/ledger/_accel.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]' --config-settings editable_mode=compat
	touch $@

system-deps:
	@scripts/system-deps.sh

postgres:
	@scripts/ensure-postgres.sh

demo: system-deps $(STAMP)
	$(BIN)/custody demo

test: system-deps $(STAMP) postgres
	@$(BIN)/pytest --collect-only -q > .collect.log || (cat .collect.log; exit 1)  # fail fast: xdist runs on past a broken module
	$(BIN)/pytest -n $(TEST_WORKERS) --junitxml=.test-report.xml $(PYTEST_ARGS)

check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(STAMP) postgres
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

bench-smoke: $(STAMP) postgres
	@for b in benchmarks/bench_*.py; do echo "== $$b --smoke"; $(BIN)/python $$b --smoke || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis custody.db* .test-report.xml .collect.log
