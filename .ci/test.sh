#!/usr/bin/env bash
# Every test of the project; `make test` runs this once .venv is installed.
#
#   bash .ci/test.sh              every step
#   bash .ci/test.sh unit         only the named steps (make test STEPS=unit)
#
# Each step is one line in main(). A failing step does not stop the others; the script
# exits 1 if any step failed. A pytest step that collects no test (pytest's exit 5) is a
# failure with its own message, so a step can neither pass by testing nothing nor fail
# without saying why. The closing lines are one line per step, the total time and the
# total count ("total: N passed, N failed, N skipped").
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BIN=${DEVSIM_BIN:-.venv/bin}

# Jupyter and matplotlib keep their config inside the checkout, not in the user's home.
export JUPYTER_CONFIG_DIR="$PWD/.jupyter-ci/config"
export JUPYTER_DATA_DIR="$PWD/.jupyter-ci/data"
export JUPYTER_RUNTIME_DIR="$PWD/.jupyter-ci/runtime"
export MPLCONFIGDIR="$PWD/.mpl-ci"
mkdir -p "$JUPYTER_CONFIG_DIR" "$JUPYTER_DATA_DIR" "$JUPYTER_RUNTIME_DIR" "$MPLCONFIGDIR"

main() {
    pytest_step unit -p no:nbval --ignore=tests/browser -m "not workshop" tests
    pytest_step notebooks --nbval-lax --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg \
        --nbval-cell-timeout=300 notebooks exercises
    step chromium bash scripts/ensure_chromium.sh
    pytest_step browser -p no:nbval tests/browser
    step hub-setup bash scripts/ensure_hub.sh
    pytest_step workshop -p no:nbval -m workshop tests
    finish
}

SELECTED=("$@")
KNOWN=()
RESULTS=()          # "name rc seconds" per step that ran
REPORTS=$(mktemp -d)
trap 'rm -rf "$REPORTS"' EXIT
STARTED=$SECONDS

selected() {
    local s
    [ ${#SELECTED[@]} -eq 0 ] && return 0
    for s in "${SELECTED[@]}"; do [ "$s" = "$1" ] && return 0; done
    return 1
}

# step NAME COMMAND...: any command; its exit code decides.
step() {
    local name=$1 rc=0 t0=$SECONDS
    shift
    KNOWN+=("$name")
    selected "$name" || return 0
    printf '\n=== step %s: %s\n' "$name" "$*"
    "$@" || rc=$?
    RESULTS+=("$name $rc $((SECONDS - t0))")
}

# pytest_step NAME PYTEST-ARGS...: a pytest run whose counts go into the total.
pytest_step() {
    local name=$1 rc=0 t0=$SECONDS
    shift
    KNOWN+=("$name")
    selected "$name" || return 0
    printf '\n=== step %s: pytest %s\n' "$name" "$*"
    "$BIN/python" -m pytest --junitxml="$REPORTS/$name.xml" "$@" || rc=$?
    if [ "$rc" -eq 5 ]; then
        echo "step $name FAILED: pytest collected no tests (exit 5); a step must test" \
             "something, so check its paths and markers" >&2
    fi
    RESULTS+=("$name $rc $((SECONDS - t0))")
}

# Print the per-step results, the total time and the total count; return 1 on any failure.
finish() {
    local failed=0 name rc secs s
    for s in "${SELECTED[@]}"; do
        case " ${KNOWN[*]} " in
            *" $s "*) ;;
            *) echo "no step named '$s'; steps are: ${KNOWN[*]}" >&2; failed=1 ;;
        esac
    done
    if [ ${#RESULTS[@]} -eq 0 ]; then
        echo "no step ran" >&2
        return 1
    fi
    printf '\n=== summary\n'
    for s in "${RESULTS[@]}"; do
        read -r name rc secs <<<"$s"
        if [ "$rc" -eq 0 ]; then
            printf '  %-12s ok      %5s s\n' "$name" "$secs"
        else
            printf '  %-12s FAILED  %5s s  (exit %s%s)\n' "$name" "$secs" "$rc" \
                "$([ "$rc" -eq 5 ] && echo ', no tests collected')"
            failed=1
        fi
    done
    echo "total time: $((SECONDS - STARTED)) s"
    # The count line comes last: CI reads it to know that tests ran.
    "$BIN/python" - "$REPORTS" <<'EOF' || failed=1
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

tests = failed = skipped = 0
for report in sorted(Path(sys.argv[1]).glob("*.xml")):
    root = ET.parse(report).getroot()
    for suite in root.iter("testsuite"):
        tests += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
passed = tests - failed - skipped
print(f"total: {passed} passed, {failed} failed, {skipped} skipped")
if passed == 0 and tests:
    sys.exit("no test passed: every collected test was skipped or failed")
EOF
    return $failed
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    if [ ! -x "$BIN/python" ]; then
        echo "$BIN/python not found: run 'make test', which creates .venv and installs devsim" >&2
        exit 1
    fi
    main
fi
