# Set-up and common tasks. Needs only Python 3.11+ and make.
# The first target run creates .venv, installs uv into it with pip (the version pinned in
# requirements.lock), then lets uv install exactly the pinned environment.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
STAMP  := $(VENV)/.installed-stamp

# Every Python process of a test run reads its modules' compiled bytecode; without it each one
# compiles pandas and Jupyter anew. Write it even where PYTHONDONTWRITEBYTECODE is set.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: figures test screenshots lab report bench lock clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "$$(grep '^uv==' requirements.lock)"

$(STAMP): requirements.lock pyproject.toml | $(UV)
	$(UV) pip sync --quiet --python $(BIN)/python requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	touch $(STAMP)

figures: $(STAMP)
	$(BIN)/nscale-data figures

test: $(STAMP)
	$(BIN)/python -m pytest

# The browser test, writing a screenshot of every report page at both widths to build/report-screenshots.
screenshots: $(STAMP)
	NSCALE_SCREENSHOTS=1 $(BIN)/python -m pytest -n 0 tests/test_report_browser.py

# JupyterLab refuses to run as root (as in a container) unless told it may.
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# The report's notebooks and charts are first brought up to date with the data (a no-op when they are),
# so a notebook run or saved outside `nscale-data figures` is rebuilt, not published as it is.
report: $(STAMP)
	$(BIN)/nscale-data figures
	$(BIN)/nscale-data report

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_regenerate.py
	$(BIN)/python benchmarks/bench_scale.py
	$(BIN)/python benchmarks/bench_setup.py

# Re-resolve the pinned environment from pyproject.toml (needs network); uv keeps its pin.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -e '.[notebooks,test]'
	{ head -n 2 requirements.lock; { .lock-venv/bin/python -m pip freeze --all --exclude-editable | grep -v "^pip=="; \
		grep '^uv==' requirements.lock; } | LC_ALL=C sort -f; } > requirements.lock.new
	mv requirements.lock.new requirements.lock && rm -rf .lock-venv

clean:
	rm -rf $(VENV) site build
