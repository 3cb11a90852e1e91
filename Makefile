# isee-assistant — one entry point for setting up, building, running and testing.
# `make run` and `make test` do everything on a fresh machine; every step is cached.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

BUILD := .build
VENV := .venv
RASA_VENV := .venv-rasa
MODEL := models/isee.tar.gz
SPACY_VI := $(BUILD)/spacy_vi
INDEX := $(BUILD)/search/current/manifest.json
PORTAL_DB := $(BUILD)/portal.seeded
BUILD_THREADS := 2  # embedding threads of the index build (searches use one thread each)

# Python 3.11 runs the project; Rasa 3.6 needs Python 3.10 (on PATH or installed through pyenv).
PY311 ?= $(shell scripts/find-python 3.11)
PY310 ?= $(shell scripts/find-python 3.10)

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export OMP_NUM_THREADS := 1
export TOKENIZERS_PARALLELISM := false
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Development secrets (the portal API key, the privacy hash key) are refused unless this says
# development; production sets ISEE_ENV=production and real secrets (docs/privacy.md).
export ISEE_ENV ?= development

RASA_DATA := $(shell find data rasa_components -name "*.yml" -o -name "*.py" 2>/dev/null) config.yml domain.yml
KB_FILES := $(shell find knowledge_base -name '*.yml' 2>/dev/null)

.PHONY: help setup train index portal-db run test test-unit test-e2e lint bench bench-load clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: $(VENV)/.stamp $(RASA_VENV)/.stamp $(SPACY_VI)/meta.json ## Create both virtual environments (cached)

$(VENV)/.stamp: requirements/app.lock pyproject.toml
	@test -n "$(PY311)" || { echo "Python 3.11 not found: install it (e.g. 'pyenv install 3.11.7') and retry." >&2; exit 1; }
	@echo ">> creating $(VENV) with $(PY311)"
	$(PY311) -m venv $(VENV)
	$(VENV)/bin/pip install -q torch==2.13.0
	$(VENV)/bin/pip install -q -c requirements/app.lock -e '.[dev]'
	touch $@

$(RASA_VENV)/.stamp: requirements/rasa.lock
	@test -n "$(PY310)" || { echo "Rasa 3.6 needs Python 3.10, none found: install it (e.g. 'pyenv install 3.10.13') and retry." >&2; exit 1; }
	@echo ">> creating $(RASA_VENV) with $(PY310)"
	$(PY310) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install -q --upgrade pip==25.3
	$(RASA_VENV)/bin/pip install -q -r requirements/rasa.lock
	touch $@

$(SPACY_VI)/meta.json: scripts/make_spacy_vi.py $(RASA_VENV)/.stamp
	$(RASA_VENV)/bin/python scripts/make_spacy_vi.py $(SPACY_VI)

train: $(MODEL) ## Train the Rasa model when data, config or domain changed

$(MODEL): $(RASA_VENV)/.stamp $(SPACY_VI)/meta.json $(RASA_DATA)
	@echo ">> training the Rasa model"
	$(RASA_VENV)/bin/rasa train --fixed-model-name isee --out models --num-threads 2
	touch $@

index: $(INDEX) ## Build the search index when the knowledge base changed

$(INDEX): $(VENV)/.stamp $(KB_FILES)
	OMP_NUM_THREADS=$(BUILD_THREADS) $(VENV)/bin/isee kb build

portal-db: $(PORTAL_DB) ## Create and seed the reference portal database

$(PORTAL_DB): $(VENV)/.stamp $(KB_FILES)
	$(VENV)/bin/isee portal migrate
	$(VENV)/bin/isee portal seed --dossiers 2000 --seed 1
	touch $@

run: setup train index portal-db ## Set up, build and start the whole assistant on loopback
	$(VENV)/bin/honcho start -f Procfile

test: setup train index ## Set up and run every test (starts a throwaway PostgreSQL on loopback)
	$(RASA_VENV)/bin/rasa data validate --fail-on-warnings
	$(VENV)/bin/ruff check .
	trap 'scripts/test-postgres stop' EXIT; \
	ISEE_TEST_POSTGRES_URL="$$(scripts/test-postgres start)" $(VENV)/bin/pytest -q

test-unit: $(VENV)/.stamp ## Fast unit tests only
	$(VENV)/bin/pytest -q tests/unit

lint: $(VENV)/.stamp ## Lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: setup train index ## Print speed and memory figures (search, then dialogue)
	OMP_NUM_THREADS=$(BUILD_THREADS) $(VENV)/bin/python bench/search_bench.py
	PYTHONPATH=. $(VENV)/bin/python bench/dialogue_bench.py

bench-load: setup train index ## Load test: LOAD_USERS citizens chat for LOAD_SECONDS (default 50, 120)
	PYTHONPATH=. $(VENV)/bin/python bench/load_bench.py

clean: ## Remove build output (keeps the virtual environments)
	rm -rf $(BUILD) models
