# Rebound: every command a developer, the README and CI use. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
# Lambda's runtime is the Python that runs `chalice package`, so the venv is that Python:
# python3.12 from PATH, else pyenv's newest 3.12 (the machine's `python3` may be older).
PYTHON_VERSION := 3.12
BASE_PYTHON ?= $(shell python$(PYTHON_VERSION) -c 'import sys; print(sys.executable)' 2>/dev/null \
	|| ls -d $$(pyenv root 2>/dev/null || echo ~/.pyenv)/versions/$(PYTHON_VERSION).*/bin/python$(PYTHON_VERSION) 2>/dev/null | sort -V | tail -1)
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: help run test storm check lint typecheck unit integration infra e2e synth bench requirements clean

help: ## list the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -n "$(BASE_PYTHON)" || { echo "Python $(PYTHON_VERSION) not found: install it (pyenv install $(PYTHON_VERSION)) or set BASE_PYTHON"; exit 1; }
	# A venv of another Python (the project was on 3.11) is rebuilt, not patched.
	@$(PY) -c 'import sys; sys.exit(sys.version_info[:2] != tuple(map(int, "$(PYTHON_VERSION)".split("."))))' 2>/dev/null || rm -rf $(VENV)
	$(BASE_PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# compat: a plain .pth path instead of an import-hook finder, which cost every `rebound`
	# command ~25 ms of start-up (measured with python -X importtime)
	$(PY) -m pip install -q -e '.[dev]' --config-settings editable_mode=compat
	# bytecode for the project's own modules, as an installed package ships it: with
	# PYTHONDONTWRITEBYTECODE set (as on the shared machines) every `rebound parse` would
	# otherwise compile ~50 modules at start-up (~20 ms, python -X importtime)
	$(PY) -m compileall -q chalicelib rebound > /dev/null
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

venv: $(STAMP) ## create .venv and install the Python packages

run: $(STAMP) ## run the whole service locally (local AWS stack, SMTP on :2525, API on :8000); Ctrl-C stops
	$(VENV)/bin/rebound local --demo

check: $(STAMP) ## fast checks: ruff, mypy strict on chalicelib, layering contracts, unit tests
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/pytest -q tests/unit -p no:cacheprovider

test: $(STAMP) $(NODE_STAMP) ## everything: lint, types, layering, unit, integration, DynamoDB Local, infra, end-to-end (schemathesis included)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/pytest -q tests -m "not storm" -p no:cacheprovider

storm: $(STAMP) $(NODE_STAMP) ## the full bounce storm: 20,000 deliveries, 16 workers, DynamoDB Local (about half an hour on a busy 2-core machine; REBOUND_STORM_DELIVERIES=N scales it)
	$(VENV)/bin/pytest -q -m storm tests/integration/test_storm.py -p no:cacheprovider

e2e: $(STAMP) ## the end-to-end test of the local stack (SMTP in, API out)
	$(VENV)/bin/pytest -q -m e2e tests/e2e -p no:cacheprovider

synth: $(STAMP) $(NODE_STAMP) ## synthesize offline into infra/cdk.out: cfn-lint, cdk-nag (CDK tree + SAM-expanded), package size
	$(VENV)/bin/python -m rebound.synth

bench: $(STAMP) ## benchmarks: figures and ratios against a baseline in the same run
	$(VENV)/bin/python -m rebound.bench

requirements: ## regenerate requirements.txt (runtime only) from pyproject.toml
	$(PY) -m rebound.requirements > requirements.txt

fmt: $(STAMP) ## format and autofix
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean: ## remove build output (keeps .venv)
	rm -rf infra/cdk.out .chalice/deployments .rebound .pytest_cache
