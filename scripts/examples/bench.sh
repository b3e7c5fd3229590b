#!/usr/bin/env bash
# Load benchmark (a script, not a test): events per second delivered and
# acknowledged end to end by ONE aspsp-server on SQLite with 4 concurrent
# tpp-pollers (one per client), and the server's peak memory.
#
#   bash scripts/examples/bench.sh               # release build, 4 x 2500 events
#   EVENTS=2000 PROFILE_DIR=debug bash scripts/examples/bench.sh
#
# Events are queued first (through POST /admin/events, 8 connections), then
# the four pollers start together; the clock runs from their start until
# the last one holds all its events and has had every ack accepted.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
EVENTS=${EVENTS:-2500}          # per client
BATCH=${BATCH:-100}             # maxEvents of each poll
PROFILE_DIR=${PROFILE_DIR:-release}

if [ "$PROFILE_DIR" = release ]; then
    cargo build --release -q -p setpoll-aspsp-server -p setpoll-tpp-poller
else
    cargo build -q -p setpoll-aspsp-server -p setpoll-tpp-poller
fi
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE_DIR

tmp=$(mktemp -d "${TMPDIR:-/tmp}/setpoll-bench.XXXXXX")
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

printf '{"t1": "c1", "t2": "c2", "t3": "c3", "t4": "c4"}' >"$tmp/clients.json"
"$BIN/aspsp-server" --listen 127.0.0.1:0 --database "$tmp/bench.sqlite3" \
    --clients "$tmp/clients.json" --admin-token adm --signing-key "$tmp/key.json" \
    --key-alg ps256 --max-events-cap "$BATCH" --long-poll-wait-ms 1000 \
    --visibility-timeout-ms 30000 >"$tmp/server.out" 2>"$tmp/server.log" &
server_pid=$!
for _ in $(seq 1 200); do grep -q '^listening on ' "$tmp/server.out" 2>/dev/null && break; sleep 0.1; done
BASE=$(sed -n 's/^listening on //p' "$tmp/server.out")
[ -n "$BASE" ] || { cat "$tmp/server.log" >&2; exit 1; }

echo "queueing 4 x $EVENTS events (PS256-signed by the server)..."
python3 scripts/examples/enqueue.py "$BASE" adm "c1:$EVENTS" "c2:$EVENTS" "c3:$EVENTS" "c4:$EVENTS"

echo "polling with 4 concurrent pollers (maxEvents $BATCH)..."
start=$(date +%s%N)
pids=()
for c in 1 2 3 4; do
    "$BIN/tpp-poller" --server "$BASE" --token "t$c" --client-id "c$c" \
        --state "$tmp/p$c.sqlite3" --max-events "$BATCH" --expect "$EVENTS" \
        --quiet --summary "$tmp/p$c.json" --max-run-secs 600 2>"$tmp/p$c.log" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
end=$(date +%s%N)
peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
stats=$(curl -fsS -H 'Authorization: Bearer adm' "$BASE/admin/stats")
python3 - "$stats" "$EVENTS" "$start" "$end" "$peak_kb" "$PROFILE_DIR" "$tmp" <<'EOF'
import json, sys
stats, n, start, end, peak_kb, profile, tmp = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7]
secs = (end - start) / 1e9
total = 4 * n
assert stats["acknowledged"] == total, stats
pollers = [json.load(open(f"{tmp}/p{c}.json")) for c in range(1, 5)]
assert all(p["eventsHeld"] == n and p["storedTwice"] == 0 for p in pollers), pollers
print(f"build: {profile}; one server on SQLite; 4 pollers; {total} events")
print(f"delivered and acknowledged end to end: {total} in {secs:.2f} s = {total / secs:.0f} events/s")
print(f"responses: {stats['polls']}; redelivered: {stats['redelivered']}")
print(f"server peak memory (VmHWM): {peak_kb / 1024:.1f} MiB")
EOF
