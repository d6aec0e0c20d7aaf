# The two commands of the README: `make run` and `make test`. Python 3.11 with pip is all
# they need: without DATABASE_URL an embedded PostgreSQL 18 runs from .pgdata/
# (EMBEDDED_PG_PORT=55432 make run adds a TCP listener for a BI tool).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEMO_ORDERS ?= 200000
HOST ?= 127.0.0.1
PORT ?= 8000
# Local demo and test mode: lets the app generate its own secret key into .local/.
export DJANGO_DEMO ?= 1

# The demo's money (docs/DEMO.md): orders in the base currency (REPORTS_BASE_CURRENCY, read from
# the environment as the settings read it) and two others, on every channel of REPORTS_CHANNELS,
# and a rate for each of the two others on every day of the orders' two years (730 days).
comma := ,
empty :=
space := $(empty) $(empty)
DEMO_BASE_CURRENCY = $(or $(strip $(REPORTS_BASE_CURRENCY)),USD)
DEMO_RATE_CURRENCIES = $(subst $(space),$(comma),$(wordlist 1,2,$(filter-out $(DEMO_BASE_CURRENCY),EUR GBP USD)))
DEMO_CURRENCIES = $(DEMO_BASE_CURRENCY),$(DEMO_RATE_CURRENCIES)
DEMO_DAY = $$($(PY) -c 'import datetime as d; print(d.datetime.now(d.UTC).date() - d.timedelta(days=$(1)))')

.PHONY: install run test lint info

$(VENV)/installed.txt: requirements.txt
	@echo "installing Python packages into $(VENV) (first run: about a minute)…"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	cp requirements.txt $@

install: $(VENV)/installed.txt

# The demo keeps its admin password and API key in .local/ across runs; ROTATE=1 makes new ones.
ROTATE ?=

# /metrics adds up the gunicorn workers' samples from files in this directory, one per port so
# two demos never share it; project/gunicorn.conf.py empties it when the server starts and
# drops an exited worker's live gauges. /metrics answers only with METRICS_TOKEN set
# (make run METRICS_TOKEN=...). Logs: JSON from gunicorn (LOG_FORMAT=plain for plain lines).
METRICS_DIR ?= .local/metrics-$(PORT)

# Workers: gevent (project/gunicorn.conf.py), so a client sending its request slowly holds one
# greenlet, not a worker, and /healthz keeps answering without a proxy in front.
# check_port goes first: with a server already on HOST:PORT, a second `make run` stops there,
# before anything changes. The refresher (refresh_reports --follow) runs beside gunicorn and
# stops with it.
run: install
	$(PY) manage.py check_port --host $(HOST) --port $(PORT)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py generateorders --orders $(DEMO_ORDERS) --if-empty \
	    --currencies $(DEMO_CURRENCIES) --channels all
	$(PY) manage.py generate_rates --currencies $(DEMO_RATE_CURRENCIES) \
	    --from $(call DEMO_DAY,730) --to $(call DEMO_DAY,0)
	@echo "building the reports (the first build of a new demo takes a while)…"
	$(PY) manage.py refresh_reports
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(PY) manage.py prepare_demo --base-url http://$(HOST):$(PORT)$(if $(filter-out 0 no false,$(ROTATE)), --rotate)
	$(PY) manage.py refresh_reports --follow & follower=$$!; \
	trap 'kill $$follower 2>/dev/null; wait $$follower' EXIT INT TERM; \
	PROMETHEUS_MULTIPROC_DIR=$(METRICS_DIR) ACCESS_LOG_FILE=.local/access-$(PORT).log \
	$(VENV)/bin/gunicorn project.wsgi -c project/gunicorn.conf.py --bind $(HOST):$(PORT) --workers 2 \
	    --control-socket .local/gunicorn-$(PORT).ctl

# The banner of `make run` again (addresses, admin password, API key), changing nothing.
info: install
	@$(PY) manage.py prepare_demo --base-url http://$(HOST):$(PORT)

test: install
	$(PY) -m pytest

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

# The predicted customer value (docs/DESIGN.md §13): the optional extra, then a first fit.
.PHONY: clv
clv: install
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-clv.txt
	$(PY) manage.py fit_clv

# The load test (docs/LOAD.md): locust, headless, against gunicorn on loopback while
# refresh_reports runs in a loop. Its own requirements stay out of requirements.txt.
# Options through LOADTEST_ARGS, e.g. make loadtest LOADTEST_ARGS="--seconds 15 --no-doc".
LOADTEST_ARGS ?=
.PHONY: loadtest

$(VENV)/loadtest-installed.txt: loadtest/requirements.txt $(VENV)/installed.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r loadtest/requirements.txt
	cp loadtest/requirements.txt $@

loadtest: $(VENV)/loadtest-installed.txt
	$(PY) -m loadtest.run $(LOADTEST_ARGS)
