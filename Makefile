# Entry points: `make demo` runs the real `pulumi up` against the local sandbox, `make test` runs every
# check, `make test-fast` the provider and program layers only (no served sandbox, no subprocess; under a
# minute). Each creates .venv and installs what it needs on first use, the Pulumi CLI included (built
# from Pulumi's Go modules when no pulumi 3.187+ is on PATH: minutes the first time, then reused).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

HEROKU_CLI := .cache/heroku-cli/node_modules/.bin/heroku

.PHONY: demo test test-fast lint cli benchmark reliability probe aws-conformance clean

# The pulumi-aws the demo runs: sandbox (the sandbox's own) or bridged (built from terraform-provider-aws's
# code by `make aws-conformance`).
AWS_PLUGIN ?= sandbox

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# The Pulumi CLI the sandbox drives (sandbox/pulumi-cli; see sandbox/pulumi_cli.py).
cli: $(BIN)/.installed
	$(BIN)/python -m sandbox cli

demo: $(BIN)/.installed
	$(BIN)/python -m sandbox up --aws-plugin $(AWS_PLUGIN)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy .
	cd examples/vpc-and-peering && MYPYPATH=../.. ../../$(BIN)/mypy --config-file ../../pyproject.toml __main__.py

# The official Heroku CLI (Node 20+), for the test that drives the emulator with it.
$(HEROKU_CLI):
	npm install --silent --no-audit --no-fund --prefix .cache/heroku-cli heroku@11

test: lint $(HEROKU_CLI) cli
	$(BIN)/python -m pytest

test-fast: $(BIN)/.installed
	$(BIN)/python -m pytest -m "provider or program"

benchmark: cli
	$(BIN)/python -m benchmarks.acceptance_schedule
	$(BIN)/python -m benchmarks.scale

# Evidence that the acceptance survives faults: a fault matrix, 20 seeds a mix (about 15 minutes).
reliability: cli
	$(BIN)/python -m benchmarks.reliability_matrix --seeds 20

# A live peering tried as a demanding user would, each case on a fresh sandbox
# (edits, kills, Heroku faults, tokens, AWS's limits; 30-60 minutes). ARGS=--only NAME... runs some.
probe: cli
	$(BIN)/python -m benchmarks.change_probe $(ARGS)

# The sandbox's pulumi-aws beside pulumi-aws built from terraform-provider-aws's code (built once into
# .cache/: 35-75 minutes and ~9.5 GB of memory cold), scenario by scenario. Never part of `make test`.
aws-conformance: $(BIN)/.installed
	$(BIN)/python -m sandbox.aws_conformance

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache .sandbox-state
