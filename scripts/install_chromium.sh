#!/usr/bin/env bash
# Install Debian's Chromium for the Playwright browser tests (tests/e2e/test_webchat_browser.py).
# Idempotent and quick when done; installs nothing with pip (Playwright's own browser download needs
# the internet, Debian's package does not). Needs root or sudo for apt-get.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  echo "chromium already installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "ERROR: installing chromium needs root; run: sudo apt-get install -y chromium" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when chromium is not known yet, so a warm machine skips the network.
if ! apt-cache show chromium >/dev/null 2>&1; then
  $SUDO apt-get update -q
fi
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core

if [ ! -x "$CHROMIUM" ]; then
  echo "ERROR: apt-get finished but $CHROMIUM is missing" >&2
  exit 1
fi
echo "chromium installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
