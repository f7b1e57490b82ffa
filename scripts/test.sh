#!/usr/bin/env bash
# Install into .venv exactly what requirements/test.lock pins (hashes checked), then run the whole suite: Python
# tests on SQLite (and on PostgreSQL when XUNJIAN_TEST_DATABASE_URL is set), the PWA's DOM-free modules with
# `node --test`, and the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --require-hashes -r requirements/test.lock
.venv/bin/python -m pip install --quiet --no-deps -e .
if [ ! -x /usr/bin/chromium ]; then
  echo "WARNING: /usr/bin/chromium is missing: the browser tests (tests/e2e) will be SKIPPED." >&2
  echo "         Install it with 'apt-get install -y chromium' (Debian) to run them; CI fails instead of skipping." >&2
fi
status=0
if [ -d tests/js ] && command -v node >/dev/null; then
  node --test tests/js/ || status=1
fi
# pytest-xdist spreads the tests over the cores (one worker per core; each worker has its own SQLite files and its
# own PostgreSQL database, see tests/conftest.py). XUNJIAN_TEST_WORKERS=0 runs them in this process.
.venv/bin/python -m pytest -n "${XUNJIAN_TEST_WORKERS:-auto}" "$@" || status=1
exit $status
