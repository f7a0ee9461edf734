#!/usr/bin/env bash
# Install Debian packages that some tests need, when any of them is missing: `scripts/apt_install.sh PKG...`.
# Idempotent and quick when everything is there (no network); refreshes the package lists only when a package
# is not known yet. Needs root or sudo for apt-get.
set -euo pipefail

missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "ERROR: installing ${missing[*]} needs root; run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
for pkg in "${missing[@]}"; do
  if ! apt-cache show "$pkg" >/dev/null 2>&1; then
    $SUDO apt-get update -q
    break
  fi
done
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
