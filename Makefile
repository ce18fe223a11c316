# Everything starts from python3 and make: the first target that needs the
# virtual environment builds it, pinned by constraints.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint typecheck pytest demo bench clean lock check-contract contract

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck pytest

# The demo installs Meltano 4.4.1 into .meltano/cli and the plugins under .meltano/ on first
# use, and keeps its runs in .demo/ (DEMO_ARGS=--fresh forgets them).
DEMO_ARGS ?=
demo: $(STAMP)
	$(BIN)/python -m demo $(DEMO_ARGS)

# Runs every benchmark in benchmarks/ and rewrites docs/benchmarks.md and its plot.
bench: $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,bench]'
	$(BIN)/python -m benchmarks

# The committed API contract against the published spec beside the checkout (maintainers;
# tests read only the committed file). `make contract` rewrites it.
check-contract: $(STAMP)
	$(BIN)/python scripts/vibes_contract.py --check

contract: $(STAMP)
	$(BIN)/python scripts/vibes_contract.py

# Regenerate the pins after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
