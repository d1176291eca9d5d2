# Multitrack: `make run` serves the demo workspace, `make test` runs every check.
# Needs only Python 3.11+ on the machine; everything else is installed into .venv.

PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
MT := $(BIN)/multitrack
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test check lint audit typecheck test-postgres test-browser bench bench-engine bench-load install install-test clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Multitrack needs Python 3.11 or newer; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(MT) migrate --noinput
	$(MT) demo --if-empty
	@echo
	@echo "  Multitrack is serving on http://localhost:$(PORT)/ (127.0.0.1 works too; passkeys need the name localhost)"
	@$(MT) demo --print-login
	@echo "  Opinion maps are recomputed by a background worker (log: var/worker.log)."
	@echo "  Stop both with Ctrl+C."
	@echo
	@mkdir -p var
	@$(MT) db_worker --no-reload > var/worker.log 2>&1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(MT) runserver 127.0.0.1:$(PORT)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -c pyproject.toml -r src -q

# Dependencies against PyPI's (else OSV's) vulnerability data. Fails, rather than passing
# silently, when neither can be reached (as on the development machine): not part of `make test`.
audit: install-test
	$(BIN)/python .ci/pip_audit.py

typecheck: install-test
	$(BIN)/mypy
	$(BIN)/lint-imports

check: install-test
	$(MT) makemigrations --check --dry-run
	$(MT) check

test: lint typecheck check
	$(BIN)/pytest -n 2 --dist loadgroup

# The suite against PostgreSQL (DATABASE_URL must point at a server that lets us create a test db).
test-postgres: install-test
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(BIN)/pytest -n 2 --dist loadgroup

test-browser: install-test
	MULTITRACK_REQUIRE_BROWSER=1 $(BIN)/pytest -m browser

# Benchmarks print their figures; tests never assert timings.
bench: bench-engine
	@if $(BIN)/python bench/pgcluster.py --check; \
	then $(MAKE) --no-print-directory bench-load; \
	else echo "bench-load skipped: PostgreSQL's server programs (initdb, pg_ctl) are not installed"; fi

# The opinion engine: synthetic and real data, red-dwarf 0.4.0 side by side.
bench-engine: install-test
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Consultation voting under load (ramp to the capacity, then hold it and count every vote) and
# faults (PostgreSQL stopped for 10 s during voting; the map worker killed mid-fit). Loopback
# only, bounded in time, each against a throwaway PostgreSQL cluster it starts itself.
bench-load: install-test
	$(BIN)/python bench/load_votes.py
	$(BIN)/python bench/faults.py

clean:
	rm -rf $(VENV) var/static .pytest_cache .mypy_cache .ruff_cache
