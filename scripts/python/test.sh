#!/usr/bin/env bash
# Builds the `setpoll` wheel as users get it and tests it as a user would:
# the x86_64 manylinux2014 wheel (glibc >= 2.17, abi3: CPython >= 3.9),
# linked by zig (`maturin build --zig`), installed into a clean venv, then
# pytest on bindings/python/tests (the README's ```python blocks included),
# `mypy.stubtest` of the .pyi stub against the installed module,
# and `mypy --strict` on the tests and examples (also the TPP host example,
# examples/tpp-poller/hosts/python) against the installed package.
# Idempotent; on a fresh machine it creates the tool venv .venv-python and
# installs maturin, ziglang, pytest and mypy into it (only when missing).
# Needs python3 >= 3.9 and cargo. The other wheels (musllinux, aarch64) and
# the sdist are built and tested by scripts/release.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
VENV=${SETPOLL_PY_VENV:-$ROOT/.venv-python}
TARGET_DIR=$ROOT/target/python   # own target dir: pyo3 builds never fight `cargo test`
WHEELS=$TARGET_DIR/wheels

source "$ROOT/scripts/python/wheels.sh"
python_tool_venv "$VENV"

rm -f "$WHEELS"/setpoll-*.whl
start=$SECONDS
build_wheel "$VENV" x86_64-unknown-linux-gnu manylinux2014 "$TARGET_DIR" "$WHEELS"
echo "  [python] manylinux2014 x86_64 wheel built in $((SECONDS - start)) s"
WHEEL=$(ls "$WHEELS"/setpoll-*manylinux_2_17_x86_64*.whl)

CLEAN=$TARGET_DIR/venv-test
clean_venv "$CLEAN" "$WHEEL" pytest mypy

cd bindings/python
"$CLEAN/bin/python" -m pytest -q -p no:cacheprovider tests
# The .pyi stub against the installed module (allowlist: what stubtest cannot see).
"$CLEAN/bin/python" -m mypy.stubtest setpoll --allowlist stubtest-allowlist.txt
"$CLEAN/bin/python" -m mypy --strict --no-incremental --cache-dir=/dev/null tests examples \
    ../../examples/tpp-poller/hosts/python
