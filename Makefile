# Saiwu. `make run` starts the demo on SQLite; `make test` runs every test. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app:create_app
APP_DEBS := fonts-noto-cjk libharfbuzz-subset0 poppler-utils
TEST_DEBS := $(APP_DEBS) chromium zbar-tools
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup debs-app debs-test lint bench bench-load serve worker translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

setup: $(VENV)/.installed

debs-app:
	@bin/ensure-debs $(APP_DEBS)

debs-test:
	@bin/ensure-debs $(TEST_DEBS)

# Applies migrations to instance/saiwu.db, loads the demo contest once, starts the job worker, serves.
run: setup debs-app
	$(BIN)/flask db upgrade
	$(BIN)/flask demo
	@echo "Serving on http://$(HOST):$(PORT) (the certificate job worker runs beside it)"
	$(BIN)/huey_consumer certificates.jobs.huey -w 2 -k thread & trap 'kill $$!' EXIT; \
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# The certificate job worker alone (production: one or more beside the app servers).
worker: setup
	$(BIN)/huey_consumer certificates.jobs.huey -w 2 -k thread

test: setup debs-test
	$(BIN)/pytest -q -p no:cacheprovider -n 2 $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .

bench: setup debs-test
	@for b in bench/bench_*.py; do [ $$b = bench/bench_load.py ] && continue; echo "== $$b"; $(BIN)/python $$b || exit 1; done

# gunicorn on PostgreSQL driven by a second process for 60 s, against a bare Flask app (see bench/bench_load.py)
bench-load: setup
	$(BIN)/pip install -q aiohttp
	$(BIN)/python bench/bench_load.py $(BENCH_ARGS)

translations: setup
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k Msg -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations -l en --no-fuzzy-matching
	$(BIN)/pybabel compile -d app/translations

# Production: gunicorn on PostgreSQL (DATABASE_URL), Redis for rate limits and jobs (REDIS_URL). See docs/deploy.md.
serve: setup debs-app
	@test -n "$$DATABASE_URL" || { echo "Set DATABASE_URL=postgresql://… (and SECRET_KEY, REDIS_URL); see docs/deploy.md"; exit 2; }
	SAIWU_ENV=production $(BIN)/flask db upgrade
	SAIWU_ENV=production $(BIN)/gunicorn -c gunicorn.conf.py "app:create_app()"

clean:
	rm -rf $(VENV) instance/saiwu.db* .pytest_cache
