#!/usr/bin/env bash
# Install what the tests need and run them all: the Python package with its test extra in .venv,
# the Node tools for the extension (web-ext, puppeteer-core for Firefox), the system browsers,
# PostgreSQL and a real WordPress (MariaDB, PHP) where this user may install them; then lint and
# the whole pytest suite, which runs the API tests on SQLite and PostgreSQL and the browser tests
# in Chromium and Firefox.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/system-deps.sh

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[test]'

# Every package.json of ours (extension tools, Firefox runners) gets its node_modules.
while IFS= read -r pkg; do
  dir=$(dirname "$pkg")
  if [ -f "$dir/package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  else
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
  fi
done < <(find . -name package.json -not -path '*/node_modules/*' -not -path './.venv/*' | sort)

.venv/bin/ruff check server tests bench scripts
# Two (or as many as there are cores) pytest processes, each taking whole files so a module's
# server and browser are started once; arguments after ours win (`-n 0` runs in one process).
.venv/bin/python -m pytest -n auto --dist loadfile "$@"
