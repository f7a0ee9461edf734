#!/usr/bin/env bash
# Install the pgvector extension into the local PostgreSQL 15 (Debian bookworm has no binary package).
#
# Idempotent: does nothing when `CREATE EXTENSION vector` already works. Otherwise it fetches Debian's
# pgvector source package from a newer release (a deb-src line for trixie is added once, pinned so no
# binary package is ever taken from it), builds it against postgresql-server-dev-15 and installs it.
#
# Environment: PGHOST (127.0.0.1), PGUSER (postgres), PGDATABASE (test), PG_MAJOR (15), PGVECTOR_SUITE (trixie).
set -euo pipefail

PGHOST="${PGHOST:-127.0.0.1}"
PGUSER="${PGUSER:-postgres}"
PGDATABASE="${PGDATABASE:-test}"
PG_MAJOR="${PG_MAJOR:-15}"
SUITE="${PGVECTOR_SUITE:-trixie}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

works() {
    psql -h "$PGHOST" -U "$PGUSER" -d "$PGDATABASE" -v ON_ERROR_STOP=1 -qtAc \
        "CREATE EXTENSION IF NOT EXISTS vector; SELECT '[1,2]'::vector <=> '[2,1]'::vector;" >/dev/null 2>&1
}

if works; then
    echo "pgvector: already available"
    exit 0
fi

if [ -f "/usr/share/postgresql/${PG_MAJOR}/extension/vector.control" ]; then
    echo "pgvector: files are installed but CREATE EXTENSION failed; check the server log" >&2
fi

SRC_LIST=/etc/apt/sources.list.d/pgvector-src.sources
if [ ! -f "$SRC_LIST" ]; then
    $SUDO tee "$SRC_LIST" >/dev/null <<SOURCES
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: ${SUITE}
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "postgresql-server-dev-${PG_MAJOR}" build-essential dpkg-dev >/dev/null

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
apt-get source -qq --download-only pgvector
dpkg-source -x --no-check ./pgvector_*.dsc src >/dev/null
cd src
make -s PG_CONFIG="/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config" OPTFLAGS=""
$SUDO make -s install PG_CONFIG="/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config"

if works; then
    echo "pgvector: installed"
else
    echo "pgvector: built and installed, but CREATE EXTENSION vector still fails" >&2
    exit 1
fi
