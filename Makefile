# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-packaging package bench lint screenshots docs install clean

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

# Builds the sdist and wheel, installs the wheel into a fresh venv under build/packaging/ and
# runs a template, a deploy, a score and a server from it (packaging/smoke_wheel.sh).
test-packaging: $(STAMP)
	bash packaging/smoke_wheel.sh $(BIN)/python

# The desktop build: one folder, build/desktop/dist/knotwork/, made by PyInstaller from
# packaging/knotwork.spec, then started headless by packaging/smoke_desktop.sh.
$(VENV)/.package-installed: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,package]"
	touch $@

package: $(VENV)/.package-installed
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath build/desktop/dist \
		--workpath build/desktop/work packaging/knotwork.spec
	bash packaging/smoke_desktop.sh build/desktop/dist/knotwork/knotwork

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
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
