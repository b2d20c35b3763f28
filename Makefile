# The README names these targets. `make demo` and `make test` work on a bare machine:
# they create the virtual environment and install everything they need.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
CHECKER_DIR := tests/cypher_checker

.PHONY: demo test test-fast test-neo4j lint format venv tools chromium cypher-checker neo4j-server bench bench-scales bench-national clean

# The package alone (what `make demo` needs), and the package with the test tools.
$(VENV)/.package: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml $(VENV)/.package
	$(PIP) install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.package
	$(VENV)/bin/partnernet analyse sample_data --out out/
	@echo "Open out/report.html and out/network.html in a browser."

# Debian's chromium for the browser tests (Playwright drives it; it never downloads
# a browser of its own). Installed only when missing and we are root.
chromium:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium is missing; install Debian's chromium package (the browser tests need it)." >&2; fi

# Neo4j's own Cypher front end, pinned in $(CHECKER_DIR)/package.json.
cypher-checker:
	@if [ -f $(CHECKER_DIR)/package.json ]; then \
		cd $(CHECKER_DIR) && npm ci --silent --no-audit --no-fund; fi

# The Neo4j 5.26 the live tests run against, embedded in neo4j-server/ and built with
# Maven (offline once its cache holds Neo4j). with-neo4j builds it too.
neo4j-server:
	@neo4j-server/build

tools: chromium cypher-checker

# The whole suite, the live Neo4j tier included: with-neo4j starts one server for the
# run, names it in NEO4J_URI and stops it however pytest ends. Under CI=true a server
# that cannot start fails the run; elsewhere the live tier is skipped, saying why.
test: venv tools
	@neo4j-server/with-neo4j $(PY) -m pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: the suite is broken." >&2; exit 1; fi; \
	exit $$status

# The inner loop: everything but the tests marked slow. `make test` still runs all.
test-fast: venv
	$(PY) -m pytest -m "not slow and not neo4j" -q

# The live tier alone: against the server NEO4J_URI names, else against one of ours.
test-neo4j: venv
	@if [ -n "$$NEO4J_URI" ]; then $(PY) -m pytest -m neo4j; \
	else neo4j-server/with-neo4j $(PY) -m pytest -m neo4j; fi

lint: venv
	$(VENV)/bin/ruff check partnernet tests bench
	$(VENV)/bin/ruff format --check partnernet tests bench
	$(VENV)/bin/mypy partnernet

format: venv
	$(VENV)/bin/ruff format partnernet tests bench
	$(VENV)/bin/ruff check --fix partnernet tests bench

bench: venv neo4j-server
	$(PIP) install --quiet -e '.[bench]'
	$(PY) bench/scales.py --markdown bench/scales-latest.md
	$(PY) bench/analyse_locality.py
	$(PY) bench/metrics_vs_igraph.py --skip-networkx
	$(PY) bench/sample_memory.py
	$(PY) bench/neo4j_load.py

# issue 17's scales alone (no Neo4j): locality, city and region, then national
# (about ten minutes and 3 GB) on its own.
bench-scales: venv
	$(PIP) install --quiet -e '.[bench]'
	$(PY) bench/scales.py --markdown bench/scales-latest.md

bench-national: venv
	$(PIP) install --quiet -e '.[bench]'
	$(PY) bench/scales.py --scale national --markdown bench/scales-national-latest.md

clean:
	rm -rf $(VENV) out big .pytest_cache .mypy_cache .ruff_cache neo4j-server/target
