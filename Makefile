# Lyo: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Port of the development server: `make run PORT=8001` when 8000 is taken.
PORT ?= 8000
DEV_URL := http://127.0.0.1:$(PORT)

.PHONY: run onboard test install lint migrate demo clean browser

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Development server on the embedded defaults: SQLite, in-process Celery tasks,
# replies printed to the console instead of sent.
# PORT is exported so that what the server prints or builds links from uses it too.
run: export DEBUG = 1
run: export LYO_SEND_BACKEND = console
run: export PORT := $(PORT)
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Admin: $(DEV_URL)/admin/  (login admin / admin)"
	@echo "  Try the assistant: $(DEV_URL)/admin/try/"
	@echo "  Health: $(DEV_URL)/health"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Onboard a business into the development database from a YAML file, e.g.
# `make onboard FILE=docs/examples/salon.yaml EMAIL=owner@example.com [PORT=8001]`:
# the links it prints open on the server `make run` started on that port.
onboard: export DEBUG = 1
onboard: export PORT := $(PORT)
onboard: $(STAMP)
	@test -n "$(FILE)" || { echo "Usage: make onboard FILE=docs/examples/restaurant.yaml [EMAIL=owner@example.com] [PORT=$(PORT)]"; exit 2; }
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py onboard_tenant --file "$(FILE)" $(if $(EMAIL),--staff-email "$(EMAIL)") --base-url $(DEV_URL)

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
