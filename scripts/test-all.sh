#!/usr/bin/env bash
# Runs every test of setpoll. Installs what the tests need on a fresh machine
# (skipping what is already there), so it is the one command CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

step() { printf '\n==> %s\n' "$*"; }

step "rust: format"
cargo fmt --all -- --check

step "rust: clippy (warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings
# The npm package's browser builds: the receiver's (the default browser
# entry: no pure-Rust crypto, no ASPSP side) and the platform one.
cargo clippy -p setpoll-wasm --no-default-features -- -D warnings
cargo clippy -p setpoll-wasm --no-default-features --features transmitter -- -D warnings

step "rust: docs (warnings are errors; every public item documented)"
RUSTDOCFLAGS="-D warnings" cargo doc -q -p setpoll-core --no-deps

step "rust: tests"
cargo test   # default members: core, cli, tests (bindings and examples have their own steps)

step "vectors: committed files match the seeded generator byte for byte"
cargo run -q -p setpoll-tests --bin gen-vectors -- --check
cargo run -q -p setpoll-tests --bin gen-wycheproof -- --check

step "fuzz: every cargo-fuzz target for ${FUZZ_SECS:-15} s, seeded from the vectors (fails on a crash)"
bash scripts/fuzz.sh

# Bindings first: the examples run JS and Python hosts against the server.
step "wasm: npm package (build, import check, node --test, headless chromium)"; bash scripts/wasm/test.sh
step "python: wheel, pytest, mypy --strict"; bash scripts/python/test.sh
step "kotlin+swift: uniffi bindings, JVM tests (Kotlin, Java), jar + consumer project, swift completeness"; bash scripts/kotlin/test.sh
step "name table: every name in the README's cross-language table is in the generated JS, Python, Kotlin and Swift declarations"; python3 scripts/check-name-table.py
step "interop: jose (npm), PyJWT, joserfc, Nimbus JOSE+JWT against the setpoll CLI, both directions"; bash scripts/interop/test.sh
step "packages: LICENSE and metadata in the crates, wheel, sdist and npm tarball"; bash scripts/check-packages.sh
step "install lines: every README install line, as written, in a fresh project (pip, npm, cargo add, cargo install, Maven)"; python3 scripts/check-install-lines.py
# (the examples step stays last)
step "examples: server and poller over real HTTP (SQLite, PostgreSQL, schemathesis, demo)"; SETPOLL_REQUIRE_HOST_EXAMPLES=1 bash scripts/examples/test.sh
step "conformance: setpoll conformance aspsp/tpp against the examples"; SETPOLL_REQUIRE_HOST_EXAMPLES=1 bash scripts/conformance/test.sh
