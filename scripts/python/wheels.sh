# Shared by scripts/python/test.sh and scripts/release.sh (sourced, not run).

# The tool venv: maturin, ziglang (the linker behind `maturin build --zig`),
# pytest and mypy, each installed only when missing.
python_tool_venv() {
    local venv=$1 need=() tool
    [[ -x $venv/bin/python ]] || python3 -m venv "$venv"
    for tool in maturin pytest mypy; do
        [[ -x $venv/bin/$tool ]] || need+=("$tool")
    done
    "$venv/bin/python" -c 'import ziglang' 2>/dev/null || need+=(ziglang)
    if ((${#need[@]})); then
        echo "  [python] installing into $venv: ${need[*]}"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${need[@]}"
    fi
}

# build_wheel VENV RUST_TARGET COMPATIBILITY TARGET_DIR OUT: one release
# wheel (abi3) for RUST_TARGET, tagged COMPATIBILITY (manylinux2014,
# musllinux_1_2), linked by zig against that libc's oldest supported ABI.
# The rustup target is added when missing.
build_wheel() {
    local venv=$1 target=$2 compat=$3 target_dir=$4 out=$5
    rustup target list --installed | grep -qx "$target" || rustup target add "$target"
    # maturin finds zig as `python -m ziglang` of the first python on PATH.
    PATH=$venv/bin:$PATH "$venv/bin/maturin" build --quiet --release --zig \
        --target "$target" --compatibility "$compat" \
        --manifest-path bindings/python/Cargo.toml \
        --target-dir "$target_dir" --out "$out" --interpreter "$venv/bin/python"
}

# clean_venv DIR WHEEL_OR_SDIST [PACKAGES...]: a brand-new venv with the
# package installed from that file (and the packages named, e.g. pytest).
clean_venv() {
    local dir=$1 artifact=$2
    shift 2
    rm -rf "$dir"
    python3 -m venv "$dir"
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$artifact" "$@"
}
