# Two commands do all set-up on a fresh machine that has python3 (3.10 or newer):
#   make lab    open the course in JupyterLab
#   make test   run every test (unit, validation, notebooks, browser)
# Both create .venv/ in this folder on first use and install devsim into it with its test
# extra; they reinstall when pyproject.toml changes.

SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8888
# Extra options for `jupyter lab`, e.g. LAB_ARGS=--no-browser
LAB_ARGS ?=
# Steps of .ci/test.sh to run (empty = all), e.g. STEPS=unit
STEPS  ?=
# Where `make wheelhouse` puts devsim and its dependencies for a room without internet
WHEELHOUSE ?= workshop-wheelhouse
WELCOME := notebooks/00_welcome.ipynb

# Install output keeps warnings and errors but drops two kinds of harmless noise: pip's
# warning, once per package, about configured local indexes that do not exist on this
# machine, and setuptools' notice that an editable install is being made (at most 11 lines).
PIP := set -o pipefail; $(BIN)/python -m pip --disable-pip-version-check
PIP_FILTER := awk '/^WARNING: Location .* is ignored: it is neither a file nor a directory\.$$/ {next} \
  /(BuildBackendWarning|InformationOnly): Editable installation\.$$/ {skip = 11} \
  skip > 0 {skip--; if (/with strategy, WheelFile/) skip = 0; next} {print; fflush()}'

# Jupyter refuses to run as root unless told; a browser is opened only where there is a display.
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root) \
             $(if $(and $(filter Linux,$(shell uname -s)),$(if $(DISPLAY)$(WAYLAND_DISPLAY),,none)),--no-browser)

.DEFAULT_GOAL := help
.PHONY: help lab test unit bench docs hub wheelhouse clean-venv

help:
	@echo "make lab     open the course in JupyterLab ($(WELCOME))"
	@echo "make test    run every test (make test STEPS=unit runs one step of .ci/test.sh)"
	@echo "make bench   time the model, the widgets and the sandbox in a browser"
	@echo "make docs    regenerate the README's parameter table"
	@echo "make hub     run the workshop's JupyterHub here (workshop/; docs/instructor-guide.md)"
	@echo "make wheelhouse  devsim and its dependencies as files, for a room without internet"
	@echo "Both lab and test create $(VENV)/ and install devsim into it on first use."

$(STAMP): pyproject.toml
	@if [ ! -x $(BIN)/python ]; then \
	  command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.10 or newer, or name it with PYTHON=..." >&2; exit 1; }; \
	  $(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "devsim needs Python 3.10 or newer; $(PYTHON) is " + sys.version.split()[0] + ". Try: make $(MAKECMDGOALS) PYTHON=python3.12")' || exit 1; \
	  echo "Creating $(VENV) with $$($(PYTHON) --version) ..."; \
	  $(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV). On Debian or Ubuntu: apt-get install python3-venv" >&2; exit 1; }; \
	fi
	@echo "Installing devsim and its dependencies into $(VENV) (the first time takes a few minutes) ..."
	@$(PIP) install --quiet --upgrade pip 2>&1 | $(PIP_FILTER)
	@$(PIP) install --quiet -e '.[test]' 2>&1 | $(PIP_FILTER)
	@touch $(STAMP)
	@echo "Installed: $$($(BIN)/python -c 'import devsim, sys; print("devsim", devsim.__version__, "on Python", sys.version.split()[0])')"

# The file browser starts at this folder (notebooks/ and exercises/ both in reach) and the
# browser tab opens on the welcome notebook.
LAB_OPEN = /lab/tree/$(if $(wildcard $(WELCOME)),$(WELCOME),notebooks)

lab: $(STAMP)
	@echo
	@echo "Starting JupyterLab on $(LAB_OPEN:/lab/tree/%=%)."
	@echo "  Open the address printed below (http://localhost:$(PORT)$(LAB_OPEN)?token=...);"
	@echo "  Jupyter takes the next free port if $(PORT) is busy. Stop: Ctrl+C twice in this terminal."
	@echo "  On a remote or headless machine no browser is opened: forward the port with"
	@echo "  'ssh -L $(PORT):localhost:$(PORT) you@host' and open the address on your own computer."
	@echo
	$(BIN)/jupyter lab --port=$(PORT) --ServerApp.root_dir="$(CURDIR)" \
	  --LabApp.default_url=$(LAB_OPEN) --LabApp.app_settings_dir="$(CURDIR)/devsim/data/lab-settings" \
	  $(strip $(LAB_FLAGS)) $(LAB_ARGS)

test: $(STAMP)
	bash .ci/test.sh $(STEPS)

unit: $(STAMP)
	bash .ci/test.sh unit

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py
	$(BIN)/python benchmarks/bench_widgets.py
	bash scripts/ensure_chromium.sh
	$(BIN)/python benchmarks/bench_browser.py

# The workshop's JupyterHub (workshop/jupyterhub_config.py; WORKSHOP_* settings pass through
# the environment, e.g. make hub WORKSHOP_PASSWORD=... WORKSHOP_PORT=8010). As root, learners'
# servers need --allow-root, which WORKSHOP_ALLOW_ROOT=1 asks the config for.
hub: $(STAMP)
	bash scripts/ensure_hub.sh
	$(if $(filter 0,$(shell id -u)),WORKSHOP_ALLOW_ROOT=1) $(BIN)/jupyterhub -f workshop/jupyterhub_config.py

wheelhouse: $(STAMP)
	bash scripts/wheelhouse.sh $(WHEELHOUSE)

docs: $(STAMP)
	$(BIN)/python scripts/param_table.py --write README.md

clean-venv:
	rm -rf $(VENV)
