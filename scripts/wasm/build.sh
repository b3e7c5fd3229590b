#!/usr/bin/env bash
# Builds the `setpoll` npm package into bindings/wasm/pkg/ (gitignored).
#
# Installs what is missing first, and only that, so it is quick on a warm
# machine and works non-interactively on a fresh one:
#   - Debian's rustc-web/cargo-web (+ std source and lld): rustup offers no
#     wasm32 std here, so std is rebuilt with -Zbuild-std (RUSTC_BOOTSTRAP=1);
#   - the wasm-bindgen CLI, at exactly the version bindings/wasm/Cargo.toml pins.
# Also needs node and python3 (its standard lzma module: scripts/wasm/inline.mjs
# compresses the inlined .wasm with it), both present wherever the tests run.
#
# Three builds of the crate: `portable` (the default features: the pure-Rust
# P-256/RSA code as well as the platform's crypto, and the whole API),
# `platform` (without that code, `--no-default-features --features
# transmitter`: every signature on WebCrypto, much smaller) and `receiver`
# (`--no-default-features`: `platform` without the ASPSP side, i.e. the
# transmitter and SET signing; the default browser entry).
# Output (see bindings/wasm/README.md for why this layout):
#   pkg/node/  portable, `wasm-bindgen --target nodejs`: CommonJS, synchronous, `main`
#   pkg/web-receiver/  receiver, `wasm-bindgen --target web`: ES module for
#              browsers and bundlers; web-receiver/inline.js (the default
#              browser entry) inlines the .wasm, no init()
#   pkg/web/   platform, the same layout (`setpoll/full`: the whole API)
#   pkg/web-portable/  portable, the same layout as web/ (the fallback entry)
#   pkg/package.json (metadata from Cargo.toml), pkg/README.md, pkg/LICENSE
# Then checks the .wasm imports nothing but wasm-bindgen's own glue.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CRATE=bindings/wasm
PKG=$ROOT/$CRATE/pkg
export DEBIAN_FRONTEND=noninteractive

log() { printf '  [wasm] %s\n' "$*"; }

WB_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' "$CRATE/Cargo.toml")
PKG_VERSION=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
[ -n "$WB_VERSION" ] && [ -n "$PKG_VERSION" ] || { echo "cannot read versions" >&2; exit 1; }

# --- toolchain: Debian rustc with the std source for -Zbuild-std ------------
debian_toolchain_ok() {
    [ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] || return 1
    local sysroot
    sysroot=$(/usr/bin/rustc --print sysroot) || return 1
    [ -f "$sysroot/lib/rustlib/src/rust/library/std/Cargo.toml" ] || return 1
    command -v wasm-ld-22 >/dev/null || [ -x /usr/lib/llvm-22/bin/wasm-ld ] || return 1
}
if ! debian_toolchain_ok; then
    log "installing Debian rustc-web toolchain (apt)"
    apt-get update -qq
    apt-get install -y -qq rustc-web cargo-web rust-web-src rust-web-llvm lld-22 >/dev/null
    debian_toolchain_ok || { echo "Debian wasm toolchain still incomplete" >&2; exit 1; }
fi

# --- wasm-bindgen CLI in lockstep with the crate ----------------------------
# Installed with the default (rustup) cargo: only the wasm build needs Debian's.
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WB_VERSION" ]; then
    log "installing wasm-bindgen-cli $WB_VERSION (takes a few minutes once)"
    cargo install wasm-bindgen-cli --version "$WB_VERSION" --no-default-features \
        --bin wasm-bindgen --force --quiet
fi
WASM_BINDGEN=$(command -v wasm-bindgen)

# --- TypeScript, for the JS entries -----------------------------------------
# bindings/wasm/js/ holds TypeScript sources only; tsc writes the package's
# .js and .d.ts from them (no hand-written declarations). Installed once, at
# exact versions, into a project-local folder (target/ is gitignored);
# scripts/wasm/test.sh type-checks the README with the same compiler.
TS_VERSION=5.9.3
NODE_TYPES_VERSION=20.19.43
TS_DIR=${SETPOLL_TYPESCRIPT:-$ROOT/target/tools/typescript}
installed() { node -p "require('$TS_DIR/node_modules/$1/package.json').version" 2>/dev/null || true; }
if [ "$(installed typescript)" != "$TS_VERSION" ] || [ "$(installed @types/node)" != "$NODE_TYPES_VERSION" ]; then
    log "installing typescript@$TS_VERSION and @types/node@$NODE_TYPES_VERSION into $TS_DIR (npm)"
    mkdir -p "$TS_DIR"
    npm install --prefix "$TS_DIR" --no-save --no-audit --no-fund --silent \
        "typescript@$TS_VERSION" "@types/node@$NODE_TYPES_VERSION" >/dev/null
