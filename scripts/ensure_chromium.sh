#!/usr/bin/env bash
# Make sure Debian's Chromium is at /usr/bin/chromium, for the browser tests (tests/browser).
#
#   bash scripts/ensure_chromium.sh
#
# The tests drive this Chromium through Playwright's Python package. They never use
# `playwright install`, which downloads a browser build from Microsoft's CDN: the browser
# comes from the distribution, like every other system package, and gets its security updates.
#
# Already installed: says so and exits 0. Missing: installs the `chromium` package with
# apt-get (as root, or through sudo without a password prompt) and exits 0 if it then runs.
# Cannot install (no apt-get, not root and no sudo, or apt-get failed): says what to do and
# exits 1.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

fail() {
    echo "ensure_chromium: $*" >&2
    echo "ensure_chromium: the browser tests need Chromium at $CHROMIUM; on Debian install" \
         "it as root with: apt-get update && apt-get install -y chromium" >&2
    exit 1
}

version() {
    # Debian's launcher script may print shell noise on stderr; only the version line counts.
    "$CHROMIUM" --version 2>/dev/null | head -n 1
}

if [ -x "$CHROMIUM" ]; then
    echo "ensure_chromium: found $(version || echo "$CHROMIUM") at $CHROMIUM; nothing to do"
    exit 0
fi

command -v apt-get >/dev/null 2>&1 \
    || fail "$CHROMIUM is missing and this system has no apt-get (not Debian or Ubuntu)"

if [ "$(id -u)" -eq 0 ]; then
    AS_ROOT=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    AS_ROOT=(sudo -n)
else
    fail "$CHROMIUM is missing, and installing it needs root: run this script as root" \
         "(or as a user with password-less sudo)"
fi

echo "ensure_chromium: $CHROMIUM is missing; installing Debian's chromium package with apt-get ..."
"${AS_ROOT[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    || fail "apt-get update failed (no network, or no reachable package mirror?)"
"${AS_ROOT[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
    || fail "apt-get install chromium failed (see apt-get's message above)"

[ -x "$CHROMIUM" ] \
    || fail "apt-get installed the chromium package, but $CHROMIUM is still missing (on Ubuntu" \
            "the package is only a wrapper for the snap, which does not run here)"
echo "ensure_chromium: installed $(version || echo chromium) at $CHROMIUM"
