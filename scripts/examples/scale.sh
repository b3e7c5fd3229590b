#!/usr/bin/env bash
# Scale-out run on a release build (the test command runs the same test,
# 20,000 events, on a debug build): 3 aspsp-server processes on one
# throwaway PostgreSQL, 6 pollers, 20,000 events, one server SIGKILLed and
# restarted mid-run; prints the throughput with 1 and 3 processes.
#
#   bash scripts/examples/scale.sh            # release build, 20,000 events
#   EVENTS=50000 bash scripts/examples/scale.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
EVENTS=${EVENTS:-20000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/setpoll-scale.XXXXXX")
cleanup() {
    bash "$ROOT/scripts/examples/pg.sh" stop "$tmp/pg" || true
    rm -rf "$tmp"
}
trap cleanup EXIT
PG_URL=$(bash scripts/examples/pg.sh start "$tmp/pg")
echo "PostgreSQL at $PG_URL; load average $(cut -d' ' -f1 /proc/loadavg)"
SETPOLL_TEST_POSTGRES=$PG_URL SETPOLL_SCALE_EVENTS=$EVENTS \
    cargo test --release -q -p setpoll-aspsp-server --test scale -- --nocapture