fi
TSC=(node "$TS_DIR/node_modules/typescript/bin/tsc")
JS=$CRATE/js
# Only TypeScript sources (and their tsconfig) under js/: a hand-written .js
# or .d.ts there would ship without a compiler's check.
stray=$(find "$JS" -type f ! -name '*.ts' ! -name tsconfig.json -o -type f -name '*.d.ts')
if [ -n "$stray" ]; then
    printf 'not a TypeScript source (write a .ts; tsc generates the .js and .d.ts):\n%s\n' "$stray" >&2
    exit 1
fi

# --- build ------------------------------------------------------------------
# setpoll-core comes in with default-features = false (workspace dependency):
# portable RustCrypto only, no aws-lc-rs. LTO + one codegen unit: smaller and
# faster .wasm; panic=abort: a panic is a trap, never an unwind into JS.
# Optimised for size (opt-level z), the crypto crates for size with less
# zeal (s), and the field arithmetic for speed (3): p256, crypto-bigint with
# its constant-time helpers (ctutils, cmov), and compiler_builtins. p256 0.14
# and crypto-bigint 0.7 use 64-bit limbs on wasm32 (the `cpubits` crate
# promotes it), so each limb product is a u64 x u64 -> u128 multiply, which
# wasm32 only has as compiler_builtins' `__multi3`: a third of a verify and,
# being `no_builtins`, never inlined by LTO. Measured with an A/B of builds
# in one process: the 32-bit backend (`--cfg cpubits="32"`) is about 20%
# slower than this; compiler_builtins at z instead of 3 costs about 10% on
# ES256 (and saves nothing); crypto-bigint, ctutils and cmov at s/z leave
# their small helpers as calls and cost about 20% on signing (3 costs
# 0.2 KiB gzipped).
# With signatures on the platform (issue 16) the core's JSON parsing is most
# of a browser verification: serde_json and base64ct at 3 cost 1.8 KiB and
# gain about 10% there; setpoll-core and setpoll-host at s cost 27 KiB, at 3
# 82 KiB (SETPOLL_WASM_SPEED_CRATES adds crates at 3, for measuring).
# `-Cpanic=immediate-abort` (a nightly flag, hence RUSTC_BOOTSTRAP) drops the
# panic message machinery: no library path panics, and if one did, abort or
# immediate abort both trap. `optimize_for_size` picks std's small variants
# (sort, formatting). Together they take about 20 KiB off the gzipped .wasm.
# wasm-opt is not used: binaryen 108 and 132 both make the file smaller raw
# but larger gzipped (257 -> 270 KB at -Oz), and gzipped is what is served.
TARGET_DIR=$ROOT/target/wasm-debian
SIZE_CRATES=(primeorder elliptic-curve ecdsa sha2 rsa num-bigint-dig)
SPEED_CRATES=(p256 crypto-bigint ctutils cmov compiler_builtins serde_json base64ct ${SETPOLL_WASM_SPEED_CRATES:-})
CONFIG_FLAGS=()
for crate in "${SIZE_CRATES[@]}"; do
    CONFIG_FLAGS+=(--config "profile.release.package.$crate.opt-level=\"s\"")
done
for crate in "${SPEED_CRATES[@]}"; do
    CONFIG_FLAGS+=(--config "profile.release.package.$crate.opt-level=3")
done
OUT_DIR=$TARGET_DIR/setpoll-wasm
mkdir -p "$OUT_DIR"
# build_wasm NAME [cargo flags...]: one variant, copied to $OUT_DIR/NAME.wasm
# (both variants share the target dir; only the last crates differ).
build_wasm() {
    local name=$1
    shift
    log "cargo build --release --target wasm32-unknown-unknown ($name)"
    PATH=/usr/bin:$PATH RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$TARGET_DIR \
    RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" \
    CARGO_PROFILE_RELEASE_LTO=${SETPOLL_WASM_LTO:-true} CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
    CARGO_PROFILE_RELEASE_PANIC=abort CARGO_PROFILE_RELEASE_OPT_LEVEL=${SETPOLL_WASM_OPT_LEVEL:-z} \
        /usr/bin/cargo build --quiet --release -p setpoll-wasm "${CONFIG_FLAGS[@]}" "$@" \
        --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort \
        -Zbuild-std-features=optimize_for_size
    cp "$TARGET_DIR/wasm32-unknown-unknown/release/setpoll_wasm.wasm" "$OUT_DIR/$name.wasm"
}
build_wasm portable
build_wasm platform --no-default-features --features transmitter
build_wasm receiver --no-default-features

