#!/usr/bin/env bash
# Run a command (the test suite) with a throwaway PostgreSQL when one can be had, so a
# newcomer's `make test` exercises the same PostgreSQL tests as CI.
#
#   bash .ci/with-postgres.sh python -m pytest ...
#
# Uses KNOTWORK_TEST_POSTGRES_URL when it is already set. Otherwise starts a cluster with
# .ci/postgres.sh (installing Debian's postgresql when root and missing) and stops it
# afterwards. When that is impossible the command still runs; the reason is passed on
# in KNOTWORK_TEST_POSTGRES_UNAVAILABLE and the test summary says the tests were skipped.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if [ -z "${KNOTWORK_TEST_POSTGRES_URL:-}" ] && [ -z "${KNOTWORK_TEST_NO_POSTGRES:-}" ]; then
    export KNOTWORK_PG_STATE="${KNOTWORK_PG_STATE:-$(mktemp -d /tmp/knotwork-postgres-XXXXXX)}"
    log="$(mktemp)"
    if out="$(bash "$here/postgres.sh" start 2>"$log")"; then
        eval "$out"
        trap 'bash "$here/postgres.sh" stop >/dev/null 2>&1 || true' EXIT
    else
        export KNOTWORK_TEST_POSTGRES_UNAVAILABLE="$(grep -v '^$' "$log" | tail -n 1)"
        rmdir "$KNOTWORK_PG_STATE" 2>/dev/null || true
    fi
    rm -f "$log"
elif [ -n "${KNOTWORK_TEST_NO_POSTGRES:-}" ]; then
    export KNOTWORK_TEST_POSTGRES_UNAVAILABLE="KNOTWORK_TEST_NO_POSTGRES is set"
fi

"$@"
