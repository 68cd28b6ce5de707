# Potluck's commands. Two matter: `make run` and `make test`; `make help` lists the rest.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
# Rebuilt whenever pyproject.toml changes.
STAMP := $(VENV)/.potluck-installed
ADDR ?= 127.0.0.1:8000
# pytest-xdist workers; PYTEST_WORKERS=0 runs the suite in one process.
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=
CHROMIUM ?= /usr/bin/chromium
# DEBUG is for development only: it also lets settings use a fixed development secret key.
DEV := POTLUCK_DEBUG=1

.PHONY: help venv run demo test chromium lint fmt messages clean

help:
	@echo "make run       set up, load demo data and serve on http://$(ADDR)/"
	@echo "make test      the whole test suite, browser tests included"
	@echo "make lint      ruff, ruff format --check, mypy, makemigrations --check"
	@echo "make fmt       format and autofix with ruff"
	@echo "make demo      migrate and load the demo networks (safe to repeat)"
	@echo "make messages  update and compile the Spanish and Arabic translations"
	@echo "make venv      create .venv and install Potluck with its dev tools"
	@echo "make clean     remove caches and test databases (keeps .venv and data/)"

venv: $(STAMP)

# The first Python 3.11+ found makes the venv; pip re-runs only when pyproject.toml changes.
$(STAMP): pyproject.toml
	@if [ ! -x $(BIN)/python ]; then \
	  py=""; \
	  for candidate in python3.11 python3; do \
	    if $$candidate -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
	      py=$$candidate; break; \
	    fi; \
	  done; \
	  if [ -z "$$py" ]; then \
	    echo "Potluck needs Python 3.11 or newer: install python3.11 and try again." >&2; \
	    exit 1; \
	  fi; \
	  echo "Creating $(VENV) with $$($$py --version)"; \
	  $$py -m venv $(VENV); \
	fi
	@echo "Installing Potluck and its development tools into $(VENV)..."
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -e '.[dev]'
	@touch $(STAMP)

data:
	@mkdir -p data

run: venv data
	$(DEV) $(BIN)/potluck migrate --noinput --verbosity 0
	$(DEV) $(BIN)/potluck demo
	$(DEV) $(BIN)/potluck runserver $(ADDR)

demo: venv data
	$(DEV) $(BIN)/potluck migrate --noinput --verbosity 0
	$(DEV) $(BIN)/potluck demo

test: venv chromium data
	POTLUCK_TESTING=1 $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Browser tests drive Debian's chromium; Playwright never downloads a browser of its own.
# The printable flyer is set in DejaVu Sans (fonts-dejavu-core), which covers Arabic too.
FONT ?= /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
chromium:
	@if [ ! -x $(CHROMIUM) ] || [ ! -f $(FONT) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-dejavu-core; \
	  elif sudo -n true 2>/dev/null; then \
	    sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-dejavu-core; \
	  else \
	    echo "Chromium or its fonts are missing: run  sudo apt-get install -y chromium fonts-dejavu-core"; \
	    exit 1; \
	  fi; \
	fi

# Every check runs even if an earlier one fails, so one run shows everything to fix.
lint: venv data
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	$(DEV) $(BIN)/mypy . || status=1; \
	$(DEV) $(BIN)/potluck makemigrations --check --dry-run || status=1; \
	exit $$status

fmt: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The compiled .mo files are committed, so only translators need gettext.
messages: venv
	$(DEV) $(BIN)/potluck makemessages -l es -l ar --no-obsolete \
	  --ignore=.venv --ignore=data --ignore=build --ignore=bench
	$(DEV) $(BIN)/potluck compilemessages -l es -l ar --ignore=.venv --ignore=data --ignore=build

clean:
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -print0 | xargs -0 rm -rf
	rm -rf .mypy_cache .ruff_cache .pytest_cache test-results build *.egg-info
	rm -f data/test.sqlite3*
