# Two entry points: `make demo` runs the program against the local sandbox, `make test` runs every check.
# Both create .venv and install what they need on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint benchmark clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

demo: $(BIN)/.installed
	$(BIN)/python -m sandbox up

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy .

test: lint
	$(BIN)/python -m pytest

benchmark: $(BIN)/.installed
	$(BIN)/python -m benchmarks.acceptance_schedule

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
