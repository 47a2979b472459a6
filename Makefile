# The two commands a newcomer needs are `make run` and `make test`; both set themselves up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
NPM ?= npm
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The web pages' front-end packages (htmx, bpmn-js; axe-core for the browser tests), from the
# lockfile; the server serves them from web/node_modules, never from a CDN.
WEB_STAMP := web/node_modules/.installed-stamp
MOTCUA_PORT ?= 8000

.PHONY: help run test check lint typecheck imports clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && $(NPM) ci --no-audit --no-fund --loglevel=error
	touch $(WEB_STAMP)

run: $(STAMP) $(WEB_STAMP) ## migrate var/motcua.db, deploy bpmn/, create demo accounts, serve the web pages, the API and the scheduler on 127.0.0.1:$(MOTCUA_PORT)
	$(BIN)/motcua migrate
	$(BIN)/motcua deploy bpmn
	$(BIN)/motcua demo
	$(BIN)/motcua serve --host 127.0.0.1 --port $(MOTCUA_PORT) --with-scheduler

test: $(STAMP) $(WEB_STAMP) ## run the whole test suite (PostgreSQL tests run when MOTCUA_TEST_POSTGRES_URL is set)
	$(BIN)/python -m pytest

check: lint typecheck imports ## ruff, mypy and the import-linter contracts

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy scripts  # standalone scripts, not a package

imports: $(STAMP)
	$(BIN)/lint-imports

clean: ## remove the virtualenv, the front-end packages and local data
	rm -rf $(VENV) web/node_modules var
