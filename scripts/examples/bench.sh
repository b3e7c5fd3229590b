#!/usr/bin/env bash
# Load benchmark (a script, not a test).
#
# Part 1, end to end: events per second delivered and acknowledged by ONE
# aspsp-server with 4 concurrent tpp-pollers (one per client), PS256 SETs;
# and how fast the batch form of POST /admin/events queues them.
# Part 2, a deep queue (BIG, default 1,000,000 SETs, ES256 so that queueing
# them takes minutes, not a quarter of an hour): the server's peak memory,
# and a poll's latency with 10,000 queued and with BIG queued (two servers
# side by side, measured in alternating slices).
#
#   bash scripts/examples/bench.sh                          # release, SQLite
#   DB=postgres bash scripts/examples/bench.sh              # a throwaway PostgreSQL (pg.sh)
#   DB=both BIG=0 bash scripts/examples/bench.sh            # SQLite, then PostgreSQL, and both figures
#   EVENTS=2000 BIG=0 PROFILE_DIR=debug bash scripts/examples/bench.sh
#   BENCH_BIN=/some/release/dir BIG=0 bash scripts/examples/bench.sh   # other binaries
#   PERF_DATA=/tmp/poll.data BIG=0 bash scripts/examples/bench.sh      # perf record -a of the polling
#
# The clock of part 1 runs from the pollers' start until the last one holds
# all its events and has had every ack accepted.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
EVENTS=${EVENTS:-2500}          # per client
BATCH=${BATCH:-100}             # maxEvents of each poll
ENQUEUE_BATCH=${ENQUEUE_BATCH:-250}
BIG=${BIG:-1000000}             # part 2 queue depth (0 skips part 2)
DB=${DB:-sqlite}
PROFILE_DIR=${PROFILE_DIR:-release}

if [ "$DB" = both ]; then
    out=$(mktemp)
    for db in sqlite postgres; do
        DB=$db bash "$0" | tee -a "$out"
    done
    echo "== end to end, both databases:"
    grep -E '^(build:|delivered and acknowledged end to end:)' "$out" | sed -n 's/^build: .*one server on \([a-z]*\);.*/\1/p; s/^delivered and acknowledged end to end: /  /p' | paste - -
    rm -f "$out"
    exit 0
fi

if [ -n "${BENCH_BIN:-}" ]; then
    BIN=$BENCH_BIN # prebuilt binaries (e.g. an older build, for an A/B comparison)
else
    if [ "$PROFILE_DIR" = release ]; then
        cargo build --release -q -p setpoll-aspsp-server -p setpoll-tpp-poller
    else
        cargo build -q -p setpoll-aspsp-server -p setpoll-tpp-poller
    fi
    BIN=${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE_DIR
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/setpoll-bench.XXXXXX")
server_pid=
small_pid=
cleanup() {
    local status=$?
    if [ "$status" != 0 ] && [ -f "$tmp/server.log" ]; then
        echo "server log (requests left out):" >&2
        grep -v ' request ' "$tmp/server.log" | tail -n 20 >&2 || true
    fi
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    [ -n "$small_pid" ] && kill "$small_pid" 2>/dev/null && wait "$small_pid" 2>/dev/null || true
    [ "$DB" = postgres ] && bash "$ROOT/scripts/examples/pg.sh" stop "$tmp/pg" || true
    rm -rf "$tmp"
}
trap cleanup EXIT
if [ "$DB" = postgres ]; then
    PG_URL=$(bash scripts/examples/pg.sh start "$tmp/pg")
    PG_BASE=${PG_URL%/*}
    database() { # name
        psql_bin=$(command -v psql || ls -1d /usr/lib/postgresql/*/bin/psql | sort -V | tail -n 1)
        "$psql_bin" -q "$PG_URL" -c "CREATE DATABASE $1" >/dev/null
        echo "$PG_BASE/$1"
    }
else
    database() { echo "$tmp/$1.sqlite3"; }
fi

printf '{"t1": "c1", "t2": "c2", "t3": "c3", "t4": "c4"}' >"$tmp/clients.json"
printf 'adm' >"$tmp/admin-token"
start_server() { # database key-alg key-file
    rm -f "$tmp/server.out"
    "$BIN/aspsp-server" --listen 127.0.0.1:0 --database "$1" \
        --clients "$tmp/clients.json" --admin-token-file "$tmp/admin-token" \
        --signing-key "$3" --key-alg "$2" --max-events-cap "$BATCH" \
        --long-poll-wait-ms 1000 --visibility-timeout-ms 30000 \
        >"$tmp/server.out" 2>>"$tmp/server.log" &
    server_pid=$!
    for _ in $(seq 1 300); do grep -q '^listening on ' "$tmp/server.out" 2>/dev/null && break; sleep 0.1; done
    BASE=$(sed -n 's/^listening on //p' "$tmp/server.out")
    [ -n "$BASE" ] || { cat "$tmp/server.log" >&2; exit 1; }
}
stop_server() {
    kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    server_pid=
}

