// Short benchmark of SET signing and verification: the `setpoll` package vs
// the `jose` npm package (jwtVerify / SignJWT) on the same ES256 tokens, and
// the package's full verification vs the raw wasm P-256 signature check.
//
//   node scripts/wasm/bench.mjs            (after scripts/wasm/build.sh)
//
// `jose` is installed into target/wasm-bench/ on first use (npm registry).
// Target: verifySet within 1.2x of the raw wasm P-256 verification.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { join, resolve } from "node:path";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const BENCH = join(ROOT, "target/wasm-bench");
const require = createRequire(join(BENCH, "x.js"));
if (!existsSync(join(BENCH, "node_modules/jose"))) {
  mkdirSync(BENCH, { recursive: true });
  execFileSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--prefix", BENCH, "jose@6"], { stdio: "inherit" });
}
const jose = await import(require.resolve("jose"));
// SETPOLL_PKG: another build of the package (a folder holding setpoll.js).
const setpoll = createRequire(import.meta.url)(join(process.env.SETPOLL_PKG ?? join(ROOT, "bindings/wasm/pkg/node"), "setpoll.js"));

const ISS = "https://examplebank.com/";
const AUD = "7umx5nTR33811QyQfi";
const IAT = 1_700_000_000;
const NOW = (IAT + 5) * 1000;
const claims = setpoll.buildClaims({
  iss: ISS, jti: "b460a07c-4962-43d1-85ee-9dc10fbb8f6c", aud: AUD, iat: IAT, toe: IAT,
  sub: "https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-1234-007",
  txn: "dfc51628-3479-4b81-ad60-210b43d02306",
  events: [{ type: "resourceUpdate", subject: { rid: "aac-1234-007", rty: "account-access-consent",
    rlk: [{ version: "v3.1", link: "https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-1234-007" }] } }],
});

const key = setpoll.SigningKey.generateEs256().withKid("bench-1");
const publicJwk = JSON.parse(key.toPublicJwk());
const ring = new setpoll.Keyring(setpoll.jwksFromKeys([key.toPublicJwk()]));
const policy = { issuer: ISS, audience: AUD, algorithms: ["ES256"] };
const token = setpoll.signSet(claims, key, { kind: "rfc8417" }, NOW);
const joseKey = await jose.importJWK({ ...publicJwk, alg: "ES256" }, "ES256");
const josePriv = await jose.importJWK({ ...JSON.parse(key.toPrivateJwk()), alg: "ES256" }, "ES256");
const raw = new setpoll.RawEs256Verifier(key.toPublicJwk());
const dot = token.lastIndexOf(".");
const signingInput = new TextEncoder().encode(token.slice(0, dot));
const signature = new Uint8Array(Buffer.from(token.slice(dot + 1), "base64url"));

// Sanity: every path accepts the same token.
setpoll.verifySet(token, ring, policy, NOW);
await jose.jwtVerify(token, joseKey, { issuer: ISS, audience: AUD, currentDate: new Date(NOW), algorithms: ["ES256"] });
if (!raw.verify(signingInput, signature)) throw new Error("raw verify refused the token");

async function bench(name, fn, { ms = 1500 } = {}) {
  for (let i = 0; i < 20; i++) await fn(); // warm up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let i = 0; i < 10; i++) await fn();
    n += 10;
  }
  const us = ((performance.now() - start) * 1000) / n;
  console.log(`${name.padEnd(44)} ${us.toFixed(1).padStart(9)} µs/op  (${n} ops)`);
  return us;
}

console.log(`token: ${token.length} bytes, ES256; node ${process.version}`);
const rawUs = await bench("raw wasm P-256 verify (RawEs256Verifier)", () => raw.verify(signingInput, signature));
const fullUs = await bench("setpoll verifySet (full SET verification)", () => setpoll.verifySet(token, ring, policy, NOW));
const joseVerifyUs = await bench("jose jwtVerify", () =>
  jose.jwtVerify(token, joseKey, { issuer: ISS, audience: AUD, currentDate: new Date(NOW), algorithms: ["ES256"] }),
);
const signUs = await bench("setpoll signSet", () => setpoll.signSet(claims, key, { kind: "rfc8417" }, NOW));
const joseSignUs = await bench("jose SignJWT", () =>
  new jose.SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: "bench-1", typ: "secevent+jwt" }).sign(josePriv),
);

const ratio = fullUs / rawUs;
console.log(`verifySet / raw P-256 verify: ${ratio.toFixed(3)}x (target <= 1.2x) ${ratio <= 1.2 ? "met" : "MISSED"}`);
console.log(`verifySet / jose jwtVerify:   ${(fullUs / joseVerifyUs).toFixed(2)}x`);
console.log(`signSet / jose SignJWT:       ${(signUs / joseSignUs).toFixed(2)}x`);
