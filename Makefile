# Two commands work on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench check-model clean

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

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

bench: $(STAMP)
	@for b in benchmarks/*_speed.py; do echo "== $$b"; $(BIN)/python $$b; done

# Rebuilds the shipped classifier from ../shared/data and compares it (about 3 min).
check-model: $(STAMP)
	$(BIN)/pip install --quiet -e '.[train]'
	cd training && ../$(BIN)/python train_classifier.py --check

clean:
	rm -rf $(VENV) .immuno .pytest_cache .mypy_cache .ruff_cache
