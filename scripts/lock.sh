#!/usr/bin/env bash
# Regenerate the locks from pyproject.toml's ranges: requirements/run.lock (what `scripts/run.sh` installs) and
# requirements/test.lock (with the test extra, what `scripts/test.sh` installs), every file pinned with its hashes.
# Run after changing a dependency in pyproject.toml; tests/unit/test_lock.py fails until the locks agree with it.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${TOOLS_VENV:-.venv-lock}"
[ -x "$TOOLS/bin/pip-compile" ] || { python3 -m venv "$TOOLS" && "$TOOLS/bin/pip" install --quiet 'pip-tools>=7.4,<8'; }
common=(--quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-find-links --no-emit-index-url
        --no-emit-trusted-host "$@")
"$TOOLS/bin/pip-compile" "${common[@]}" -o requirements/run.lock pyproject.toml
"$TOOLS/bin/pip-compile" "${common[@]}" --extra test -o requirements/test.lock pyproject.toml
