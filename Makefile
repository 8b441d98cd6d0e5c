# Unrolled: `make run` serves the site, `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Debian's interpreter keeps the standard library world-readable, which the sandbox's
# unprivileged uid needs; anywhere else, the first python3 on PATH.
PYTHON ?= $(shell command -v /usr/bin/python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: help run test lint format bench test-tools

help:
	@echo "make run    serve the site at http://$(HOST):$(PORT)/ (Redis, Celery worker, web)"
	@echo "make test   install what the tests need and run the whole suite"
	@echo "make bench  run the benchmarks in bench/"

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PY) -m pip install --quiet -r requirements-test.txt
	@touch $@

run: export DEBUG ?= true
run: $(VENV)/.installed
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py import_course content/rnn-from-scratch
	$(PY) manage.py ensure_demo_accounts
	$(PY) -m config.stack

# Chromium (browser tests) and PostgreSQL come from Debian's packages when missing; as root
# they are installed, otherwise they must be there already. In CI a missing tool fails.
test-tools:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing:$$missing (install them, or run as root)"; \
	    if [ "$$CI" = true ]; then exit 1; fi; \
	  fi; \
	fi

# axe-core (accessibility rules for the browser tests) from package.json, into node_modules/.
node_modules/.installed: package.json
	npm install --no-save
	@touch $@

test: $(VENV)/.installed-test test-tools node_modules/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.installed-test
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: $(VENV)/.installed-test
	$(PY) bench/sandbox.py
	$(PY) bench/pages.py
	$(PY) bench/e2e.py --database both
