# mentor_app — the two commands in the README: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export MENTOR_APP_ENV ?= development
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-test lint format bench bench-side clean messages translations compile-translations merge-new-strings search-expected loadtest

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

# Compiled catalogues (.mo) are build output, never committed: every install step makes them.
install: $(VENV)/.installed
	$(COMPILE_MO)

install-test: $(VENV)/.installed-test
	$(COMPILE_MO)

# Development server on SQLite with demo data, plus the worker beside it.
# Ctrl-C reaches the server and the worker (same process group); the shell then waits for both
# and ends quietly, so make reports no error. (`kill 0` would signal make itself.)
# E-mailed links (a password reset) are built from PUBLIC_BASE_URL by the worker, which has no
# request to take an address from: without one they would carry no link. Serving elsewhere
# (a phone on the LAN), set PUBLIC_BASE_URL to the address the phone uses.
run: export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
run: install
	$(BIN)/flask --app mentor_app db-upgrade
	$(BIN)/flask --app mentor_app seed-demo --quiet
	$(BIN)/flask --app mentor_app dev-keys
	@$(BIN)/flask --app mentor_app demo-logins
	@echo "Serving on http://$(HOST):$(PORT) (worker running alongside; Ctrl-C stops both)"
	@trap 'trap - INT TERM; kill $$worker $$server 2>/dev/null; wait; exit 0' INT TERM; \
	  $(BIN)/flask --app mentor_app worker & worker=$$!; \
	  $(BIN)/flask --app mentor_app run --host $(HOST) --port $(PORT) --no-reload & server=$$!; \
	  wait $$server; kill $$worker 2>/dev/null; wait

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

# Translations: English is the source; Swedish and German catalogues live in mentor_app/translations.
TRANSLATIONS := mentor_app/translations
POT := $(TRANSLATIONS)/messages.pot
# _ and gettext/ngettext/pgettext are pybabel's defaults; the lazy forms are this project's.
BABEL_KEYWORDS := -k _ -k _l -k lazy_gettext -k ngettext:1,2 -k lazy_ngettext:1,2 -k pgettext:1c,2
BABEL_FORMAT := --no-wrap --sort-output --add-location=file
COMPILE_MO = @$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics

# Extract every string marked for translation into the template (messages.pot).
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F $(TRANSLATIONS)/babel.cfg $(BABEL_KEYWORDS) $(BABEL_FORMAT) -o $(POT) .

# Extract, merge new and changed msgids into the sv and de catalogues, then compile them.
translations: messages
	$(BIN)/pybabel update -i $(POT) -d $(TRANSLATIONS) --no-fuzzy-matching --no-wrap
	$(MAKE) compile-translations

# A branch's NEW_STRINGS.tsv (msgid, sv, de) into the catalogues: make merge-new-strings TSV=path
merge-new-strings: $(VENV)/.installed
	$(BIN)/python -c "import sys; from pathlib import Path; from mentor_app.i18n.catalogues import merge_new_strings; print(merge_new_strings(Path(sys.argv[1])), 'rows merged')" $(TSV)
	$(COMPILE_MO)

# .po -> .mo for every language; fuzzy entries are left out (they are guesses, not translations).
compile-translations: $(VENV)/.installed
	$(COMPILE_MO)

# After changing a guide, a lexicon or the search ranking: the shared expected top 3 per query.
search-expected: install-test
	MENTOR_APP_ENV=testing $(BIN)/python -m tests.playbooks.expected_results

# The load test (benchmarks/loadtest.py): locust, gunicorn, PostgreSQL and 2 workers on this
# machine, under 5 minutes with the defaults; prints its figures.
$(VENV)/.installed-load: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,load]'
	touch $@

loadtest: $(VENV)/.installed-load
	$(BIN)/python benchmarks/loadtest.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
