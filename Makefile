# The two commands of the README: `make run` and `make test`. Everything they need is
# set up here, on a fresh machine with only Python 3.11.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app transfers
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup db browser lint bench clean translations

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

setup: $(VENV)/.installed

db: setup
	$(FLASK) db upgrade heads
	$(FLASK) demo --if-empty

# The scheduler (deadline sweep every minute) runs as its own process next to the web
# server, never inside web workers; it is stopped when the server stops.
run: db
	@$(FLASK) scheduler & sched=$$!; \
	trap 'kill $$sched 2>/dev/null; wait $$sched 2>/dev/null' EXIT INT TERM; \
	$(FLASK) serve --host $(HOST) --port $(PORT)

# Browser tests drive Debian's chromium, the two-process test starts Debian's redis-server:
# install them when they are missing.
browser:
	@bash .ci/install-chromium.sh
	@bash .ci/redis.sh install

# Lint, format, type checks and the secret scan first (fast), then the whole suite.
test: setup browser lint
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m pip install -q -e '.[bench]'
	bash bench/run_all.sh

lint: setup
	$(BIN)/ruff check transfers workflows tests bench
	$(BIN)/ruff format --check transfers workflows tests bench
	$(BIN)/mypy
	bash .ci/secret-scan.sh

clean:
	rm -rf $(VENV) instance .pytest_cache

# Refresh the catalog after changing interface text: extract every marked string and
# merge it into the English catalog, listing the entries still to translate.
translations: setup
	$(BIN)/python -m transfers.i18n_catalog
