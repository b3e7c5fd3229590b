// setpoll <-> `jose` (npm), both directions (driven by scripts/interop/test.sh).
//
// Reads WORK/context.json, WORK/setpoll-jwks.json and WORK/setpoll-tokens.tsv
// (written by the runner with the setpoll CLI), then
// 1. imports setpoll's public JWK Set and verifies every setpoll-signed SET
//    (ES256, PS256, RS256; OBIE and RFC 8417 headers), checking header and
//    claims; an OBIE token must be refused while the OBIE `crit` names are not
//    declared (RFC 7515 §4.1.11) and accepted once they are (`crit` option);
// 2. generates its own keys and signs the same claims with both header
//    profiles, writing WORK/jose-jwks.json and WORK/jose-tokens.tsv for the
//    runner to verify with `setpoll verify`.
// Usage: node interop.mjs WORK PREFIX (the npm --prefix `jose` is installed under).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deepStrictEqual, strictEqual, ok as assertOk } from "node:assert/strict";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const [work, prefix] = process.argv.slice(2);
const fromPrefix = createRequire(join(prefix, "interop.js"));
const jose = await import(pathToFileURL(fromPrefix.resolve("jose")).href);
const joseVersion = JSON.parse(readFileSync(join(prefix, "node_modules/jose/package.json"), "utf8")).version;

const OBIE_IAT = "http://openbanking.org.uk/iat";
const OBIE_ISS = "http://openbanking.org.uk/iss";
const OBIE_TAN = "http://openbanking.org.uk/tan";
const OBIE_CRIT = [OBIE_IAT, OBIE_ISS, OBIE_TAN];
// jose's public API for critical headers: each name it may accept in `crit`
// (true: must be integrity protected). The caller then checks the values.
const CRIT = { [OBIE_IAT]: true, [OBIE_ISS]: true, [OBIE_TAN]: true };

const ctx = JSON.parse(readFileSync(join(work, "context.json"), "utf8"));
const setpollJwks = JSON.parse(readFileSync(join(work, "setpoll-jwks.json"), "utf8"));
const setpollTokens = readFileSync(join(work, "setpoll-tokens.tsv"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => l.split("\t"));

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e?.code ?? e?.name}: ${e?.message}`);
  }
}

async function refused(fn, code) {
  try {
    await fn();
  } catch (e) {
    strictEqual(e.code, code, `${e.code}: ${e.message}`);
    return;
  }
  throw new Error("accepted a token it should refuse");
}

function expectHeader(h, alg, profile) {
  strictEqual(h.alg, alg);
  strictEqual(h.kid, `setpoll-${alg.toLowerCase()}`);
  if (profile === "obie") {
    strictEqual(h.typ, "JOSE");
    deepStrictEqual(h.crit, OBIE_CRIT);
    strictEqual(h[OBIE_IAT], ctx.now);
    strictEqual(h[OBIE_ISS], ctx.orgId);
    strictEqual(h[OBIE_TAN], ctx.trustAnchor);
  } else {
    strictEqual(h.typ, "secevent+jwt");
    strictEqual(h.crit, undefined);
  }
}

console.log(`# jose (npm) ${joseVersion}`);
const keySet = jose.createLocalJWKSet(setpollJwks);
for (const [alg, profile, token] of setpollTokens) {
  await check(`jose verifies setpoll ${alg} ${profile}`, async () => {
    const opts = { algorithms: [alg], issuer: ctx.iss, audience: ctx.aud, currentDate: new Date(ctx.now * 1000) };
    if (profile === "obie") {
      await refused(() => jose.jwtVerify(token, keySet, opts), "ERR_JOSE_NOT_SUPPORTED");
    }
    const { payload, protectedHeader } = await jose.jwtVerify(token, keySet, { ...opts, crit: CRIT });
    expectHeader(protectedHeader, alg, profile);
    deepStrictEqual(payload, ctx.claims);
    // The allow-list matters: another algorithm only is refused.
    const other = alg === "ES256" ? "PS256" : "ES256";
    await refused(
      () => jose.jwtVerify(token, keySet, { ...opts, crit: CRIT, algorithms: [other] }),
      "ERR_JOSE_ALG_NOT_ALLOWED",
    );
  });
}

await check("jose signs with its own keys", async () => {
  const keys = { keys: [] };
  const lines = [];
  const payload = new TextEncoder().encode(JSON.stringify(ctx.claims));
  for (const alg of ["ES256", "PS256", "RS256"]) {
    const kid = `jose-${alg.toLowerCase()}`;
    const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true });
    keys.keys.push({ ...(await jose.exportJWK(publicKey)), kid, use: "sig", alg });
    const obie = {
      alg, kid, typ: "JOSE", crit: OBIE_CRIT,
      [OBIE_IAT]: ctx.now, [OBIE_ISS]: ctx.orgId, [OBIE_TAN]: ctx.trustAnchor,
    };
    // Signing refuses unknown `crit` names too, unless declared.
    await refused(() => new jose.CompactSign(payload).setProtectedHeader(obie).sign(privateKey), "ERR_JOSE_NOT_SUPPORTED");
    const signedObie = await new jose.CompactSign(payload).setProtectedHeader(obie).sign(privateKey, { crit: CRIT });
    const signedRfc = await new jose.CompactSign(payload)
      .setProtectedHeader({ alg, kid, typ: "secevent+jwt" })
      .sign(privateKey);
    lines.push(`${alg}\tobie\t${signedObie}`, `${alg}\trfc8417\t${signedRfc}`);
  }
  assertOk(lines.length === 6);
  writeFileSync(join(work, "jose-jwks.json"), JSON.stringify(keys));
  writeFileSync(join(work, "jose-tokens.tsv"), lines.join("\n") + "\n");
});

console.log(`node interop: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
