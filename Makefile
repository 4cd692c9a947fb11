# Two commands do everything: `make run` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# pyenv honours .python-version (3.13); elsewhere python3.12 is tried first.
PYTHON ?= $(shell command -v python3.13 2>/dev/null || command -v python3)
HOST ?= 127.0.0.1
PORT ?= 8000

# make run: embedded defaults (SQLite, filesystem broker, local outbox) unless the environment says otherwise.
RUN_ENV := DEBUG=$${DEBUG:-true} SITE_URL=$${SITE_URL:-http://localhost:$(PORT)}
# make test: real PostgreSQL and Redis on this machine.
TEST_ENV := DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/repair} \
	REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/15} \
	CELERY_BROKER_URL=$${TEST_BROKER_URL:-redis://127.0.0.1:6379/14} \
	SECRET_KEY=test-only-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz \
	DEBUG=false SITE_URL=http://testserver

.PHONY: help
help:
	@echo "make run    set up everything and start the app with a demo couple"
	@echo "make test   run the whole test suite on PostgreSQL, Redis, Celery and Chromium"
	@echo "make check  ruff, mypy and the migrations check"
	@echo "make test-unit  only the tests that need no PostgreSQL, Redis, worker or browser (seconds)"
	@echo "make bench  load benchmarks (seed 2,000 couples, gunicorn + wrk, scale-out, reminders); not part of test"
	@echo "make bench-reminders  only the reminder burst: 100,000 due in one minute (PEOPLE=10000 for a quick run)"

.PHONY: python-version
python-version:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 13) else 1)' || { \
		echo "This project needs Python 3.13 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; \
		echo "With pyenv: 'pyenv install 3.13' (the repo's .python-version asks for it)."; \
		echo "Or point make at one: make run PYTHON=/path/to/python3.13"; exit 1; }

$(STAMP): pyproject.toml | python-version
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

.PHONY: install
install: $(STAMP)

.PHONY: run
run: install
	@$(RUN_ENV) $(PY) manage.py migrate --noinput --verbosity 0
	@$(RUN_ENV) $(PY) manage.py demo
	@echo "Open http://localhost:$(PORT)/  (emails land in http://localhost:$(PORT)/outbox/ when no EMAIL_HOST is set)"
	@trap 'kill 0' EXIT INT TERM; \
	$(RUN_ENV) $(VENV)/bin/celery -A repair worker --beat --concurrency=1 --loglevel=INFO & \
	$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

.PHONY: services
services:
	@bash .ci/services.sh

.PHONY: check
check: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=true $(VENV)/bin/mypy .
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run

# The Nu Html Checker, from npm (scripts off: Debian's Java runs it, nothing is downloaded at install).
VNU_VERSION := 26.9.27
VNU_JAR := $(VENV)/vnu/node_modules/vnu-jar/build/dist/vnu.jar
$(VNU_JAR):
	@command -v npm >/dev/null || { echo "make test: npm is missing (it fetches the Nu Html Checker): apt-get install -y npm"; exit 1; }
	npm install --silent --no-audit --no-fund --no-save --ignore-scripts --prefix $(VENV)/vnu vnu-jar@$(VNU_VERSION)

.PHONY: test
test: check services $(VNU_JAR)
	VNU_JAR=$(VNU_JAR) $(TEST_ENV) $(PY) -m pytest --create-db $(PYTEST_ARGS)

# make test-unit: the tests tests/conftest.py marks `unit` (no database, Redis, worker or browser),
# with PostgreSQL and Redis pointed at a closed port so none can lean on them. `make test` runs
# them too; tests/test_house.py checks that this selection passes with the services unreachable.
UNIT_ENV := DATABASE_URL=postgres://postgres@127.0.0.1:1/no-database-for-unit-tests \
	REDIS_URL=redis://127.0.0.1:1/0 CELERY_BROKER_URL=redis://127.0.0.1:1/1 \
	SECRET_KEY=test-only-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz \
	DEBUG=false SITE_URL=http://testserver

.PHONY: test-unit
test-unit: install
	$(UNIT_ENV) $(PY) -m pytest -m unit $(PYTEST_ARGS)

# make bench: never part of `make test`. Databases and Redis DBs of its own (see docs/performance.md).
# Each can be overridden from the environment (another checkout benching on the same machine).
BENCH_DB ?= repair_load
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/$(BENCH_DB)
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/3
BENCH_BROKER_URL ?= redis://127.0.0.1:6379/2
export BENCH_DATABASE_URL BENCH_REDIS_URL BENCH_BROKER_URL
BENCH_ENV := DATABASE_URL=$(BENCH_DATABASE_URL) \
	REDIS_URL=$(BENCH_REDIS_URL) CELERY_BROKER_URL=$(BENCH_BROKER_URL) \
	SECRET_KEY=bench-only-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz \
	DEBUG=false SITE_URL=http://127.0.0.1:8100 ALLOWED_HOSTS=127.0.0.1,localhost

.PHONY: bench
bench: install services
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& { echo "Installing Debian's wrk for the load bench..."; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }; } \
		|| true
	@command -v wrk >/dev/null || { echo "make bench needs wrk: apt-get install -y wrk"; exit 1; }
	psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $(BENCH_DB)" -c "CREATE DATABASE $(BENCH_DB)"
	$(BENCH_ENV) $(PY) manage.py migrate --noinput --verbosity 0
	$(BENCH_ENV) $(PY) manage.py bench_seed --couples 2000
	$(PY) -m tests.bench.web
	$(PY) -m tests.bench.scale_out
	@if [ -f tests/bench/reminders.py ]; then $(PY) -m tests.bench.reminders; fi

# make bench-reminders: the reminder burst alone (its own database and Redis DB; see
# docs/performance.md, "Reminders"). PEOPLE, WORKERS and CONCURRENCY change its size.
BENCH_REMINDERS_DB ?= repair_bench
BENCH_REMINDERS_REDIS_URL ?= redis://127.0.0.1:6379/10
PEOPLE ?= 100000
WORKERS ?= 2
CONCURRENCY ?= 2

.PHONY: bench-reminders
bench-reminders: install services
	$(PY) -m tests.bench.reminders --people $(PEOPLE) --workers $(WORKERS) \
		--concurrency $(CONCURRENCY) --database $(BENCH_REMINDERS_DB) --redis $(BENCH_REMINDERS_REDIS_URL)
	$(PY) -m tests.bench.mime

.PHONY: clean
clean:
	rm -rf $(VENV) var tests/artifacts
