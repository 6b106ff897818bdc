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
	$(PY) -m spikeopt simulate --model izhikevich --population 200 \
		--param a=0.02:0.1 --param d=8:2 --amplitude 10 --duration 1000 --out out
	@echo "demo output: out/raster.png, out/spikes.npz, out/params.json"

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench

bench: $(STAMP)
	$(PY) bench/simulate.py

clean:
	rm -rf $(VENV) out .pytest_cache
