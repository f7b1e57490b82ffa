#!/usr/bin/env bash
# Install into .venv exactly what requirements/run.lock pins (hashes checked) and start Xunjian on its embedded
# default: SQLite and a local photo folder under ./data, the scheduler in-process, demo data loaded, URL and demo
# logins printed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# --no-compile: byte-compiling every installed module was about half of the install (67 s -> 37 s at load 6-7);
# Python compiles the modules it imports on first use, which cost the first start nothing measurable.
PIP=(.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-compile)
"${PIP[@]}" --require-hashes -r requirements/run.lock
"${PIP[@]}" --no-deps -e .
export XUNJIAN_DATA_DIR="${XUNJIAN_DATA_DIR:-$PWD/data}"
.venv/bin/xunjian demo
exec .venv/bin/xunjian serve --scheduler --host "${XUNJIAN_HOST:-127.0.0.1}" --port "${XUNJIAN_PORT:-8000}"
