#!/usr/bin/env bash
# Make sure the workshop's JupyterHub can start here (workshop/, `make hub`, tests/test_hub.py).
#
#   bash scripts/ensure_hub.sh
#
# Three things, each checked first and installed only when missing (run it as often as you
# like):
#   1. JupyterHub and its helpers in the project's environment (.venv, or DEVSIM_BIN): the
#      `hub` extra of pyproject.toml (jupyterhub, jupyterhub-idle-culler, psutil), from PyPI;
#   2. node and npm (Debian's nodejs and npm packages, with apt-get: root or password-less sudo);
#   3. configurable-http-proxy, JupyterHub's proxy, from npm into workshop/.proxy/ (inside
#      the checkout; nothing global). The hub config finds it there.
# Exits 0 when all three are in place, 1 with a one-line reason and fix otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BIN=${DEVSIM_BIN:-.venv/bin}
PROXY_DIR=workshop/.proxy
PROXY=$PROXY_DIR/node_modules/.bin/configurable-http-proxy

fail() {
    echo "ensure_hub: $*" >&2
    exit 1
}

[ -x "$BIN/python" ] || fail "$BIN/python not found: run 'make test' or 'make lab' first (it creates .venv)"

# 1. The hub extra, read from the installed devsim's metadata (pyproject.toml is the one list).
missing=$("$BIN/python" - <<'PY'
from importlib import metadata
from packaging.requirements import Requirement
wanted = [Requirement(r) for r in metadata.requires("devsim") or []
          if Requirement(r).marker is not None and Requirement(r).marker.evaluate({"extra": "hub"})
          and not Requirement(r).marker.evaluate({"extra": ""})]
out = []
for req in wanted:
    try:
        ok = metadata.version(req.name) in req.specifier
    except metadata.PackageNotFoundError:
        ok = False
    if not ok:
        out.append(f"{req.name}{req.specifier}")
if not wanted:
    out.append("?no-hub-extra")
print(" ".join(out))
PY
) || fail "could not read devsim's requirements from $BIN/python (is devsim installed there?)"
case "$missing" in
    *"?no-hub-extra"*)
        fail "the installed devsim has no 'hub' extra; reinstall it: $BIN/python -m pip install -e '.[test]'" ;;
esac
if [ -n "$missing" ]; then
    echo "ensure_hub: installing $missing into $BIN ..."
    # shellcheck disable=SC2086
    "$BIN/python" -m pip install --quiet --disable-pip-version-check $missing \
        || fail "pip could not install $missing (no access to PyPI?)"
fi
echo "ensure_hub: JupyterHub $("$BIN/python" -c 'import jupyterhub; print(jupyterhub.__version__)') in $BIN"

# 2. node and npm.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 \
        || fail "node and npm are missing and this system has no apt-get: install Node.js 18 or newer"
    if [ "$(id -u)" -eq 0 ]; then
        AS_ROOT=()
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        AS_ROOT=(sudo -n)
    else
        fail "node and npm are missing, and installing them needs root: run this script as" \
             "root, or as root: apt-get install -y nodejs npm"
    fi
    echo "ensure_hub: installing Debian's nodejs and npm with apt-get ..."
    "${AS_ROOT[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
        || fail "apt-get update failed (no network, or no reachable package mirror?)"
    "${AS_ROOT[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm \
        || fail "apt-get install nodejs npm failed (see apt-get's message above)"
fi

# 3. configurable-http-proxy, local to the checkout. Its 5.x releases need node 20 or newer;
#    older node (Debian 12 ships 18) gets the last 4.x release. JupyterHub 5 and 6 take both.
if [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ]; then
    CHP_VERSION=5.3.0
else
    CHP_VERSION=4.6.3
fi
if [ -x "$PROXY" ] && "$PROXY" --version >/dev/null 2>&1; then
    echo "ensure_hub: found configurable-http-proxy $("$PROXY" --version) in $PROXY_DIR; nothing to do"
    exit 0
fi
echo "ensure_hub: installing configurable-http-proxy@$CHP_VERSION from npm into $PROXY_DIR ..."
mkdir -p "$PROXY_DIR"
npm install --prefix "$PROXY_DIR" --no-save --no-audit --no-fund --loglevel=error \
    "configurable-http-proxy@$CHP_VERSION" \
    || fail "npm install configurable-http-proxy failed (no access to registry.npmjs.org?)"
"$PROXY" --version >/dev/null 2>&1 || fail "$PROXY does not run after npm installed it"
echo "ensure_hub: installed configurable-http-proxy $("$PROXY" --version) in $PROXY_DIR"
