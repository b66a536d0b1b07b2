# Set-up and common tasks. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: figures test lab report bench lock clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

figures: $(STAMP)
	$(BIN)/nscale-data figures

test: $(STAMP)
	$(BIN)/python -m pytest

# JupyterLab refuses to run as root (as in a container) unless told it may.
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $$([ "$$(id -u)" = 0 ] && echo --allow-root)

report: $(STAMP)
	$(BIN)/nscale-data report

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_regenerate.py

# Re-resolve the pinned environment from pyproject.toml (needs network).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -e '.[notebooks,test]'
	{ head -n 2 requirements.lock; .lock-venv/bin/python -m pip freeze --all --exclude-editable | grep -v "^pip=="; } > requirements.lock.new
	mv requirements.lock.new requirements.lock && rm -rf .lock-venv

clean:
	rm -rf $(VENV) site build
