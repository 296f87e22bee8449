#!/usr/bin/env bash
# Every test of the project; `make test` runs this inside .venv once it is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
# Jupyter and matplotlib keep their config inside the checkout, not in the user's home.
export JUPYTER_CONFIG_DIR="$PWD/.jupyter-ci/config"
export JUPYTER_DATA_DIR="$PWD/.jupyter-ci/data"
export JUPYTER_RUNTIME_DIR="$PWD/.jupyter-ci/runtime"
export MPLCONFIGDIR="$PWD/.mpl-ci"
mkdir -p "$JUPYTER_CONFIG_DIR" "$JUPYTER_DATA_DIR" "$JUPYTER_RUNTIME_DIR" "$MPLCONFIGDIR"

start=$(date +%s)
"$BIN/python" -m pytest -p no:nbval tests
echo "test run took $(( $(date +%s) - start )) s"
