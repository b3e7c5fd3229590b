#!/usr/bin/env bash
# setpoll, end to end on this machine, in one command:
#
#   a bank's events server (examples/aspsp-server) on a free loopback port
#   with a fresh SQLite file and a freshly generated PS256 signing key;
#   a few hundred signed event notifications queued for two fintechs;
#   one poller per fintech (examples/tpp-poller) that verifies every SET
#   against the bank's JWKS, processes it and acknowledges it. The second
#   poller "crashes" part-way (exits without handling a batch it received)
#   and is restarted from its state file, so the bank re-delivers that batch
#   after the visibility timeout and the poller processes each event once.
#
# Usage: bash scripts/demo.sh            (N=300 events per fintech)
#        N=1000 bash scripts/demo.sh
#        KEEP=1 bash scripts/demo.sh     (keep the temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-300}
PROFILE_DIR=${PROFILE_DIR:-debug}
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

for tool in cargo curl python3; do
    command -v "$tool" >/dev/null || { echo "demo: $tool is required" >&2; exit 1; }
done

say "building the server and the poller (first build takes a few minutes)"
if [ "$PROFILE_DIR" = release ]; then
    cargo build --release -q -p setpoll-aspsp-server -p setpoll-tpp-poller
else
    cargo build -q -p setpoll-aspsp-server -p setpoll-tpp-poller
fi
BIN=${CARGO_TARGET_DIR:-$PWD/target}/$PROFILE_DIR

tmp=$(mktemp -d "${TMPDIR:-/tmp}/setpoll-demo.XXXXXX")
server_pid=
cleanup() {
    local status=$?
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    if [ "${KEEP:-0}" = 1 ] || [ "$status" != 0 ]; then
        echo "demo: files and logs kept in $tmp"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT

rand() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }
ADMIN=$(rand)
TOKEN_A=$(rand)
TOKEN_B=$(rand)
cat >"$tmp/clients.json" <<EOF
{ "$TOKEN_A": "fintech-a", "$TOKEN_B": "fintech-b" }
EOF

say "starting aspsp-server (SQLite file $tmp/aspsp.sqlite3, new PS256 key)"
"$BIN/aspsp-server" \
    --listen 127.0.0.1:0 \
    --database "$tmp/aspsp.sqlite3" \
    --clients "$tmp/clients.json" \
    --admin-token "$ADMIN" \
    --signing-key "$tmp/signing-key.json" \
    --issuer https://aspsp.example/ \
    --visibility-timeout-ms 2000 \
    --long-poll-wait-ms 2000 \
    >"$tmp/server.out" 2>"$tmp/server.log" &
server_pid=$!
for _ in $(seq 1 300); do
    grep -q '^listening on ' "$tmp/server.out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
    sleep 0.1
done
BASE=$(sed -n 's/^listening on //p' "$tmp/server.out")
[ -n "$BASE" ] || { echo "demo: server did not start" >&2; cat "$tmp/server.log" >&2; exit 1; }
echo "listening on $BASE"
echo "JWKS: $(curl -fsS "$BASE/jwks" | cut -c1-110)..."

say "queueing $N event notifications for each of two fintechs (POST /admin/events)"
echo "each is one call like this (what the bank's own systems would send):"
echo "  curl -X POST $BASE/admin/events -H 'Authorization: Bearer <admin token>' \\"
echo "    -H 'Content-Type: application/json' -d '{\"clientId\": \"fintech-a\", \"sub\": \"https://aspsp.example/...\","
echo "    \"events\": {\"urn:uk:org:openbanking:events:resource-update\": {\"subject\": {...}}}}'"
python3 scripts/examples/enqueue.py "$BASE" "$ADMIN" "fintech-a:$N" "fintech-b:$N"
echo "one of them, as the server signed it (JOSE header):"
python3 - "$tmp/aspsp.sqlite3" <<'EOF'
import base64, json, sqlite3, sys
token = sqlite3.connect(sys.argv[1]).execute("SELECT token FROM set_records LIMIT 1").fetchone()[0]
head = token.split(".")[0]
print("  " + json.dumps(json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))))
EOF

say "polling: one tpp-poller per fintech; fintech-b crashes after 100 events and restarts"
poll() { # token client extra...
    local token=$1 client=$2; shift 2
    "$BIN/tpp-poller" --server "$BASE" --token "$token" --client-id "$client" \
        --issuer https://aspsp.example/ --state "$tmp/$client.sqlite3" \
        --max-events 50 --expect "$N" --quiet --summary "$tmp/$client.json" "$@"
}
t2=$(date +%s%N)
poll "$TOKEN_A" fintech-a 2>"$tmp/fintech-a.log" &
pid_a=$!
set +e
poll "$TOKEN_B" fintech-b --crash-after 100 2>"$tmp/fintech-b.log"
crash=$?
set -e
echo "fintech-b poller exited with status $crash (simulated crash); restarting it from $tmp/fintech-b.sqlite3"
cp "$tmp/fintech-b.json" "$tmp/fintech-b.first.json" 2>/dev/null || true
poll "$TOKEN_B" fintech-b 2>>"$tmp/fintech-b.log"
wait "$pid_a"
t3=$(date +%s%N)
echo "sample of what a poller prints for each event:"
python3 - "$tmp/fintech-a.sqlite3" <<'EOF'
import json, sqlite3, sys
for jti, types, sub in sqlite3.connect(sys.argv[1]).execute("SELECT jti, types, sub FROM events LIMIT 3"):
    print("  " + json.dumps({"jti": jti, "types": types.split(","), "sub": sub}))
EOF

say "summary"
curl -fsS -H "Authorization: Bearer $ADMIN" "$BASE/admin/stats" >"$tmp/stats.json"
python3 - "$tmp" "$N" "$(( (t3 - t2) / 1000000 ))" <<'EOF'
import json, sqlite3, sys, os
tmp, n, ms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
stats = json.load(open(os.path.join(tmp, "stats.json")))
rows = []
for client in ("fintech-a", "fintech-b"):
    held = sqlite3.connect(os.path.join(tmp, client + ".sqlite3")).execute("SELECT COUNT(*) FROM events").fetchone()[0]
    rows.append((client, held))
print(f"  events queued          {stats['enqueued']:>6}   ({n} per fintech)")
print(f"  delivered              {stats['delivered']:>6}   (SETs put in responses, redeliveries included)")
print(f"  acknowledged           {stats['acknowledged']:>6}")
print(f"  re-delivered           {stats['redelivered']:>6}   (after the visibility timeout: the batch fintech-b lost)")
print(f"  dead-lettered          {stats['deadLettered']:>6}")
for client, held in rows:
    print(f"  processed by {client} {held:>6}   (each exactly once: jti is its primary key)")
print(f"  left on the server     {sum(stats['byState'].values()):>6}")
print(f"  polling took           {ms:>6} ms   ({stats['polls']} responses)")
ok = all(held == n for _, held in rows) and stats["acknowledged"] == 2 * n and not stats["byState"]
print("\nOK: every event delivered, verified, processed once and acknowledged." if ok else "\nNOT OK: see the logs in " + tmp)
sys.exit(0 if ok else 1)
EOF
