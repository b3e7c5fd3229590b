#!/usr/bin/env bash
# Builds the `setpoll` wheel (maturin, release, abi3) and tests it: pytest on
# bindings/python/tests, `mypy.stubtest` of the .pyi stub, and `mypy --strict` on
# the tests and examples (also the
# TPP host example, examples/tpp-poller/hosts/python).
# Idempotent; on a fresh machine it creates .venv-python and installs maturin,
# pytest and mypy into it (only when missing). Needs python3 >= 3.9 and cargo.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
VENV=${SETPOLL_PY_VENV:-$ROOT/.venv-python}
TARGET_DIR=$ROOT/target/python   # own target dir: pyo3 builds never fight `cargo test`
WHEELS=$TARGET_DIR/wheels

if [[ ! -x $VENV/bin/python ]]; then
    python3 -m venv "$VENV"
fi
PY=$VENV/bin/python
need=()
for tool in maturin pytest mypy; do
    [[ -x $VENV/bin/$tool ]] || need+=("$tool")
done
if ((${#need[@]})); then
    echo "installing into $VENV: ${need[*]}"
    "$PY" -m pip install --quiet --disable-pip-version-check "${need[@]}"
fi

rm -f "$WHEELS"/setpoll-*.whl
"$VENV/bin/maturin" build --quiet --release \
    --manifest-path bindings/python/Cargo.toml \
    --target-dir "$TARGET_DIR" --out "$WHEELS" --interpreter "$PY"
"$PY" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$WHEELS"/setpoll-*.whl

cd bindings/python
"$VENV/bin/pytest" -q -p no:cacheprovider tests
# The .pyi stub against the built module (allowlist: what stubtest cannot see).
"$PY" -m mypy.stubtest setpoll --allowlist stubtest-allowlist.txt
"$VENV/bin/mypy" --strict --no-incremental --cache-dir=/dev/null tests examples \
    ../../examples/tpp-poller/hosts/python
