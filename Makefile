# Sigap developer and operator entry points. See README.md.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
SIGAP := $(VENV)/bin/sigap
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint typecheck check bench bench-web bench-customer bench-sla bench-sweep bench-metrics bench-safety bench-triage bench-email bench-profile serve clean

# The packages are installed with uv (from PyPI, into the virtualenv): the same pinned
# versions as pip would take, in about 6 s instead of about 36 s on a fresh machine.
UV_VERSION := 0.9.30
UV := $(VENV)/bin/uv

$(UV):
	@command -v $(PYTHON) >/dev/null || { echo "Sigap needs $(PYTHON) (Python 3.11)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml $(UV)
	$(UV) pip install --quiet --compile-bytecode --python $(PY) -e .
	touch $@

# One resolution for the development install (the runtime one alone is a subset of it).
$(VENV)/.dev-installed: pyproject.toml $(UV)
	$(UV) pip install --quiet --compile-bytecode --python $(PY) -e '.[dev]'
	touch $(VENV)/.installed $@

## demo: install, migrate, load the demo data, print the logins and serve on :8000 (PORT=8202 for another)
demo: $(VENV)/.installed
	$(SIGAP) migrate --verbosity 0
	$(SIGAP) demo --host $(HOST) --port $(PORT)
	$(SIGAP) serve --no-migrate --host $(HOST) --port $(PORT)

serve: $(VENV)/.installed
	$(SIGAP) serve --host $(HOST) --port $(PORT)

# The single sign-on tests' OpenID provider (node's oidc-provider, tests/oidc_provider/);
# without npm those tests are skipped with the reason.
OIDC_PROVIDER := tests/oidc_provider
$(OIDC_PROVIDER)/node_modules/.package-lock.json: $(OIDC_PROVIDER)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(OIDC_PROVIDER) --no-audit --no-fund --loglevel=error; \
	else echo "no npm: the single sign-on tests will be skipped"; fi

## test: the whole suite on SQLite, then again on PostgreSQL when it is reachable
# Sigap's own modules compiled once, even where PYTHONDONTWRITEBYTECODE is set: the suite
# starts many Python processes (xdist workers, real servers and workers), each of which
# would otherwise compile every module again.
test: $(VENV)/.dev-installed $(OIDC_PROVIDER)/node_modules/.package-lock.json
	PYTHONDONTWRITEBYTECODE= $(PY) -m compileall -q -j 0 src tests conftest.py >/dev/null
	$(PY) scripts/run_tests.py

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check src tests bench scripts conftest.py
	$(VENV)/bin/ruff format --check src tests bench scripts conftest.py
	$(VENV)/bin/lint-imports --no-logo  # the apps' import direction (pyproject.toml, docs/architecture.md)
	$(PY) scripts/check_imports.py

# mypy's cache lives in the user's cache folder, not in the checkout: a fresh checkout on
# the same machine (CI's) checks only what changed, as mypy's incremental mode does in one
# checkout (a module whose text changed is checked again, whatever its path). From nothing,
# `mypy src` took 21.7 s of CPU; with the cache of another checkout of the same tree, 1.7 s
# (2026-12-07). `make typecheck MYPY_CACHE=…` puts it elsewhere; without a home folder
# (HOME unset) it stays in the checkout, under var/.
MYPY_CACHE ?= $(or $(XDG_CACHE_HOME),$(if $(HOME),$(HOME)/.cache,$(CURDIR)/var))/sigap-mypy

# mypy's Django plugin loads sigap.test_settings, whose throwaway data directory is removed
# at exit, and mypy ends without running exit handlers: give it one under var/ instead.
typecheck: $(VENV)/.dev-installed
	SIGAP_DATA_DIR=$(CURDIR)/var/typecheck $(VENV)/bin/mypy --cache-dir "$(MYPY_CACHE)" src

check: lint typecheck test

## bench: production-like benchmark on PostgreSQL (see bench/README.md)
bench: $(VENV)/.dev-installed
	$(PY) bench/run.py

## bench-web: inbox and ticket page at 1M tickets, live-update latency in chromium
bench-web: $(VENV)/.dev-installed
	$(PY) bench/web.py

## bench-customer: the customer page with a long history at 1M tickets, 200,000 customers
bench-customer: $(VENV)/.dev-installed
	$(PY) bench/customer.py

## bench-profile: py-spy samples of the ticket page and the API's reads (docs/decisions/0009)
bench-profile: $(VENV)/.dev-installed
	$(PY) bench/pyspy.py

## bench-sla: due-time computation speed (SLA policies, business calendars)
bench-sla: $(VENV)/.dev-installed
	$(PY) bench/sla.py

## bench-sweep: the periodic SLA sweep among 1M tickets
bench-sweep: $(VENV)/.dev-installed
	$(PY) bench/sweep.py

## bench-metrics: monthly KPI report, dashboard, and the facts' upkeep at 1M tickets
bench-metrics: $(VENV)/.dev-installed
	$(PY) bench/metrics.py

## bench-email: email ingestion (parse, thread, store) on PostgreSQL
bench-email: $(VENV)/.dev-installed
	$(PY) bench/mail.py

## bench-triage: the triage models' held-out quality and classification speed
bench-triage: $(VENV)/.dev-installed
	$(PY) bench/triage.py

## bench-safety: the safety detector's recall/precision and classification speed
bench-safety: $(VENV)/.dev-installed
	$(PY) bench/safety.py

clean:
	rm -rf $(VENV) var build dist src/*.egg-info