echo "== part 1: end to end ($DB, $PROFILE_DIR build, load average $(cut -d' ' -f1 /proc/loadavg))"
start_server "$(database bench)" ps256 "$tmp/key.json"
echo "queueing 4 x $EVENTS events (PS256-signed by the server, batches of $ENQUEUE_BATCH)..."
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# PostgreSQL's own CPU (postmaster, its live backends, and those that
# exited), counted with the server's: the database is part of the cost.
db_ticks() {
    [ "$DB" = postgres ] || { echo 0; return; }
    local pm
    pm=$(head -n 1 "$tmp/pg/data/postmaster.pid")
    { awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat"
      for c in $(ps -o pid= --ppid "$pm"); do awk '{print $14 + $15}' "/proc/$c/stat" 2>/dev/null || true; done
    } | awk '{s += $1} END {print s + 0}'
}
enqueue_cpu0=$(( $(cpu_ticks "$server_pid") + $(db_ticks) ))
python3 scripts/examples/enqueue.py --batch "$ENQUEUE_BATCH" "$BASE" adm \
    "c1:$EVENTS" "c2:$EVENTS" "c3:$EVENTS" "c4:$EVENTS"
python3 - "$(( $(cpu_ticks "$server_pid") + $(db_ticks) - enqueue_cpu0 ))" "$(( 4 * EVENTS ))" "$(nproc)" <<'PY'
import os, sys
cpu = int(sys.argv[1]) / os.sysconf("SC_CLK_TCK")
n, cores = int(sys.argv[2]), int(sys.argv[3])
print(f"queueing, server (and database) CPU: {cpu:.2f} s = {cpu * 1e6 / n:.0f} us/SET "
      f"(CPU-bound ceiling on {cores} idle cores: {cores * n / cpu:.0f} SETs/s)")
PY

echo "polling with 4 concurrent pollers (maxEvents $BATCH)..."
# Run a command and write its CPU seconds (user + system) to $1, with
# bash's own `time` (no interpreter started inside the clock: a Python
# wrapper, behind pyenv's shim, took 0.25 s to start, 4 of them at once
# longer still, and all of that was counted as polling time).
cpu_of() {
    local out=$1 TIMEFORMAT='%3U %3S'
    shift
    { time "$@" 2>&3; } 3>&2 2>"$out"
}
server_cpu0=$(cpu_ticks "$server_pid")
db_cpu0=$(db_ticks)
perf_pid=
if [ -n "${PERF_DATA:-}" ]; then # profile the polling phase only (whole machine: server, database, pollers)
    perf record -q -F 1999 -a -o "$PERF_DATA" 2>/dev/null &
    perf_pid=$!
    sleep 0.5
fi
start=$(date +%s%N)
pids=()
for c in 1 2 3 4; do
    cpu_of "$tmp/cpu$c" "$BIN/tpp-poller" --server "$BASE" --token "t$c" --client-id "c$c" \
        --state "$tmp/p$c.sqlite3" --max-events "$BATCH" --expect "$EVENTS" \
        --quiet --summary "$tmp/p$c.json" --max-run-secs 600 2>"$tmp/p$c.log" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
end=$(date +%s%N)
[ -z "$perf_pid" ] || { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
server_cpu=$(( $(cpu_ticks "$server_pid") - server_cpu0 ))
db_cpu=$(( $(db_ticks) - db_cpu0 ))
pollers_cpu=$(cat "$tmp"/cpu[1-4] | awk '{s += $1 + $2} END {print s}')
peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
stats=$(curl -fsS -H 'Authorization: Bearer adm' "$BASE/admin/stats")
txn=$(curl -fsS "$BASE/metrics" | awk '/^setpoll_poll_duration_seconds_(sum|count)/ {print $2}' | tr '\n' ' ')
python3 - "$stats" "$EVENTS" "$start" "$end" "$peak_kb" "$PROFILE_DIR" "$tmp" "$DB" "$server_cpu" "$pollers_cpu" "$txn" "$db_cpu" <<'PY'
import json, os, sys
stats, n, start, end, peak_kb, profile, tmp, db = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7], sys.argv[8]
server_cpu = int(sys.argv[9]) / os.sysconf("SC_CLK_TCK")
pollers_cpu = float(sys.argv[10])
txn_sum, txn_count = (float(x) for x in sys.argv[11].split())
db_cpu = int(sys.argv[12]) / os.sysconf("SC_CLK_TCK")
secs = (end - start) / 1e9
total = 4 * n
assert stats["acknowledged"] == total, stats
pollers = [json.load(open(f"{tmp}/p{c}.json")) for c in range(1, 5)]
assert all(p["eventsHeld"] == n and p["storedTwice"] == 0 for p in pollers), pollers
print(f"build: {profile}; one server on {db}; 4 pollers; {total} events")
print(f"delivered and acknowledged end to end: {total} in {secs:.2f} s = {total / secs:.0f} events/s")
print(f"responses: {stats['polls']}; redelivered: {stats['redelivered']}")
print(f"server peak memory (VmHWM): {peak_kb / 1024:.1f} MiB")
print(f"profile: server CPU {server_cpu:.2f} s ({server_cpu * 1e6 / total:.0f} us/event), "
      f"of which poll transactions (wall) {txn_sum:.2f} s over {txn_count:.0f} polls "
      f"({txn_sum * 1000 / max(txn_count, 1):.2f} ms each); "
      f"4 pollers CPU {pollers_cpu:.2f} s ({pollers_cpu * 1e6 / total:.0f} us/event)")
