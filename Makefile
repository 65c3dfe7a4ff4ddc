# Entry points: `make demo` runs the real `pulumi up` against the local sandbox, `make test` runs every
# check, `make test-fast` the provider and program layers only (no served sandbox, no subprocess; under a
# minute). Each creates .venv and installs what it needs on first use, the Pulumi CLI included (built
# from Pulumi's Go modules when no pulumi 3.187+ is on PATH: minutes the first time, then reused).
#
# Installs come from locks, exactly what was tested: Python from requirements-dev.txt (exact versions and
# hashes, pip's hash-checking mode), the Heroku CLI from tools/heroku-cli/package-lock.json (`npm ci`),
# the Pulumi CLI from sandbox/pulumi-cli/go.sum. `make lock` re-resolves them to the newest versions the
# ranges allow (requirements.in, requirements-dev.in, tools/heroku-cli/package.json); `make upgrade` is
# `make lock`, then the fast tier.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

HEROKU_CLI_DIR := .cache/heroku-cli
HEROKU_CLI := $(HEROKU_CLI_DIR)/.installed

.PHONY: demo test test-installs test-fast lint cli lock upgrade benchmark reliability probe aws-conformance clean

# The pulumi-aws the demo runs: sandbox (the sandbox's own) or bridged (built from terraform-provider-aws's
# code by `make aws-conformance`).
AWS_PLUGIN ?= sandbox

# pip installs uv from its entry in the lock (its hashes), then uv the whole lock: the same files, checked
# against the same hashes, in about a third of pip's time (unpacking and byte-compiling in parallel).
$(BIN)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PYTHON) -m tools.locks entry requirements-dev.txt uv > $(VENV)/uv-requirement.txt
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(VENV)/uv-requirement.txt
	$(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes --no-deps --compile-bytecode -r requirements-dev.txt
	$(BIN)/python -m pip check --quiet
	touch $@

# The Pulumi CLI the sandbox drives (sandbox/pulumi-cli; see sandbox/pulumi_cli.py).
cli: $(BIN)/.installed
	$(BIN)/python -m sandbox cli

demo: $(BIN)/.installed
	$(BIN)/python -m sandbox up --aws-plugin $(AWS_PLUGIN)

# The example is checked on its own (its __main__ would clash with the project's), with the project's cache:
# pulumi_aws, analysed once, is most of a cold check.
lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	cd examples/vpc-and-peering && MYPYPATH=../.. ../../$(BIN)/mypy --config-file ../../pyproject.toml --cache-dir ../../.mypy_cache __main__.py

# The official Heroku CLI (Node 20+), for the tests and the docs that drive the emulator with it.
$(HEROKU_CLI): tools/heroku-cli/package.json tools/heroku-cli/package-lock.json
	mkdir -p $(HEROKU_CLI_DIR)
	cp tools/heroku-cli/package.json tools/heroku-cli/package-lock.json $(HEROKU_CLI_DIR)/
	npm ci --silent --no-audit --no-fund --prefix $(HEROKU_CLI_DIR)
	touch $@

# What the suite needs, installed side by side: the Heroku CLI's `npm ci` needs neither the virtualenv nor the
# Pulumi CLI (on a fresh clone the two chains take about 40 s each, one after the other).
test-installs:
	@$(MAKE) --no-print-directory -j2 cli $(HEROKU_CLI)

# The suite in parallel, whole files per worker (pytest-xdist): one worker more than the cores, as a
# worker spends part of its time waiting on the Pulumi CLI and the sandbox. JOBS=1 runs it in one process.
# Files start in collection order, the longest first (tests/support/schedule.py): without
# --no-loadscope-reorder, xdist would start the files with the most tests first, and the long one-test
# files last. The ten slowest tests are listed at the end of each run.
JOBS ?= $(shell echo $$(( $$(nproc) + 1 )))
PARALLEL = $(if $(filter 1,$(JOBS)),,-n $(JOBS) --dist loadfile --no-loadscope-reorder)
# Lint runs beside the suite (the suite leaves a core's fraction idle while it waits on the CLI); its output
# follows the suite's, and either failing fails the target. PYTEST_ARGS=... narrows the suite (paths, -k).
test: test-installs
	@mkdir -p .cache
	@$(MAKE) --no-print-directory lint > .cache/lint.log 2>&1 & lint=$$!; \
	$(BIN)/python -m pytest --durations=10 $(PARALLEL) $(PYTEST_ARGS); tests=$$?; \
	wait $$lint; linted=$$?; cat .cache/lint.log; \
	if [ $$linted -ne 0 ]; then echo "make test: lint failed (its output is above)"; fi; \
	exit $$(( tests != 0 || linted != 0 ))

test-fast: $(BIN)/.installed
	$(BIN)/python -m pytest -m "provider or program" $(PARALLEL)

# uv (itself pinned in the dev lock) resolves one lock for every platform and every Python from 3.10 on
# (--universal); the program's lock first, then the dev lock constrained to it, so both hold the same versions.
# Each is stamped with what it was made from (tools/locks.py): a test fails when a lock is older than its inputs.
LOCK := $(BIN)/uv pip compile --quiet --universal --python-version 3.10 --generate-hashes --upgrade \
	--custom-compile-command "make lock"
lock: $(BIN)/.installed
	$(LOCK) --output-file requirements.txt requirements.in
	$(BIN)/python -m tools.locks stamp requirements.txt "$$($(BIN)/uv --version)"
	$(LOCK) --constraint requirements.txt --output-file requirements-dev.txt requirements-dev.in
	$(BIN)/python -m tools.locks stamp requirements-dev.txt "$$($(BIN)/uv --version)"
	rm -f tools/heroku-cli/package-lock.json
	npm install --package-lock-only --silent --no-audit --no-fund --prefix tools/heroku-cli

upgrade: lock
	$(MAKE) test-fast

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
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache .sandbox-state Pulumi.sandbox.yaml sandbox.json