# The core must never pull the native crypto backend into the wasm build.
if PATH=/usr/bin:$PATH /usr/bin/cargo tree -q -p setpoll-wasm --target wasm32-unknown-unknown \
        -e normal --prefix none 2>/dev/null | grep -q '^aws-lc'; then
    echo "aws-lc-rs is in the wasm dependency tree" >&2; exit 1
fi

# --- wasm-bindgen -----------------------------------------------------------
log "wasm-bindgen $WB_VERSION -> $CRATE/pkg/{node,web-receiver,web,web-portable}"
rm -rf "$PKG"
mkdir -p "$PKG"
# The name section (function names, ~45% of the file) only helps debuggers.
BINDGEN_FLAGS=(--out-name setpoll --remove-name-section --remove-producers-section)
"$WASM_BINDGEN" --target nodejs --out-dir "$PKG/node" "${BINDGEN_FLAGS[@]}" "$OUT_DIR/portable.wasm"
"$WASM_BINDGEN" --target web --out-dir "$PKG/web-receiver" "${BINDGEN_FLAGS[@]}" "$OUT_DIR/receiver.wasm"
"$WASM_BINDGEN" --target web --out-dir "$PKG/web" "${BINDGEN_FLAGS[@]}" "$OUT_DIR/platform.wasm"
"$WASM_BINDGEN" --target web --out-dir "$PKG/web-portable" "${BINDGEN_FLAGS[@]}" "$OUT_DIR/portable.wasm"
# node/ is CommonJS, web/ is ESM: say so per folder, so both load in Node too.
printf '{ "type": "commonjs" }\n' >"$PKG/node/package.json"
# The entries (index.js) wrap wasm-bindgen's module and install the
# platform's crypto: node:crypto (node/, synchronous) or WebCrypto (the
# web builds). tsc compiles js/<kind>.ts as index.ts, with the crypto adapter
# and the shared modules, in a staging folder beside wasm-bindgen's
# setpoll.d.ts (which the sources import as ./setpoll.js), writing the .js
# and .d.ts into the package (tsc's messages name the staged copies: same
# names, js/<kind>.ts as index.ts). web.ts builds on web-receiver.ts, so
# web/ gets both. web-portable/ gets web/'s output: the same code over the
# portable build.
STAGE=$TARGET_DIR/ts
for kind in node web-receiver web; do
    rm -rf "$STAGE/$kind"
    mkdir -p "$STAGE/$kind"
    cp "$JS/$kind.ts" "$STAGE/$kind/index.ts"
    crypto=crypto-web
    [ "$kind" = node ] && crypto=crypto-node
    cp "$JS/$crypto.ts" "$JS/crypto.ts" "$JS/async.ts" "$PKG/$kind/setpoll.d.ts" "$STAGE/$kind/"
    extra=""
    if [ "$kind" != node ]; then
        # The LZMA decoder of the ready-on-import entry (inline.mjs, below).
        cp "$JS/unlzma.ts" "$STAGE/$kind/"
        extra=', "unlzma.ts"'
    fi
    if [ "$kind" = web ]; then
        cp "$JS/web-receiver.ts" "$STAGE/$kind/"
        extra="$extra, \"web-receiver.ts\""
    fi
    if [ "$kind" = node ]; then
        options='"module": "commonjs", "moduleResolution": "node10", "lib": ["ES2022", "ESNext.Disposable"], "types": ["node"]'
    else
        options='"module": "ES2022", "moduleResolution": "bundler", "lib": ["ES2022", "ESNext.Disposable", "DOM"], "types": []'
    fi
    cat >"$STAGE/$kind/tsconfig.json" <<TSCONFIG
{
  "extends": "$ROOT/$JS/tsconfig.json",
  "compilerOptions": { $options, "typeRoots": ["$TS_DIR/node_modules/@types"], "rootDir": ".", "outDir": "$PKG/$kind" },
  "files": ["index.ts", "$crypto.ts"$extra]
}
TSCONFIG
    log "tsc: js/$kind.ts -> $CRATE/pkg/$kind/index.js, index.d.ts"
    "${TSC[@]}" -p "$STAGE/$kind/tsconfig.json"
