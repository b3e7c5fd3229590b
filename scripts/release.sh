#!/usr/bin/env bash
# Builds every Python distribution of a release into target/release-dist/
# and tests what can be tested on this machine. Not part of CI (it costs
# several release builds); run before publishing. Figures: README.md.
#
#   wheel                                      built by            tested here
#   manylinux2014 x86_64 (glibc >= 2.17)       maturin --zig       pytest in a clean venv (as scripts/python/test.sh)
#   musllinux_1_2 x86_64 (Alpine)              maturin --zig       statically: tag, links musl, no glibc symbol
#   manylinux2014 aarch64                      maturin --zig       statically: tag, ELF machine, glibc <= 2.17
#   musllinux_1_2 aarch64                      maturin --zig       statically: tag, ELF machine, links musl
#   sdist                                      maturin sdist       pip install from it in a clean venv (builds
#                                                                  with the local Rust), then pytest
# A musl or aarch64 CPython is not to be had here, so those wheels are
# checked, not run. Then the LICENSE/metadata check (scripts/python/check_dist.py)
# runs on every file.
#
# SETPOLL_RELEASE_TARGETS narrows the wheels (e.g. "x86_64-unknown-linux-musl").
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${SETPOLL_PY_VENV:-$ROOT/.venv-python}
OUT=$ROOT/target/release-dist
source "$ROOT/scripts/python/wheels.sh"
log() { printf '  [release] %s\n' "$*"; }

python_tool_venv "$VENV"
rm -rf "$OUT"
mkdir -p "$OUT"

declare -A COMPAT=(
    [x86_64-unknown-linux-gnu]=manylinux2014
    [x86_64-unknown-linux-musl]=musllinux_1_2
    [aarch64-unknown-linux-gnu]=manylinux2014
    [aarch64-unknown-linux-musl]=musllinux_1_2
)
TARGETS=${SETPOLL_RELEASE_TARGETS:-x86_64-unknown-linux-gnu x86_64-unknown-linux-musl aarch64-unknown-linux-gnu aarch64-unknown-linux-musl}
for target in $TARGETS; do
    start=$SECONDS
    dir=$ROOT/target/python-$target
    [[ $target == x86_64-unknown-linux-gnu ]] && dir=$ROOT/target/python   # shared with scripts/python/test.sh
    build_wheel "$VENV" "$target" "${COMPAT[$target]}" "$dir" "$OUT"
    log "$target ${COMPAT[$target]} wheel: $((SECONDS - start)) s"
done

# What a wheel's extension needs, read from its ELF file (no foreign CPU or libc needed).
python3 - "$OUT" <<'PY'
import re, subprocess, sys, tempfile, zipfile
from pathlib import Path
failed = False
for wheel in sorted(Path(sys.argv[1]).glob("*.whl")):
    with zipfile.ZipFile(wheel) as z, tempfile.TemporaryDirectory() as tmp:
        so = next(n for n in z.namelist() if n.endswith(".so"))
        path = Path(z.extract(so, tmp))
        data = path.read_bytes()
        machine = {62: "x86_64", 183: "aarch64"}.get(int.from_bytes(data[18:20], "little"), "?")
        dynamic = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
        needed = re.findall(r"\(NEEDED\).*\[(.*)\]", dynamic)
        glibc = sorted({(int(a), int(b)) for a, b in re.findall(rb"GLIBC_(\d+)\.(\d+)", data)})
        problems = []
        if machine not in wheel.name:
            problems.append(f"ELF machine {machine}")
        if "musllinux" in wheel.name and (glibc or not any("musl" in n or n == "libc.so" for n in needed)):
            problems.append(f"not a musl library (needs {needed}, glibc {glibc[-1:] if glibc else 'none'})")
        if "manylinux_2_17" in wheel.name and glibc and glibc[-1] > (2, 17):
            problems.append("needs GLIBC_%d.%d" % glibc[-1])
        newest = "GLIBC_%d.%d" % glibc[-1] if glibc else "no glibc symbol"
        print(f"  [release] {wheel.name}: {machine}, needs {needed}, {newest}"
              + (f" -- FAIL: {'; '.join(problems)}" if problems else ""))
        failed |= bool(problems)
sys.exit(1 if failed else 0)
PY

# The x86_64 glibc wheel: installed and tested as a user would.
if [[ " $TARGETS " == *" x86_64-unknown-linux-gnu "* ]]; then
    start=$SECONDS
    clean_venv "$ROOT/target/python/venv-release" "$(ls "$OUT"/setpoll-*manylinux_2_17_x86_64*.whl)" pytest mypy
    (cd bindings/python && "$ROOT/target/python/venv-release/bin/python" -m pytest -q -p no:cacheprovider tests)
    log "manylinux2014 x86_64 wheel: installed and tested in $((SECONDS - start)) s"
fi

# The sdist: pip builds it from source (maturin from PyPI, the local cargo).
start=$SECONDS
"$VENV/bin/maturin" sdist --manifest-path bindings/python/Cargo.toml --out "$OUT"
SDIST=$(ls "$OUT"/setpoll-*.tar.gz)
CARGO_TARGET_DIR=$ROOT/target/python-sdist clean_venv "$ROOT/target/python/venv-sdist" "$SDIST" pytest mypy
(cd bindings/python && "$ROOT/target/python/venv-sdist/bin/python" -m pytest -q -p no:cacheprovider tests)
log "sdist: built, installed from source and tested in $((SECONDS - start)) s"

python3 scripts/python/check_dist.py https://github.com/setpoll/setpoll "$OUT"/*
ls -l "$OUT"
