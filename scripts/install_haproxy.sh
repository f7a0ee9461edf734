#!/usr/bin/env bash
# Install Debian's HAProxy for the balancer tests (tests/integration/test_haproxy_public_side.py runs the shipped
# deploy/haproxy/haproxy.cfg's public frontend; tests/unit/test_docker_compose.py checks the config). Idempotent
# and quick when done; the tests start their own haproxy, so the system's service is not needed.
set -euo pipefail

if ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; then
  "$(dirname "$0")/apt_install.sh" haproxy
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now haproxy >/dev/null 2>&1 || true; fi
fi
echo "haproxy: $( (haproxy -v 2>/dev/null || /usr/sbin/haproxy -v) | head -n 1)"
