# Amity: `make run` serves a development node on http://localhost:8080; `make test` runs everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DATA   := data
CONFIG := $(DATA)/amity.toml

.PHONY: run test lint bench lock clean-data messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Runtime dependencies only, so `make run` starts fast on a fresh machine. Both installs take the
# exact versions in requirements/ (the lock, tested on Python 3.11 to 3.13); `make lock` refreshes it.
$(VENV)/.runtime: pyproject.toml requirements/runtime.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/runtime.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.test: pyproject.toml requirements/test.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements/test.txt
	touch $@

# Re-resolve the lock from pyproject.toml for every Python from 3.11 on (uv's universal mode).
lock: | $(BIN)/python
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --upgrade -q --no-header -o requirements/runtime.txt
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --upgrade -q --no-header --extra test -o requirements/test.txt

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

# The public pages' strings, for translators (ui/web/locale/<lang>/LC_MESSAGES/messages.po).
messages: $(VENV)/.runtime
	mkdir -p ui/web/locale
	$(BIN)/pybabel extract -F ui/web/babel.cfg --no-location -o ui/web/locale/messages.pot .

clean-data:
	rm -rf $(DATA)