if db == "postgres":
    print(f"PostgreSQL CPU {db_cpu:.2f} s ({db_cpu * 1e6 / total:.0f} us/event)")
both = (server_cpu + pollers_cpu + db_cpu) * 1e6 / total
cores = os.cpu_count() or 1
print(f"CPU per event, server + database + pollers: {both:.0f} us "
      f"(CPU-bound ceiling on {cores} idle cores: {cores * 1e6 / both:.0f} events/s)")
PY
stop_server

[ "$BIG" -gt 0 ] || exit 0
echo "== part 2: a deep queue ($BIG SETs, ES256)"
# Two servers side by side: one with 15,000 queued (the run consumes
# 10,000, so its queue averages 10,000), one with BIG. A poll's latency:
# polls of maxEvents $BATCH by client c1, each acknowledging the previous
# batch, timed at the client over one keep-alive connection per server,
# in alternating slices of 10 polls (small, big, small, ...; 100 polls on
# each), so both see the same machine load.
start_server "$(database small)" es256 "$tmp/key-es.json"
small_pid=$server_pid SMALL_BASE=$BASE
python3 scripts/examples/enqueue.py --batch 1000 "$SMALL_BASE" adm "c1:15000"
start_server "$(database deep)" es256 "$tmp/key-es.json"
echo "queueing $BIG (c1..c4)..."
per=$(( BIG / 4 ))
python3 scripts/examples/enqueue.py --batch 1000 "$BASE" adm "c1:$per" "c2:$per" "c3:$per" "c4:$per"
queued=$(curl -fsS -H 'Authorization: Bearer adm' "$BASE/admin/stats" \
    | python3 -c 'import json,sys; print(sum(json.load(sys.stdin)["byState"].values()))')
echo "queued now: $queued"
python3 - "$SMALL_BASE" "$BASE" "$BATCH" "$queued" <<'PY'
import http.client, json, sys, time, urllib.parse
small, big, batch, queued = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
headers = {"Authorization": "Bearer t1", "Content-Type": "application/json"}
def poller(base):
    u = urllib.parse.urlparse(base)
    return {"conn": http.client.HTTPConnection(u.hostname, u.port, timeout=60), "ack": [], "times": []}
def polls(p, n):
    for _ in range(n):
        body = json.dumps({"maxEvents": batch, "returnImmediately": True, "ack": p["ack"]})
        t = time.perf_counter()
        p["conn"].request("POST", "/open-banking/v4.0/events", body, headers)
        r = p["conn"].getresponse()
        data = json.loads(r.read())
        p["times"].append(time.perf_counter() - t)
        assert r.status == 200 and len(data["sets"]) == batch, (r.status, len(data.get("sets", ())))
        p["ack"] = list(data["sets"])
s, b = poller(small), poller(big)
for _ in range(10):
    polls(s, 10)
    polls(b, 10)
def summary(p):
    t = sorted(p["times"])
    return t[len(t) // 2] * 1000, t[int(len(t) * 0.9)] * 1000
(sm, sp), (bm, bp) = summary(s), summary(b)
print(f"poll latency (maxEvents {batch}, acking the previous batch, alternating slices): "
      f"10,000 queued median {sm:.2f} ms (p90 {sp:.2f}); {queued:,} queued median {bm:.2f} ms (p90 {bp:.2f})")
print(f"poll latency ratio at {queued:,} queued vs 10,000: {bm / sm:.2f}x")
PY
peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
echo "server peak memory (VmHWM) with $queued queued: $((peak_kb / 1024)) MiB ($peak_kb KiB)"
stop_server
