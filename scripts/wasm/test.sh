#!/usr/bin/env bash
# Tests the `setpoll` npm package: builds it (scripts/wasm/build.sh, which also
# checks the .wasm imports), runs the Node suite (node --test), then the same
# package in headless Chromium (installed from Debian if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive

bash scripts/wasm/build.sh

echo "  [wasm] node --test bindings/wasm/test/"
node --test bindings/wasm/test/

if ! command -v chromium >/dev/null; then
    echo "  [wasm] installing chromium (apt)"
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
fi
echo "  [wasm] headless chromium: bindings/wasm/browser/"
node scripts/wasm/browser-test.mjs "$(command -v chromium)"
