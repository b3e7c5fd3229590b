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

/** The adapter's `verifyRaw` (an ES module export, or a CommonJS one). */
const verifyRawOf = (mod) => mod.verifyRaw ?? mod.default?.verifyRaw;

/**
 * `verifyRaw` over the hook the wasm core itself calls in Node (the
 * `provider` of setpoll/crypto-node: import the JWK for `alg`, verify
 * under the handle, release it), so the path `verifySet` takes is checked
 * too, not only the convenience function.
 */
function viaProvider(provider) {
  return ({ alg, jwk, signingInput, signature }) => {
    let handle;
    try {
      handle = provider.importPublic(alg, JSON.stringify(jwk));
    } catch (e) {
      // The core turns a refused import into this error: a rejection.
      throw Object.assign(new Error(`provider refused the key: ${e.message}`), { code: "backend_rejected_key" });
    }
    try {
      return provider.verify(handle, signingInput, signature);
    } finally {
      provider.release(handle);
    }
  };
}

const ADAPTERS = [
  ["setpoll/crypto-node (node:crypto)", "crypto-node", "sync"],
  ["setpoll/crypto-web (WebCrypto in Node)", "crypto-web", "async"],
];

const run = async (name, verifyRaw, mode) => {
  const { counts, refused, failures } = await runWycheproof(FILE, verifyRaw, mode);
  console.log(`wycheproof ${name}: ${describeCounts(counts)} (${refused} refused by the adapter)`);
  assert.deepEqual(counts, expectedCounts(FILE), "every exported case ran");
  assert.deepEqual(failures, [], `${failures.length} disagreement(s) with Wycheproof`);
};

for (const [name, subpath, mode] of ADAPTERS) {
  test(`wycheproof: ${name} agrees on every case`, async () => {
    const verifyRaw = verifyRawOf(await importSubpath(subpath));
    assert.equal(typeof verifyRaw, "function", `${subpath} exports verifyRaw`);
    await run(subpath, verifyRaw, mode);
  });
}

test("wycheproof: the node:crypto provider the wasm core calls agrees on every case", async () => {
  const mod = await importSubpath("crypto-node");
  const provider = mod.provider ?? mod.default?.provider;
  assert.equal(typeof provider?.importPublic, "function", "crypto-node exports its provider");
  await run("crypto-node provider", viaProvider(provider), "sync");
});

// The pure-Rust fallback compiled to wasm (the portable build: setpoll/node
// and setpoll/web-portable), not the platform's crypto.
const portableRaw = (sp) => ({ alg, jwk, signingInput, signature }) =>
  sp.verifyRawPortable(alg, JSON.stringify(jwk), signingInput, signature);

test("wycheproof: the wasm portable code (verifyRawPortable, setpoll/node) agrees on every case", async () => {
  const node = await importSubpath("node");
  await run("wasm portable (node)", portableRaw(node.default ?? node), "sync");
});

test("wycheproof: the wasm portable code (verifyRawPortable, setpoll/web-portable) agrees on every case", async () => {
  const manifest = JSON.parse(readFileSync(new URL("package.json", PKG), "utf8"));
  const target = resolveExport(manifest, "web-portable", ["browser", "import", "default"]);
  const web = await import(new URL(target, PKG));
  assert.equal(web.hasPortableCrypto(), true);
  await run("wasm portable (web-portable)", portableRaw(web), "sync");
});
