#!/usr/bin/env bash
# Install Postil into .venv and start it on http://127.0.0.1:8000 with SQLite under ./postil-data,
# the sample article at /sample/, and a first user "reader" whose password is printed on the
# first start only and kept in postil-data/first-user.txt. Arguments go to `postil serve`
# (e.g. --port 8001).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get update -q >/dev/null && apt-get install -y -q python3-venv >/dev/null
  else echo "serve: python3-venv is missing: sudo apt-get install python3-venv" >&2; exit 1; fi
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e .
# The extension's page script is built from its modules (extension/build/, not committed).
.venv/bin/python scripts/build_extension.py

export POSTIL_DATA_DIR=${POSTIL_DATA_DIR:-$PWD/postil-data}
.venv/bin/postil db upgrade >/dev/null
# The password is printed on the start that creates the user, and kept in first-user.txt.
if [ ! -f "$POSTIL_DATA_DIR/first-user.txt" ]; then
  password=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(12))')
  if printf '%s\n' "$password" | .venv/bin/postil user add reader --password-stdin >/dev/null 2>&1; then
    printf 'username: reader\npassword: %s\n' "$password" > "$POSTIL_DATA_DIR/first-user.txt"
    chmod 600 "$POSTIL_DATA_DIR/first-user.txt"
    echo "Sign in with (also in $POSTIL_DATA_DIR/first-user.txt):"
    sed 's/^/  /' "$POSTIL_DATA_DIR/first-user.txt"
  fi
elif grep -q '^username: ' "$POSTIL_DATA_DIR/first-user.txt"; then
  echo "Sign in as $(sed -n 's/^username: //p' "$POSTIL_DATA_DIR/first-user.txt"); the password is in $POSTIL_DATA_DIR/first-user.txt"
fi
exec .venv/bin/postil serve "$@"
