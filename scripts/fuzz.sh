#!/usr/bin/env bash
# Fuzz every cargo-fuzz target in fuzz/ for a short fixed time and fail on a
# crash. Installs cargo-fuzz only when missing; runs on the stable toolchain
# (RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its -Z flags).
#
#   FUZZ_SECS=15 bash scripts/fuzz.sh            # every target, 15 s each
#   FUZZ_SECS=300 bash scripts/fuzz.sh verify    # one target, longer
#
# The seed corpus is written from tests/vectors by fuzz/seeds.py into
# fuzz/corpus/ (not committed); what libFuzzer adds there stays for the next
# run. A crash leaves its input in fuzz/artifacts/<target>/ and the command
# to replay it in the output.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

FUZZ_SECS=${FUZZ_SECS:-15}
# The core forbids unsafe code, so AddressSanitizer finds little there and
# halves the run rate; FUZZ_SANITIZER=address turns it on.
FUZZ_SANITIZER=${FUZZ_SANITIZER:-none}
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
fi

python3 seeds.py corpus >/dev/null

# One instrumented build of every target, release with debug assertions
# (integer overflow panics count as crashes).
cargo fuzz build -O -a -s "$FUZZ_SANITIZER"

failed=()
summary=()
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    log=$(mktemp)
    if cargo fuzz run -O -a -s "$FUZZ_SANITIZER" "$t" "corpus/$t" -- \
        -max_total_time="$FUZZ_SECS" -max_len=16384 -timeout=20 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
        rate=$(( ${runs:-0} / ( ${secs:-$FUZZ_SECS} > 0 ? ${secs:-$FUZZ_SECS} : 1 ) ))
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
        summary+=("$(printf '%-12s %9s runs  %7s runs/s  cov %s' "$t" "${runs:-?}" "$rate" "${cov:-?}")")
    else
        tail -40 "$log"
        failed+=("$t")
        summary+=("$(printf '%-12s CRASHED (input in fuzz/artifacts/%s/)' "$t" "$t")")
    fi
    rm -f "$log"
done

printf '\nfuzz: %s s per target, sanitizer %s\n' "$FUZZ_SECS" "$FUZZ_SANITIZER"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: crashed: ${failed[*]}" >&2
    exit 1
fi
