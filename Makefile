# Two commands do all set-up on a fresh machine:
#   make lab    open the course in JupyterLab
#   make test   run every test (unit, validation, notebooks, browser)
# Both create .venv/ in this folder on first use and install devsim into it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8888

.PHONY: lab test unit notebooks browser bench clean-venv

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --port=$(PORT) notebooks/00_welcome.ipynb

test: $(STAMP)
	bash .ci/test.sh

unit: $(STAMP)
	$(BIN)/python -m pytest -p no:nbval -q tests

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py

clean-venv:
	rm -rf $(VENV)
