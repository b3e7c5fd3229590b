// Every shared vector file (vectors.test.mjs) again with node:crypto
// installed under the core: keys, key sets, receiver scripts and
// verifications run on the platform; signing stays on the fallback here,
// because the sign vectors pin its RFC 6979 signatures byte for byte
// (platform.test.mjs checks the platform's own signatures).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const setpoll = require("../pkg/node/index.js");
const node = require("../pkg/node/crypto-node.js");
setpoll.installPlatformCrypto({ ...node.provider, importPrivate: () => -1 });

await import("./vectors.test.mjs");

test("node:crypto did the verifying", () => {
  assert.equal(setpoll.platformCrypto, "node:crypto");
  assert.ok(node.provider.counts().verify > 50, JSON.stringify(node.provider.counts()));
});
