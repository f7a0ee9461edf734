#!/usr/bin/env bash
# Install Debian's dovecot IMAP server for the email channel's IMAP tests (tests/integration/test_email_imap.py,
# which starts its own dovecot on a free port with a temporary config). Idempotent and quick when done.
set -euo pipefail

if ! { command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ]; }; then
  "$(dirname "$0")/apt_install.sh" dovecot-imapd
  # The package starts the system's dovecot on 143/993; the tests run their own, so the service is not needed.
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now dovecot >/dev/null 2>&1 || true; fi
fi
echo "dovecot: $(/usr/sbin/dovecot --version 2>/dev/null || echo dovecot)"
