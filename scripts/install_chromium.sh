#!/usr/bin/env bash
# Install Debian's Chromium for the Playwright browser tests (tests/e2e/test_webchat_browser.py), with fonts
# for Cyrillic and colour emoji (without one, the bots' emoji are boxes in the screenshots). Idempotent and
# quick when done; installs nothing with pip (Playwright's own browser download needs the internet, Debian's
# package does not).
set -euo pipefail

CHROMIUM=/usr/bin/chromium
"$(dirname "$0")/apt_install.sh" chromium fonts-dejavu-core fonts-noto-color-emoji
if [ ! -x "$CHROMIUM" ]; then
  echo "ERROR: apt-get finished but $CHROMIUM is missing" >&2
  exit 1
fi
echo "chromium: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
