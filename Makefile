# Two commands do everything on a fresh machine:  `make run`  and  `make test`.
# Everything is installed from lock files (uv.lock, reports/package-lock.json).

SHELL := /bin/bash
PYTHON ?= python3
FINSAM_HOME ?= $(CURDIR)/data
export FINSAM_HOME
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
# No telemetry from any tool in the stack (see README, "Telemetry").
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := 1
export UV_NO_PYTHON_DOWNLOADS := 1
export UV_PYTHON := $(PYTHON)

.PHONY: help setup setup-python setup-reports setup-browser setup-postgres run demo-data test test-dbt-units test-subsets test-fast bench lint dev site clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup: setup-python setup-reports  ## Install everything the pipeline needs (locked versions)

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --compile-bytecode: where PYTHONDONTWRITEBYTECODE is set (as on CI), every finsam and dbt process
# would otherwise compile some 5,000 modules at start, about 5 s each time.
setup-python: $(UV)  ## Python environment from uv.lock
	$(UV) sync --frozen --quiet --compile-bytecode

setup-reports:  ## Evidence from reports/package-lock.json, with the offline patch
	@if [ ! -f reports/node_modules/.finsam-installed ] || [ reports/package-lock.json -nt reports/node_modules/.finsam-installed ]; then \
		command -v patch >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq patch >/dev/null; }; \
		cd reports && npm ci --no-audit --no-fund --loglevel=error && bash scripts/apply-patches.sh && touch node_modules/.finsam-installed; \
	else bash reports/scripts/apply-patches.sh >/dev/null; fi  # new patches on an existing install

setup-browser:  ## Debian's chromium for the page tests (needs root, as on CI)
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Only the server's binaries: with create_main_cluster = false the package starts no cluster of its
# own (on port 5432); the tests start theirs (scripts/test_services.py) and stop it.
PG_BIN ?= /usr/lib/postgresql/15/bin
setup-postgres:  ## Debian's PostgreSQL 15 for the lake mode's tests (needs root, as on CI)
	@test -x $(PG_BIN)/pg_ctl || { apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-common >/dev/null \
		&& sed -ri 's/^#?\s*create_main_cluster\s*=.*/create_main_cluster = false/' \
			/etc/postgresql-common/createcluster.conf \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null; } \
		|| echo "PostgreSQL 15 could not be installed here (apt needs root); the lake tests with a PostgreSQL catalog are skipped."

demo-data: setup-python  ## Write demo exports into the landing folder if it is empty
	@mkdir -p "$(FINSAM_HOME)/landing"
	@if [ -z "$$(ls -A "$(FINSAM_HOME)/landing")" ]; then \
		$(BIN)/finsam demo-data --out "$(FINSAM_HOME)/landing"; \
	else echo "Landing folder $(FINSAM_HOME)/landing has files; not adding demo data."; fi

run: setup demo-data  ## Set up, then run the whole pipeline and build the site
	$(BIN)/finsam run

# Two test processes (pytest-xdist) on the two cores: a pipeline run keeps about one core busy.
# tests/conftest.py keeps a module's tests, and the modules that share a costly run, in one process.
# PYTEST_WORKERS=0 runs everything in this process.
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) --dist loadgroup

test: setup setup-browser setup-postgres  ## Set up, then run the whole test suite
	$(BIN)/pytest $(PYTEST_PARALLEL)

test-dbt-units: setup  ## dbt unit tests on a typed, empty build, and the mutations they must catch
	$(BIN)/pytest tests/test_dbt_unit_tests.py

# SUBSETS random subsets (default 50) of nine demo years, each through the real job; SEED=N for
# another draw than the fixed one make test uses
SUBSETS ?= 50
test-subsets: setup-python  ## Sweep random subsets of the demo through the real job; prints runs and failures
	FINSAM_SUBSETS=$(SUBSETS) FINSAM_SUBSET_SWEEP=1 $(if $(SEED),FINSAM_SUBSET_SEED=$(SEED)) \
		$(BIN)/pytest tests/test_random_subsets.py -s -q -p no:cacheprovider

test-fast: setup-python  ## Tests that start no pipeline run and need neither Evidence nor a browser
	$(BIN)/pytest $(PYTEST_PARALLEL) -m "not site and not slow and not pipeline"

# BENCH_ARGS, e.g. --scales 1 10 (default 1 10 100; scale 100 is 2.9 million questionnaires)
bench: setup  ## Time the pipeline per stage at growing scales; results in bench-results/
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

# sqlfluff reads dbt_project/.sqlfluff (the jinja templater: no warehouse, no manifest).
lint: setup-python  ## ruff on the Python, sqlfluff on the dbt models and macros
	$(BIN)/ruff check orchestration tests scripts dbt_project/models
	$(BIN)/ruff format --check orchestration tests scripts dbt_project/models
	cd dbt_project && ../$(BIN)/sqlfluff lint models macros

DAGSTER_PORT ?= 3001
dev: setup  ## Dagster UI on http://127.0.0.1:3001 (DAGSTER_PORT=N for another; same run history as finsam run)
	mkdir -p "$(FINSAM_HOME)/dagster"
	$(BIN)/python -c "from orchestration.settings import load_settings; from orchestration.instance import prepare_dagster_home; from orchestration.dbt_project import prepare_manifest; prepare_dagster_home(load_settings()); prepare_manifest()"
	DAGSTER_HOME="$(FINSAM_HOME)/dagster" $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p $(DAGSTER_PORT)

site: setup-python  ## Serve the built site on http://127.0.0.1:3000 (compressed, as a static host would)
	$(BIN)/finsam serve --port 3000

clean:  ## Remove installed environments (keeps data/)
	rm -rf .venv .tools reports/node_modules reports/.evidence reports/build
