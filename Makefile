# Developer entry points. `make help` lists them.
#
# The virtualenv is rebuilt only when pyproject.toml is newer than the stamp
# file .venv/.installed, so `make test` / `make run` are cheap to repeat.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV := .venv
STAMP := $(VENV)/.installed
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: help venv run demo test lint clean bench-progress bench-leaderboard

help: ## Show this list
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*## "}; {printf "  make %-18s %s\n", $$1, $$2}'

venv: $(STAMP) ## Create .venv and install the project with its test extra

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "python3.11 not found (Debian: apt-get install python3 python3-venv)" >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -e '.[test]'
	@touch $@

run: $(STAMP) ## Run API, worker, beat and Flower locally (see docs/operations.md)
	exec scripts/run

demo: ## Drive a running `make run` like a client app: course, learners, attempts, progress, ranks
	python3 scripts/demo.py

test: $(STAMP) ## Validate compose.yaml, run the test suite (PYTEST_ARGS=...) and ruff
	scripts/check-compose
	$(PY) -m pytest $(PYTEST_ARGS)
	$(VENV)/bin/ruff check .

lint: $(STAMP) ## ruff, plus shellcheck on the shell scripts when it is installed
	$(VENV)/bin/ruff check .
	@if command -v shellcheck >/dev/null; then \
		echo "shellcheck scripts/run scripts/check-compose .ci/run"; \
		shellcheck scripts/run scripts/check-compose .ci/run; \
	else \
		echo "shellcheck not installed; skipped (apt-get install shellcheck)"; \
	fi

bench-progress: $(STAMP) ## Benchmark the progress calculation (prints a table)
	$(PY) -m bench.progress

bench-leaderboard: $(STAMP) ## Benchmark leaderboard reads and writes (prints a table)
	$(PY) -m bench.leaderboard

clean: ## Remove .venv, caches and local run state (.run/)
	rm -rf $(VENV) .pytest_cache .ruff_cache .run build *.egg-info
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
