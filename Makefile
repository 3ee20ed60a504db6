# Bibliobridge: `make demo` runs the product with demo data; `make test` passes every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test test-sqlite test-postgres bench lint messages compile-messages check-messages system-deps venv clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# Debian packages a fresh machine lacks: gettext (message extraction), Chromium (browser
# tests), the PostgreSQL server. Installed only when running as root and only if missing.
system-deps:
	@bin/system-deps

compile-messages: $(STAMP)
	$(BIN)/pybabel compile --statistics -d src/bibliobridge/locale -D django

messages: $(STAMP)
	cd src/bibliobridge && ../../$(BIN)/bibliobridge makemessages -l zh_Hans --no-obsolete --no-location
	$(MAKE) compile-messages

check-messages: $(STAMP)
	$(BIN)/python bin/check-messages

demo: $(STAMP) compile-messages
	bin/demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy src/bibliobridge

test: $(STAMP) system-deps compile-messages check-messages
	$(BIN)/ruff check .
	SECRET_KEY=makemigrations-check $(BIN)/bibliobridge makemigrations --check --dry-run
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite: $(STAMP)
	$(BIN)/pytest -p no:cacheprovider

test-postgres: $(STAMP)
	bin/with-postgres $(BIN)/pytest -p no:cacheprovider

# Every benchmark (docs/benchmarks.md); SEARCH_DOCS=100000 for a quicker search index run,
# SCALE_RECORDS=30000 for a quicker catalogue-at-scale run, SCALE_INGEST_BUDGET=<seconds> to
# stop loading holders after that long and measure what was loaded; SCALE_DB_DIR=<dir> keeps
# that catalogue (SQLite) there, measures it again without loading when it is already there,
# and times the ILL rota on it.
SEARCH_DOCS ?= 1000000
SCALE_RECORDS ?= 1000000
SCALE_INGEST_BUDGET ?= 1800
bench: $(STAMP) compile-messages
	$(BIN)/python bench/run.py
	$(BIN)/python bench/marc_read.py
	$(BIN)/python bench/catalog_ingest.py
	$(BIN)/python bench/dedup_quality.py --json var/bench/dedup_quality.json
	$(BIN)/python bench/search_index.py --docs $(SEARCH_DOCS)
	$(BIN)/python bench/catalog_scale.py --records $(SCALE_RECORDS) \
		$(if $(SCALE_INGEST_BUDGET),--max-ingest-seconds $(SCALE_INGEST_BUDGET)) \
		$(if $(SCALE_DB_DIR),--backends sqlite --db-dir $(SCALE_DB_DIR))
	$(if $(SCALE_DB_DIR),$(BIN)/python bench/ill_rota.py --db-dir $(SCALE_DB_DIR))
	$(BIN)/python bench/ill_messages.py
	$(BIN)/python bench/ill_receive.py
	$(BIN)/python bench/exchange_portal.py
	$(BIN)/python bench/exchange_match.py --db --workers 2

clean:
	rm -rf var/test-artifacts var/pg-* .pytest_cache
