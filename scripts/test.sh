#!/usr/bin/env bash
# Install into .venv (with the test extras) and run the whole suite: Python tests on SQLite (and on PostgreSQL when
# XUNJIAN_TEST_DATABASE_URL is set), the PWA's DOM-free modules with `node --test`, and the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
status=0
if [ -d tests/js ] && command -v node >/dev/null; then
  node --test tests/js/ || status=1
fi
.venv/bin/python -m pytest "$@" || status=1
exit $status
