#!/usr/bin/env bash
# Train (unless RASA_MODEL names a model) and run a Rasa server with the HTTP API on a port.
# Usage: scripts/rasa/serve.sh DATA PORT [WORK_DIR]
# Env: see train.sh; RASA_MODEL=path/to/model.tar.gz skips training.
# Runs in the foreground (exec), so the caller can stop it by its process id.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 DATA PORT [WORK_DIR]" >&2
  exit 2
fi
DATA="$1"
PORT="$2"
WORK="${3:-$(mktemp -d -t helpdesk-rasa-XXXXXX)}"
HERE="$(cd "$(dirname "$0")" && pwd)"
RASA_VENV="${RASA_VENV:-$HOME/.cache/helpdesk/rasa-venv}"
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 PYTHONWARNINGS=ignore SQLALCHEMY_SILENCE_UBER_WARNING=1

MODEL="${RASA_MODEL:-}"
if [ -z "$MODEL" ]; then
  MODEL="$("$HERE/train.sh" "$DATA" "$WORK" | tail -n 1)"
fi
cd "$WORK"
exec "$RASA_VENV/bin/rasa" run --enable-api --port "$PORT" --model "$MODEL" --cors "*"
