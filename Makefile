# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install run test lint bench-help messages serve

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py load_regions
	DEBUG=1 $(BIN)/python manage.py seed_demo
	DEBUG=1 $(BIN)/python manage.py recount_reports
	@# The background worker (report recounts, large imports) runs next to the
	@# server and stops with it.
	DEBUG=1 $(BIN)/python manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT; \
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

# axe-core for the accessibility tests (package-lock.json); npm writes
# node_modules/.package-lock.json last. Without npm those tests skip.
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --no-audit --no-fund --loglevel=error; \
	else \
		echo "npm not found: the accessibility tests will be skipped (apt-get install nodejs npm)" >&2; \
	fi

test: install node_modules/.package-lock.json
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Production (docs/deployment.md): settings from the environment or .env,
# static files collected (hashed, compressed), then gunicorn as configured in
# config/gunicorn.conf.py, which refuses to start while migrations are unapplied.
serve:
	@test -x $(BIN)/gunicorn || { echo "No $(BIN)/gunicorn: run 'make install' first." >&2; exit 1; }
	DJANGO_SETTINGS_MODULE=config.settings.prod $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DJANGO_SETTINGS_MODULE=config.settings.prod exec $(BIN)/gunicorn --config config/gunicorn.conf.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The English catalogue: collect new Indonesian msgids into locale/en, then
# compile django.mo (committed, so running the app needs no gettext).
messages: install
	DEBUG=1 $(BIN)/python manage.py makemessages -l en --ignore=$(VENV) --ignore=staticfiles --ignore=test-artifacts --no-obsolete
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=$(VENV)
