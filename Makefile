# Every target bootstraps its own virtual environment, so a fresh clone needs only Python >= 3.11.
# The project is installed as a normal (non-editable) wheel: Inspect namespaces registry names
# (`tasks/value_conflict`, `organism/...`) only for packages in site-packages, so tests run against
# exactly what users install. The install is redone whenever a source or data file changes.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SOURCES := pyproject.toml $(shell find tasks scorers evals datasets -type f -not -path '*/__pycache__/*' 2>/dev/null)

.PHONY: demo test lint typecheck unit install clean

demo: $(VENV)/.installed
	$(BIN)/schemer-evals demo

test: lint typecheck unit

lint: $(VENV)/.installed
	$(BIN)/ruff check tasks scorers evals tests scripts
	$(BIN)/ruff format --check tasks scorers evals tests scripts

typecheck: $(VENV)/.installed
	$(BIN)/mypy tasks scorers evals tests scripts

unit: $(VENV)/.installed
	$(BIN)/python scripts/offline_tiktoken.py
	$(BIN)/pytest

install: $(VENV)/.installed

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python $(SOURCES)
	$(BIN)/python -m pip install --quiet ".[dev]"
	touch $@

clean:
	rm -rf $(VENV) build dist *.egg-info
