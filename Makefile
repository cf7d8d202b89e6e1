# Two commands work on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit unit-postgres services services-stop bench check-model clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/immuno demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

# Two workers; the fleet tests (timings across processes) run alone afterwards.
unit: $(STAMP)
	$(BIN)/pytest -n 2 --ignore=tests/fleet
	$(BIN)/pytest tests/fleet

# The store-backed tests again, on PostgreSQL (a throwaway server: scripts/services.sh).
PG_TESTS ?= tests/store tests/audit tests/identity tests/memory tests/response tests/policy tests/detect tests/core tests/fleet tests/mcp tests/gateway
unit-postgres: $(STAMP) services
	IMMUNO_TEST_STORE=postgresql $(BIN)/pytest -n 2 $(filter-out tests/fleet,$(PG_TESTS))
	IMMUNO_TEST_STORE=postgresql $(BIN)/pytest tests/fleet

services:
	scripts/services.sh start

services-stop:
	scripts/services.sh stop

test: lint typecheck unit unit-postgres

bench: $(STAMP)
	@for b in benchmarks/*_speed.py; do echo "== $$b"; $(BIN)/python $$b; done

# Rebuilds the shipped classifier from ../shared/data and compares it (about 3 min).
check-model: $(STAMP)
	$(BIN)/pip install --quiet -e '.[train]'
	cd training && ../$(BIN)/python train_classifier.py --check

clean:
	scripts/services.sh stop
	rm -rf $(VENV) .immuno .pytest_cache .mypy_cache .ruff_cache
