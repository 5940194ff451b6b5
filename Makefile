# Lyo: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint migrate demo clean browser

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Development server on the embedded defaults: SQLite, in-process Celery tasks,
# replies printed to the console instead of sent.
run: export DEBUG = 1
run: export LYO_SEND_BACKEND = console
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Admin: http://127.0.0.1:8000/admin/  (login admin / admin)"
	@echo "  Health: http://127.0.0.1:8000/health"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(STAMP) browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The browser tests need Debian's Chromium and ChromeDriver. Installed here when missing
# and possible (root with apt-get, non-interactive); never fails the build: without them
# the browser tests are skipped with the reason.
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing chromium and chromium-driver for the browser tests..."; \
		( export DEBIAN_FRONTEND=noninteractive; timeout 900 apt-get update -qq \
		  && timeout 900 apt-get install -y -qq chromium chromium-driver ) >/dev/null 2>&1 \
		  || echo "Could not install chromium; the browser tests will be skipped."; \
	else echo "chromium / chromedriver not found (needs root and apt-get to install); the browser tests will be skipped."; fi

# mypy's Django plugin imports the settings: DEBUG=1 gives them their development
# defaults, so no secret or DATABASE_URL is needed to type-check.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	DEBUG=1 $(BIN)/mypy

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .mypy_cache
