# Amity: `make run` serves a development node on http://localhost:8080; `make test` runs everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DATA   := data
CONFIG := $(DATA)/amity.toml

.PHONY: run test lint bench clean-data

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Runtime dependencies only, so `make run` starts fast on a fresh machine.
$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.runtime
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(CONFIG): | $(VENV)/.runtime
	$(BIN)/amity --config $(CONFIG) init --domain localhost:8080 --scheme http \
	  --allow-private-host 127.0.0.0/8 --allow-private-host ::1/128 --allow-private-host localhost

run: $(VENV)/.runtime $(CONFIG)
	$(BIN)/amity --config $(CONFIG) serve --host 127.0.0.1 --port 8080

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/mypy

# The Fedify peer used by tests/interop (skipped, with the reason, where npm is missing).
PEER := tests/interop/peer
$(PEER)/node_modules/.installed: $(PEER)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  (cd $(PEER) && npm ci --no-audit --no-fund --loglevel=error) && touch $@; \
	else echo "npm not found: the interop tests with the Fedify peer will be skipped"; fi

# The whole suite: lint, types, then the tests (with a throwaway PostgreSQL when installed).
test: lint $(PEER)/node_modules/.installed
	tests/with_postgres.sh $(BIN)/pytest -q $(PYTEST_ARGS)

bench: $(VENV)/.test
	tests/with_postgres.sh $(BIN)/python -m bench.run $(BENCH_ARGS)

clean-data:
	rm -rf $(DATA)
