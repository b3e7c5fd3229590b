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

step "rust: docs (warnings are errors; every public item documented)"
RUSTDOCFLAGS="-D warnings" cargo doc -q -p setpoll-core --no-deps

step "rust: tests"
cargo test --workspace

step "vectors: committed files match the seeded generator byte for byte"
cargo run -q -p setpoll-tests --bin gen-vectors -- --check
step "python: wheel, pytest, mypy --strict"; scripts/python/test.sh
step "kotlin+swift: uniffi bindings, JVM tests, swift completeness"; scripts/kotlin/test.sh
