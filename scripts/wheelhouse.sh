#!/usr/bin/env bash
# Build a wheelhouse: devsim and every package it needs, as files, for a room without internet.
#
#   bash scripts/wheelhouse.sh [DIR [MORE-PACKAGES...]]     (make wheelhouse: DIR=workshop-wheelhouse)
#
# On a machine with internet (and the same OS, CPU and Python version as the room's
# machines), it writes into DIR (default ./workshop-wheelhouse):
#   devsim-<version>-py3-none-any.whl      built from this checkout (the course is inside)
#   every dependency, as downloaded by `pip download` (wheels only: nothing to compile)
#   MORE-PACKAGES too, if named (e.g. `nbval pytest` to test the install offline)
# Copy DIR to a USB stick. In the room, with no network at all:
#   python3 -m venv devsim-env
#   devsim-env/bin/pip install --no-index --find-links DIR devsim      (Windows:
#       devsim-env\Scripts\pip install --no-index --find-links DIR devsim)
#   devsim-env/bin/devsim lab
# For other machines than this one, pass pip's target options through WHEELHOUSE_PIP_ARGS,
# e.g. WHEELHOUSE_PIP_ARGS="--platform win_amd64 --python-version 3.12" (docs/instructor-guide.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BIN=${DEVSIM_BIN:-.venv/bin}
DIR=${1:-workshop-wheelhouse}
shift || true
[ -x "$BIN/python" ] || { echo "wheelhouse: $BIN/python not found: run 'make lab' or 'make test' first" >&2; exit 1; }
mkdir -p "$DIR"
PIP=("$BIN/python" -m pip --disable-pip-version-check)

echo "wheelhouse: building devsim's wheel from this checkout into $DIR ..."
rm -f "$DIR"/devsim-*.whl
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
# setuptools' notices about the course folders are noise here; shown only if the build fails
"${PIP[@]}" wheel --quiet --no-deps --wheel-dir "$DIR" . >"$LOG" 2>&1 \
    || { cat "$LOG" >&2; echo "wheelhouse: building devsim's wheel failed (above)" >&2; exit 1; }
WHEEL=$(ls "$DIR"/devsim-*.whl)

echo "wheelhouse: downloading devsim's dependencies${*:+ and $*} (wheels only) ..."
# shellcheck disable=SC2086
# (pip's warning about configured local indexes missing on this machine is dropped)
"${PIP[@]}" download --quiet --only-binary=:all: --dest "$DIR" ${WHEELHOUSE_PIP_ARGS:-} "$WHEEL" "$@" \
    2> >(grep -v "^WARNING: Location .* is ignored: it is neither a file nor a directory" >&2) \
    || { echo "wheelhouse: pip download failed (no access to PyPI, or a package without a wheel for this platform)" >&2; exit 1; }
echo "wheelhouse: $(ls "$DIR" | wc -l) files, $(du -sh "$DIR" | cut -f1), in $DIR"
echo "wheelhouse: install offline with: pip install --no-index --find-links $DIR devsim"
