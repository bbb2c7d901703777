# Two commands do everything on a fresh machine: `make run` and `make test` (see README.md).
# With DATABASE_URL and CELERY_BROKER_URL set, both use PostgreSQL and Redis instead of the
# embedded SQLite + in-process Celery default.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP_PY := $(VENV)/.installed
STAMP_JS := node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install assets migrate demo worker beat lint format check messages bench clean \
	backup restore

$(STAMP_PY): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(STAMP_JS): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

static/vendor/.built: $(STAMP_JS) scripts/build-assets.mjs
	npm run --silent build
	touch $@

install: $(STAMP_PY) static/vendor/.built

assets: static/vendor/.built

migrate: install
	mkdir -p var
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput

demo: migrate
	DEBUG=$${DEBUG:-1} $(PY) manage.py load_demo

run: demo
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver $(HOST):$(PORT)

worker: install
	DEBUG=$${DEBUG:-1} $(BIN)/celery -A config worker --loglevel=INFO --concurrency=2

beat: install
	DEBUG=$${DEBUG:-1} $(BIN)/celery -A config beat --loglevel=INFO

test: install
	mkdir -p var
	SECRET_KEY=$${SECRET_KEY:-test-only-secret} $(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP_PY)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	SECRET_KEY=$${SECRET_KEY:-not-used-by-mypy} $(BIN)/mypy

format: $(STAMP_PY)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install
	mkdir -p var
	SECRET_KEY=check $(PY) manage.py makemigrations --check --dry-run
	SECRET_KEY=check $(PY) manage.py check

# Backups (README "Backup and restore"): the database of DATABASE_URL (pg_dump --format=custom,
# or a consistent SQLite copy) and the uploaded files, to var/backups/portal-<timestamp>.*;
# restore replaces them from FILE, after asking unless CONFIRM=yes.
backup: $(STAMP_PY)
	mkdir -p var
	SECRET_KEY=$${SECRET_KEY:-not-used-by-backups} $(PY) manage.py backup

restore: $(STAMP_PY)
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/portal-<timestamp>.dump [CONFIRM=yes]"; exit 2; }
	SECRET_KEY=$${SECRET_KEY:-not-used-by-backups} $(PY) manage.py restore "$(FILE)" \
		$(if $(filter yes,$(CONFIRM)),--yes)

# Re-extract translatable strings after changing them, then translate in locale/*/django.po.
messages: $(STAMP_PY)
	DEBUG=1 $(PY) manage.py makemessages -l en -l zh_Hans --no-obsolete --ignore=node_modules --ignore=.venv --ignore=static/vendor
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

# Benchmarks print their figures (issue 5: 100,000 patents imported well under a minute; match
# quality on the labelled set as precision@5 and recall@10).
# Benchmarks (BENCHMARKS.md): province-scale data on PostgreSQL (BENCH_DATABASE_URL, default the
# local server; one database per size, generated once and reused), then every figure of issue 9
# with its baseline measured in the same run.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
bench: install
	mkdir -p var
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/generate.py --size tenth
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/generate.py --size province
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/pages.py
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/reporting.py --size province
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/matching.py --size province
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/patent_import.py
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/patent_export.py
	$(PY) bench/match_quality.py

clean:
	rm -rf $(VENV) node_modules static/vendor var
