# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint screenshots docs install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/knotwork studio

# Starts a throwaway PostgreSQL for the registry/monitoring tests when it can (as CI does);
# the summary says so when it could not.
test: $(STAMP)
	QT_QPA_PLATFORM=offscreen bash .ci/with-postgres.sh $(BIN)/python -m pytest -n 2 --dist loadfile

bench: $(STAMP)
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff check studio nodes tests benchmarks
	$(BIN)/ruff format --check studio nodes tests benchmarks

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m studio.gui.screenshots docs/images

# The guide's command reference, written from the command-line parser (a test keeps it current).
docs: $(STAMP)
	$(BIN)/python -m studio.cli.reference docs/guide/reference.md

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
