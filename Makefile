# The two commands of the README: `make run` and `make test`. Everything a fresh clone needs is
# installed from here; nothing is assumed to be on the machine except Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=
SERVICES_ENV := DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/1}

.PHONY: install run test test-services lint migrate seed worker beat web check-deploy docs clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	@bin/run-all

test: install lint
	$(BIN)/pytest -n auto -m "not services and not live_worker and not e2e" $(PYTEST_ARGS)

test-services: install
	@bin/ensure-services
	@bin/ensure-chromium
	$(SERVICES_ENV) E2E_REQUIRED=1 $(BIN)/pytest -n 2 $(PYTEST_ARGS)

lint: install
	$(BIN)/lint-imports

# Django's deployment checks, then every page through gunicorn with the production settings
# (collectstatic, a throwaway database with the demo data, every persona): bin/check-deploy.
check-deploy: install
	bin/check-deploy

clean:
	rm -rf $(VENV) var db.sqlite3* staticfiles
