#!/usr/bin/env bash
# Train a Rasa NLU model from Rasa training data with the light pipeline in config.yml.tmpl.
# Usage: scripts/rasa/train.sh DATA OUT_DIR   (DATA: nlu.yml, a folder, or legacy JSON)
# Env: RASA_EPOCHS (default 40), RASA_FALLBACK (FallbackClassifier threshold, default 0.3),
#      RASA_LANGUAGE (default en), RASA_VENV (default ~/.cache/helpdesk/rasa-venv).
# Prints the model file path on the last line of stdout.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 DATA OUT_DIR" >&2
  exit 2
fi
DATA="$1"
OUT="$2"
HERE="$(cd "$(dirname "$0")" && pwd)"
RASA_VENV="${RASA_VENV:-$HOME/.cache/helpdesk/rasa-venv}"
RASA="$RASA_VENV/bin/rasa"
if [ ! -x "$RASA" ]; then
  echo "Rasa is not installed in $RASA_VENV; run scripts/rasa/setup.sh first" >&2
  exit 1
fi
if [ ! -e "$DATA" ]; then
  echo "no training data at $DATA; give a Rasa nlu.yml, a folder or a legacy JSON file" >&2
  exit 1
fi
DATA="$(realpath "$DATA")"
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 PYTHONWARNINGS=ignore SQLALCHEMY_SILENCE_UBER_WARNING=1

mkdir -p "$OUT"
sed -e "s/__EPOCHS__/${RASA_EPOCHS:-40}/" -e "s/__FALLBACK__/${RASA_FALLBACK:-0.3}/" \
    -e "s/__LANGUAGE__/${RASA_LANGUAGE:-en}/" "$HERE/config.yml.tmpl" > "$OUT/config.yml"
# `rasa train nlu` wants a domain only for full models; an empty one keeps it quiet.
[ -f "$OUT/domain.yml" ] || printf 'version: "3.1"\n' > "$OUT/domain.yml"
cd "$OUT"
"$RASA" train nlu --nlu "$DATA" --config config.yml \
  --out models --fixed-model-name nlu >&2
echo "$(pwd)/models/nlu.tar.gz"
