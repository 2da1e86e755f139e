# Developer entry points. `make help` lists them.
#
# The virtualenv is rebuilt only when pyproject.toml is newer than the stamp
# file .venv/.installed, so `make test` / `make run` are cheap to repeat.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
STAMP := $(VENV)/.installed
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
SHELL_SCRIPTS := scripts/run scripts/system-packages scripts/with-redis scripts/lib.sh .ci/run

.PHONY: help venv run demo test lint clean bench-progress bench-leaderboard bench-load bench-budget chaos

help: ## Show this list
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*## "}; {printf "  make %-18s %s\n", $$1, $$2}'

venv: $(STAMP) ## Create .venv and install the project with its test extra

$(STAMP): pyproject.toml
	@scripts/system-packages venv
	@# Looked up again here: system-packages may just have installed it.
	@test -x $(PY) || $$(command -v python3.11 || command -v python3) -m venv $(VENV)
	$(PY) -m pip install -e '.[test]'
	@touch $@

run: $(STAMP) ## Run API, worker, beat and Flower under supervisord (see docs/operations.md)
	exec scripts/run

demo: ## Drive a running `make run` like a client app: course, learners, attempts, progress, ranks
	python3 scripts/demo.py

test: $(STAMP) ## Validate compose.yaml, check the layers, run the test suite (PYTEST_ARGS=...) and ruff
	scripts/system-packages test
	$(PY) scripts/check_compose.py compose.yaml
	$(VENV)/bin/lint-imports
	scripts/with-redis "$${TEST_REDIS_HOST:-127.0.0.1:6379}" $(PY) -m pytest $(PYTEST_ARGS)
	$(VENV)/bin/ruff check .

lint: $(STAMP) ## ruff, plus shellcheck on the shell scripts when it is installed
	$(VENV)/bin/ruff check .
	@if command -v shellcheck >/dev/null; then \
		echo "shellcheck $(SHELL_SCRIPTS)"; \
		shellcheck -x $(SHELL_SCRIPTS); \
	else \
		echo "shellcheck not installed; skipped (apt-get install -y --no-install-recommends shellcheck)"; \
	fi

bench-progress: $(STAMP) ## Benchmark the progress calculation (prints a table)
	$(PY) -m bench.progress

bench-leaderboard: $(STAMP) ## Benchmark leaderboard reads and writes (prints a table)
	$(PY) -m bench.leaderboard

bench-load: $(STAMP) ## Drive a `make run` stack at rising attempt rates (prints a table)
	$(PY) -m bench.load

bench-budget: $(STAMP) ## Count the Redis/MongoDB/SQL round trips of each hot request (exits 1 over budget)
	$(PY) -m bench.budget

chaos: $(STAMP) ## Inject faults into a `make run` stack under load; table of convergence (docs/reliability.md)
	$(PY) -m bench.chaos

clean: ## Remove .venv, caches and local run state (.run/)
	rm -rf $(VENV) .pytest_cache .ruff_cache .run build *.egg-info
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
