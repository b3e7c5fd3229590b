#!/usr/bin/env bash
# `setpoll conformance` against setpoll's own examples (called by
# scripts/test-all.sh after the examples step):
#
#  1. `conformance aspsp` against examples/aspsp-server on SQLite (v3.1.11
#     and v4.0 paths; v3.1.2 and rfc8936 against the server in those modes)
#     and on a throwaway PostgreSQL (scripts/examples/pg.sh);
#  2. `conformance tpp` against examples/tpp-poller, and against the JS and
#     Python host examples when their packages are built;
#
# The broken-peer tests (cli/tests/conformance.rs) run in test-all.sh's
# `cargo test` step (the CLI is a default member), so they are not repeated here.
#
# SKIP_PG=1 leaves PostgreSQL out. Debug builds (as the examples step).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
step() { printf '\n==> %s\n' "$*"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/setpoll-conformance.XXXXXX")
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    bash "$ROOT/scripts/examples/pg.sh" stop "$tmp/pg" || true
    rm -rf "$tmp"
}
trap cleanup EXIT

step "conformance: build setpoll, aspsp-server, tpp-poller"
cargo build -q -p setpoll-cli -p setpoll-aspsp-server -p setpoll-tpp-poller
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/debug
VIS=400

start_server() { # database [server flags...]
    local db=$1; shift
    printf '{"token-a": "client-a", "token-b": "client-b"}' >"$tmp/clients.json"
    rm -f "$tmp/server.out"
    "$BIN/aspsp-server" --listen 127.0.0.1:0 --database "$db" \
        --clients "$tmp/clients.json" --admin-token admin-secret \
        --signing-key "$tmp/key.json" --key-alg es256 \
        --visibility-timeout-ms "$VIS" --long-poll-wait-ms 200 "$@" \
        >"$tmp/server.out" 2>>"$tmp/server.log" &
    server_pid=$!
    for _ in $(seq 1 100); do
        grep -q '^listening on ' "$tmp/server.out" 2>/dev/null && break
        sleep 0.1
    done
    BASE=$(sed -n 's/^listening on //p' "$tmp/server.out")
    [ -n "$BASE" ] || { cat "$tmp/server.log" >&2; exit 1; }
}
stop_server() {
    kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    server_pid=
}
aspsp() { # path-version conformance-version
    "$BIN/setpoll" conformance aspsp \
        --events-url "$BASE/open-banking/$1/events" --version "$2" \
        --token token-a --client-id client-a --token token-b --client-id client-b \
        --jwks-url "$BASE/jwks" --issuer https://aspsp.example/ \
        --enqueue-url "$BASE/admin/events" --enqueue-token admin-secret \
        --visibility-timeout-ms "$VIS" \
        --report "$tmp/aspsp-$2.json" --junit "$tmp/aspsp-$2.xml"
}

step "conformance aspsp: aspsp-server on SQLite"
start_server "$tmp/conformance.sqlite3"
aspsp v3.1 v3.1.11
aspsp v4.0 v4.0
# Any other bank queues SETs with a command (cross-client checks are skipped:
# a command gives no jti).
"$BIN/setpoll" conformance aspsp --events-url "$BASE/open-banking/v3.1/events" \
    --token token-a --client-id client-a --jwks-url "$BASE/jwks" --issuer https://aspsp.example/ \
    --enqueue-cmd "python3 '$ROOT/scripts/examples/enqueue.py' '$BASE' admin-secret {client}:{n} >/dev/null" \
    --visibility-timeout-ms "$VIS"
stop_server
# The other two profiles, each against the server configured for it.
start_server "$tmp/conformance-312.sqlite3" --profile v3.1.2
aspsp v3.1 v3.1.2
stop_server
start_server "$tmp/conformance-8936.sqlite3" --rules rfc8936
aspsp v3.1 rfc8936
stop_server

if [ "${SKIP_PG:-0}" != 1 ]; then
    step "conformance aspsp: aspsp-server on PostgreSQL"
    PG_URL=$(bash scripts/examples/pg.sh start "$tmp/pg")
    start_server "$PG_URL"
    aspsp v3.1 v3.1.11
    stop_server
    bash scripts/examples/pg.sh stop "$tmp/pg"
fi

tpp() { # name poller-command-template
    echo "--- conformance tpp: $1"
    "$BIN/setpoll" conformance tpp --listen 127.0.0.1:0 \
        --client-id client-a --token token-a --wait-ms 30000 \
        --report "$tmp/tpp-$1.json" --junit "$tmp/tpp-$1.xml" \
        --poller-cmd "$2"
    # The recommended checks too: every poller here refetches its JWKS on an
    # unknown kid (within its 30 s refresh rate limit, which the run allows).
    python3 - "$tmp/tpp-$1.json" <<'PY'
import json, sys
checks = json.load(open(sys.argv[1]))["checks"]
bad = [c["id"] for c in checks if c["outcome"] != "pass"]
if bad:
    sys.exit("checks not passed: " + ", ".join(bad))
PY
}

step "conformance tpp: tpp-poller"
tpp tpp-poller "exec '$BIN/tpp-poller' --server {url} --token token-a --client-id client-a \
    --state '$tmp/poller.sqlite3' --quiet --max-run-secs 200 2>>'$tmp/poller.log'"

step "conformance tpp: JS and Python host examples"
ran=0
NPM_PKG=$(ls -d "$ROOT"/bindings/wasm/pkg* 2>/dev/null | head -n 1 || true)
if [ -n "$NPM_PKG" ] && [ -f "$NPM_PKG/package.json" ] && command -v node >/dev/null \
    && node -e "process.exit(typeof require(process.argv[1]).Receiver === 'function' ? 0 : 1)" "$NPM_PKG"; then
    tpp js "SETPOLL_NPM_PKG='$NPM_PKG' exec node '$ROOT/examples/tpp-poller/hosts/js/poll.mjs' \
        --server {url} --token token-a --client-id client-a --max-run-secs 200 2>>'$tmp/js.log'"
    ran=$((ran + 1))
else
    echo "skipped JS host example: no npm package with a Receiver built (scripts/wasm/build.sh)"
fi
# The wheel as scripts/python/test.sh installed it: into a clean venv of
# its own (the tool venv only builds it).
HOST_PY=$ROOT/target/python/venv-test/bin/python
[ -x "$HOST_PY" ] || HOST_PY=${SETPOLL_PY_VENV:-$ROOT/.venv-python}/bin/python
[ -x "$HOST_PY" ] || HOST_PY=python3
if "$HOST_PY" -c 'import setpoll; setpoll.Receiver' 2>/dev/null; then
    tpp python "exec '$HOST_PY' '$ROOT/examples/tpp-poller/hosts/python/poll.py' \
        --server {url} --token token-a --client-id client-a --max-run-secs 200 2>>'$tmp/py.log'"
    ran=$((ran + 1))
else
    echo "skipped Python host example: no setpoll wheel with a Receiver installed (scripts/python/test.sh)"
fi
echo "host examples scored: $ran"
# From the full test command the bindings were just built: both must run.
if [ "${SETPOLL_REQUIRE_HOST_EXAMPLES:-0}" = 1 ] && [ "$ran" != 2 ]; then
    echo "the JS and Python host examples must both be scored here" >&2
    exit 1
fi
