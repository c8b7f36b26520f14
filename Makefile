# mentor_app — the two commands in the README: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export MENTOR_APP_ENV ?= development
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-test lint format bench bench-side clean messages search-expected

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# Development server on SQLite with demo data, plus the worker beside it.
run: install
	$(BIN)/flask --app mentor_app db-upgrade
	$(BIN)/flask --app mentor_app seed-demo
	$(BIN)/flask --app mentor_app dev-keys
	@echo "Serving on http://$(HOST):$(PORT) (worker running alongside; Ctrl-C stops both)"
	@trap 'kill 0' EXIT INT TERM; \
	  $(BIN)/flask --app mentor_app worker & \
	  $(BIN)/flask --app mentor_app run --host $(HOST) --port $(PORT) --no-reload

test: install-test
	MENTOR_APP_ENV=testing $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-test
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

# Only the side-by-side run (gunicorn + wrk): BENCH_ROUNDS=5 BENCH_SECONDS=10 for a longer one.
bench-side: install-test
	$(BIN)/python benchmarks/bench_side_by_side.py

# After changing a guide, a lexicon or the search ranking: the shared expected top 3 per query.
search-expected: install-test
	MENTOR_APP_ENV=testing $(BIN)/python -m tests.playbooks.expected_results

# Extract every string marked for translation (Swedish and German catalogues start from it).
messages: install
	$(BIN)/pybabel extract -F mentor_app/translations/babel.cfg -k _l -o mentor_app/translations/messages.pot .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
