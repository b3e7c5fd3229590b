// Wycheproof through the npm package's platform-crypto adapters in Node:
// `setpoll/crypto-node` (node:crypto, synchronous) and `setpoll/crypto-web`
// (WebCrypto, async; Node has crypto.subtle too). Cases and expected
// verdicts: tests/wycheproof/wycheproof.json (see its generator,
// tests/src/wycheproof.rs). The adapters are loaded through the package's
// own `exports` map, as `import "setpoll/crypto-node"` resolves them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describeCounts, expectedCounts, resolveExport, runWycheproof } from "../browser/wycheproof.mjs";

const PKG = new URL("../pkg/", import.meta.url);
const FILE = JSON.parse(readFileSync(new URL("../../../tests/wycheproof/wycheproof.json", import.meta.url), "utf8"));

/** `import("setpoll/<subpath>")` as Node would resolve it for an ES module importer. */
async function importSubpath(subpath) {
  const manifest = JSON.parse(readFileSync(new URL("package.json", PKG), "utf8"));
  const target = resolveExport(manifest, subpath, ["node", "import", "default"]);
  assert.ok(target, `the package exports no node/import/default target for ./${subpath}`);
  return import(new URL(target, PKG));
}

const ADAPTERS = [
  ["setpoll/crypto-node (node:crypto)", "crypto-node", "sync"],
  ["setpoll/crypto-web (WebCrypto in Node)", "crypto-web", "async"],
];

for (const [name, subpath, mode] of ADAPTERS) {
  test(`wycheproof: ${name} agrees on every case`, async () => {
    const { verifyRaw } = await importSubpath(subpath);
    assert.equal(typeof verifyRaw, "function", `${subpath} exports verifyRaw`);
    const { counts, refused, failures } = await runWycheproof(FILE, verifyRaw, mode);
    console.log(`wycheproof ${subpath}: ${describeCounts(counts)} (${refused} refused by the adapter)`);
    assert.deepEqual(counts, expectedCounts(FILE), "every exported case ran");
    assert.deepEqual(failures, [], `${failures.length} disagreement(s) with Wycheproof`);
  });
}
