#!/usr/bin/env bash
# Cost of SET verification in setpoll-core, two ways:
#
# 1. instruction counts (valgrind callgrind over core/examples/verify_cost.rs):
#    per backend and algorithm, instructions for one raw signature check,
#    one `jws::verify_compact`, one `SetClaims::from_json` and one full
#    `set::verify_set`, and the full/raw ratio. Counts do not depend on
#    machine load, so these are the figures to compare across changes.
# 2. wall clock (the criterion `jose` bench, short measurement times).
#
# Usage: scripts/bench-core.sh [--counts-only | --criterion-only] [N]
#   N: verifications per callgrind run (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."

counts=1
criterion=1
n=20
for arg in "$@"; do
    case "$arg" in
        --counts-only) criterion=0 ;;
        --criterion-only) counts=0 ;;
        [0-9]*) n=$arg ;;
        *) echo "usage: $0 [--counts-only | --criterion-only] [N]" >&2; exit 2 ;;
    esac
done

if [ "$counts" = 1 ]; then
    command -v valgrind >/dev/null || { echo "valgrind is needed for instruction counts" >&2; exit 1; }
    cargo build --quiet --release -p setpoll-core --example verify_cost
    bin=target/release/examples/verify_cost
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT

    # Instructions per operation: callgrind collects only inside `measured`.
    per_op() {
        local file="$out/$1-$2-$3.cg"
        valgrind --tool=callgrind --toggle-collect='*verify_cost*measured*' \
            --callgrind-out-file="$file" "$bin" "$1" "$2" "$3" "$n" >/dev/null 2>&1
        awk -v n="$n" '/^totals:/ { printf "%d", $2 / n }' "$file"
    }

    printf '\nInstructions per operation (callgrind, %s runs each)\n' "$n"
    printf '%-16s %12s %12s %12s %12s %12s %8s\n' \
        backend/alg raw jws claims full overhead full/raw
    for backend in native portable; do
        for alg in es256 ps256; do
            raw=$(per_op "$backend" "$alg" raw)
            jws=$(per_op "$backend" "$alg" jws)
            claims=$(per_op "$backend" "$alg" claims)
            full=$(per_op "$backend" "$alg" full)
            awk -v id="$backend/$alg" -v raw="$raw" -v jws="$jws" -v claims="$claims" -v full="$full" \
                'BEGIN { printf "%-16s %12d %12d %12d %12d %12d %8.3f\n",
                         id, raw, jws, claims, full, full - raw, full / raw }'
        done
    done
fi

if [ "$criterion" = 1 ]; then
    printf '\nWall clock (criterion, short runs; load average: %s)\n' \
        "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
    cargo bench --quiet -p setpoll-core --bench jose -- \
        --warm-up-time 1 --measurement-time 2 2>&1 |
        awk '/^[a-z]+\/[a-z0-9_]+/ { name = $1 }
             /time:/ { sub(/^.*time: +/, ""); printf "%-32s %s\n", name, $0 }'
fi
