#!/usr/bin/env bash
# Install Debian's dovecot IMAP server for the email channel's IMAP tests (tests/integration/test_email_imap.py,
# which starts its own dovecot on a free port with a temporary config). Idempotent and quick when done.
# Needs root or sudo for apt-get.
set -euo pipefail

if command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ]; then
  echo "dovecot already installed: $(/usr/sbin/dovecot --version 2>/dev/null || echo dovecot)"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "ERROR: installing dovecot needs root; run: sudo apt-get install -y dovecot-imapd" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show dovecot-imapd >/dev/null 2>&1; then
  $SUDO apt-get update -q
fi
$SUDO apt-get install -y -q --no-install-recommends dovecot-imapd
# The package starts the system's dovecot on 143/993; the tests run their own, so the service is not needed.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now dovecot >/dev/null 2>&1 || true; fi
/usr/sbin/dovecot --version