done
for f in index web-receiver crypto-web crypto async unlzma; do
    cp "$PKG/web/$f.js" "$PKG/web/$f.d.ts" "$PKG/web-portable/"
done
for dir in web-receiver web web-portable; do
    printf '{ "type": "module" }\n' >"$PKG/$dir/package.json"
    # inline.js: ready on import (the .wasm inlined as base64; see the
    # script for why), wrapping index.js; web-receiver/inline.js is the
    # default browser/bundler entry, web/inline.js `setpoll/full`.
    node "$ROOT/scripts/wasm/inline.mjs" "$PKG/$dir" index.js
    # Its declarations from tsc too (allowJs): index.d.ts re-exported.
    "${TSC[@]}" --allowJs --declaration --emitDeclarationOnly --strict --target ES2022 --module ES2022 \
        --moduleResolution bundler --lib ES2022,DOM,ESNext.Disposable "$PKG/$dir/inline.js"
done
# The browser builds' JavaScript without comments: their documentation is in
# the .d.ts files (written above), and a browser would download it on every
# page load (scripts/wasm/strip-comments.mjs says how it is kept safe).
node "$ROOT/scripts/wasm/strip-comments.mjs" "$TS_DIR" "$PKG/web-receiver" "$PKG/web" "$PKG/web-portable"
cp "$CRATE/README.md" "$PKG/README.md"
cp LICENSE "$PKG/LICENSE"

# Metadata from one place: this crate's description and the workspace's
# [workspace.package] (license, homepage, repository, keywords), as JSON.
META=$(cargo metadata --no-deps --format-version 1 --manifest-path "$CRATE/Cargo.toml" | node -e '
const p = JSON.parse(require("fs").readFileSync(0, "utf8")).packages.find((p) => p.name === "setpoll-wasm");
const j = JSON.stringify;
console.log([
  `"description": ${j(p.description)}`,
  `"license": ${j(p.license)}`,
  `"homepage": ${j(p.homepage)}`,
  `"repository": ${j({ type: "git", url: "git+" + p.repository + ".git", directory: "bindings/wasm" })}`,
  `"bugs": ${j({ url: p.repository + "/issues" })}`,
  `"keywords": ${j([...p.keywords, "webassembly", "wasm"])}`,
].join(",\n  "));')

cat >"$PKG/package.json" <<JSON
{
  "name": "setpoll",
  "version": "$PKG_VERSION",
  $META,
  "main": "./node/index.js",
  "types": "./node/index.d.ts",
  "browser": "./web-receiver/inline.js",
  "exports": {
    ".": {
      "node": {
        "types": "./node/index.d.ts",
        "default": "./node/index.js"
      },
      "default": {
        "types": "./web-receiver/inline.d.ts",
        "default": "./web-receiver/inline.js"
      }
    },
    "./full": {
      "node": {
        "types": "./node/index.d.ts",
        "default": "./node/index.js"
      },
      "default": {
        "types": "./web/inline.d.ts",
        "default": "./web/inline.js"
      }
    },
    "./web-receiver": {
      "types": "./web-receiver/index.d.ts",
      "default": "./web-receiver/index.js"
    },
    "./web": {
      "types": "./web/index.d.ts",
      "default": "./web/index.js"
    },
    "./web-portable": {
      "types": "./web-portable/inline.d.ts",
      "default": "./web-portable/inline.js"
    },
    "./node": {
      "types": "./node/index.d.ts",
      "default": "./node/index.js"
    },
    "./crypto-node": {
      "types": "./node/crypto-node.d.ts",
      "default": "./node/crypto-node.js"
    },
    "./crypto-web": {
      "types": "./web/crypto-web.d.ts",
      "default": "./web/crypto-web.js"
    },
    "./setpoll_bg.wasm": "./web/setpoll_bg.wasm",
    "./package.json": "./package.json"
  },
  "files": ["node/", "web-receiver/", "web/", "web-portable/", "README.md", "LICENSE"],
  "engines": { "node": ">=18" }
}
JSON

# --- the .wasm imports only wasm-bindgen glue; report its size --------------
node "$ROOT/scripts/wasm/check-imports.mjs" "$PKG/node/setpoll_bg.wasm" "$PKG/web-receiver/setpoll_bg.wasm" \
    "$PKG/web/setpoll_bg.wasm" "$PKG/web-portable/setpoll_bg.wasm"
log "done: $CRATE/pkg"
