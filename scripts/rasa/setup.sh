#!/usr/bin/env bash
# Install Rasa 3.6 into its own Python 3.10 venv outside the work tree (idempotent).
# Rasa pins old numpy/tensorflow, so it never shares the project's venv.
# Env: RASA_VENV (default ~/.cache/helpdesk/rasa-venv), RASA_PYTHON (a python3.10 binary).
set -euo pipefail

RASA_VERSION="3.6.21"
RASA_VENV="${RASA_VENV:-$HOME/.cache/helpdesk/rasa-venv}"

if [ -x "$RASA_VENV/bin/rasa" ] && "$RASA_VENV/bin/python" -c "import rasa, sys; sys.exit(rasa.__version__ != '$RASA_VERSION')" 2>/dev/null; then
  echo "rasa $RASA_VERSION already installed in $RASA_VENV"
  exit 0
fi

if [ -z "${RASA_PYTHON:-}" ]; then
  if command -v pyenv >/dev/null 2>&1 && [ -x "$(pyenv root)/versions/3.10.13/bin/python3.10" ]; then
    RASA_PYTHON="$(pyenv root)/versions/3.10.13/bin/python3.10"
  elif command -v python3.10 >/dev/null 2>&1; then
    RASA_PYTHON="$(command -v python3.10)"
  else
    echo "Rasa 3.6 needs Python 3.10: install it (e.g. 'pyenv install 3.10.13') or set RASA_PYTHON=/path/to/python3.10" >&2
    exit 1
  fi
fi

echo "installing rasa $RASA_VERSION into $RASA_VENV with $RASA_PYTHON (about 2 minutes, 2.7 GB)"
mkdir -p "$(dirname "$RASA_VENV")"
rm -rf "$RASA_VENV.partial"
"$RASA_PYTHON" -m venv "$RASA_VENV.partial"
"$RASA_VENV.partial/bin/pip" install -q --upgrade "pip<24.1" "setuptools<70" wheel
"$RASA_VENV.partial/bin/pip" install -q "rasa==$RASA_VERSION"
# Build the venv aside and move it in place only when complete, so a broken install never looks ready.
# venvs hard-code their path in scripts, so re-point them after the move.
rm -rf "$RASA_VENV"
mv "$RASA_VENV.partial" "$RASA_VENV"
grep -rl --null "$RASA_VENV.partial" "$RASA_VENV/bin" 2>/dev/null | xargs -0 -r sed -i "s#$RASA_VENV.partial#$RASA_VENV#g"
"$RASA_VENV/bin/python" -c "import rasa; print('rasa', rasa.__version__, 'ready in $RASA_VENV')"
