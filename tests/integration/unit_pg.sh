#!/usr/bin/env bash
# tests/integration/unit_pg.sh PROGRAM [ARGS...]: run a unit driver against a
# throwaway PostgreSQL cluster (pg.sh), named to it by SCEPD_TEST_PG_URL (and
# SCEPD_TEST_PG_ADMIN_URL, the superuser's, to inspect and to break things).
# The driver then runs its PostgreSQL cases (test_store: every store case).
set -euo pipefail
source "$(dirname "$0")/pg.sh"
pg_start
SCEPD_TEST_PG_URL=$PG_URL SCEPD_TEST_PG_ADMIN_URL=$PG_ADMIN_URL "$@"
