# The whole set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m spikeopt fit examples/demo_adex.yaml --overwrite

# two worker processes (the 2 cores); a file's tests stay together (shared fixtures)
test: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist loadfile

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(PY) bench/simulate.py
	$(PY) bench/network.py

clean:
	rm -rf $(VENV) out .pytest_cache
