#!/usr/bin/env bash
# Tests the `setpoll` npm package: builds it (scripts/wasm/build.sh, which also
# checks the .wasm imports), runs the Node suite (node --test), then the same
# package in headless Chromium (installed from Debian if missing), then the
# packed tarball in an app per bundler (scripts/wasm/bundlers.mjs).
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive

echo "  [wasm] cargo test -p setpoll-wasm (conversions, natively)"
cargo test -q -p setpoll-wasm

bash scripts/wasm/build.sh

# TypeScript for the README check (tsc --strict on every ts block, in
# readme.test.mjs): the compiler build.sh installed (pinned) for the entries.
export SETPOLL_TYPESCRIPT=${SETPOLL_TYPESCRIPT:-$PWD/target/tools/typescript}

echo "  [wasm] node --test bindings/wasm/test/"
node --test bindings/wasm/test/

if ! command -v chromium >/dev/null; then
    echo "  [wasm] installing chromium (apt)"
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
fi
echo "  [wasm] headless chromium: bindings/wasm/browser/"
node scripts/wasm/browser-test.mjs "$(command -v chromium)"

# The packed tarball in a tiny app per bundler (bindings/wasm/apps/): Node ESM
# and CommonJS, Vite, esbuild, webpack, and pages with no bundler, run in Node
# and headless Chromium. The bundlers are installed once into a folder of their
# own, only when missing.
BUNDLERS_DIR=${SETPOLL_BUNDLERS:-$PWD/target/tools/bundlers}
for tool in vite esbuild webpack webpack-cli; do
    if [ ! -f "$BUNDLERS_DIR/node_modules/$tool/package.json" ]; then
        echo "  [wasm] installing vite, esbuild, webpack, webpack-cli into $BUNDLERS_DIR (npm)"
        mkdir -p "$BUNDLERS_DIR"
        npm install --prefix "$BUNDLERS_DIR" --no-save --no-audit --no-fund --silent \
            vite@8 esbuild@0.28 webpack@5 webpack-cli@7 >/dev/null
        break
    fi
done
echo "  [wasm] bundlers: npm pack, then Node ESM/CJS, Vite, esbuild, webpack, no bundler"
node scripts/wasm/bundlers.mjs "$BUNDLERS_DIR" "$(command -v chromium)"
