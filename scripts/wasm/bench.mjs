// Short benchmark of SET signing and verification: the `setpoll` package vs
// the `jose` npm package (jwtVerify / SignJWT, on Node's native crypto) on
// the same tokens, and the package's full verification and signing vs the
// bare wasm P-256 signature check and signature (`RawEs256Verifier`,
// `RawEs256Signer`: the core's crypto layer with no JOSE around it).
//
//   node scripts/wasm/bench.mjs            (after scripts/wasm/build.sh)
//   SETPOLL_PKG=<dir> node scripts/wasm/bench.mjs   another build's node/ dir
//
// `jose` is installed into target/wasm-bench/ on first use (npm registry).
// Target: verifySet within 1.2x of the raw wasm P-256 verification.
//
// The machine is shared, so a figure measured alone drifts with the load.
// Each pair that forms a ratio is therefore measured in alternating short
// slices (ROUNDS of them); the ratio printed is the median of the per-round
// ratios, and each time printed is the median of its slices.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createPrivateKey } from "node:crypto";
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
const ROUNDS = Number(process.env.ROUNDS ?? 15);
const claims = setpoll.buildClaims({
  iss: ISS, jti: "b460a07c-4962-43d1-85ee-9dc10fbb8f6c", aud: AUD, iat: IAT, toe: IAT,
  sub: "https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-1234-007",
  txn: "dfc51628-3479-4b81-ad60-210b43d02306",
  events: [{ type: "resourceUpdate", subject: { rid: "aac-1234-007", rty: "account-access-consent",
    rlk: [{ version: "v3.1", link: "https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-1234-007" }] } }],
});
const PROFILE = { kind: "rfc8417" };
const joseOptions = (alg) => ({ issuer: ISS, audience: AUD, currentDate: new Date(NOW), algorithms: [alg] });

// One key per algorithm, each loaded into setpoll and into jose.
async function keys(alg, privateJwk) {
  const key = setpoll.SigningKey.fromJwk(JSON.stringify(privateJwk)).withKid(`bench-${alg}`);
  const publicJwk = JSON.parse(key.toPublicJwk());
  const ring = new setpoll.Keyring(setpoll.jwksFromKeys([key.toPublicJwk()]));
  const token = setpoll.signSet(claims, key, PROFILE, NOW);
  const joseKey = await jose.importJWK({ ...publicJwk, alg }, alg);
  const josePriv = await jose.importJWK({ ...privateJwk, alg }, alg);
  const policy = { issuer: ISS, audience: AUD, algorithms: [alg] };
  // Sanity: every path accepts the same token.
  setpoll.verifySet(token, ring, policy, NOW);
  await jose.jwtVerify(token, joseKey, joseOptions(alg));
  return {
    alg, key, token,
    verify: () => setpoll.verifySet(token, ring, policy, NOW),
    sign: () => setpoll.signSet(claims, key, PROFILE, NOW),
    joseVerify: () => jose.jwtVerify(token, joseKey, joseOptions(alg)),
    joseSign: () =>
      new jose.SignJWT(claims).setProtectedHeader({ alg, kid: `bench-${alg}`, typ: "secevent+jwt" }).sign(josePriv),
  };
}

const es = await keys("ES256", JSON.parse(setpoll.SigningKey.generateEs256().toPrivateJwk()));
const rsaPem = readFileSync(join(ROOT, "core/src/jose/testdata/rsa2048.pk8.pem"), "utf8");
const ps = await keys("PS256", createPrivateKey(rsaPem).export({ format: "jwk" }));

const rawVerifier = new setpoll.RawEs256Verifier(es.key.toPublicJwk());
const rawSigner = new setpoll.RawEs256Signer(es.key.toPrivateJwk());
const dot = es.token.lastIndexOf(".");
const signingInput = new TextEncoder().encode(es.token.slice(0, dot));
const signature = new Uint8Array(Buffer.from(es.token.slice(dot + 1), "base64url"));
if (!rawVerifier.verify(signingInput, signature)) throw new Error("raw verify refused the token");
const rawVerify = () => rawVerifier.verify(signingInput, signature);
const rawSign = () => rawSigner.sign(signingInput);

// Microseconds per call of `fn` over a slice of about `ms` milliseconds.
async function slice(fn, ms) {
  let n = 0;
  const start = performance.now();
  do {
    for (let i = 0; i < 5; i++) await fn();
    n += 5;
  } while (performance.now() - start < ms);
  return ((performance.now() - start) * 1000) / n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// Alternate `a` and `b` for ROUNDS slices each; medians of each and of a/b.
async function pair(a, b, ms = 120) {
  for (let i = 0; i < 10; i++) { await a(); await b(); } // warm up
  const as = [], bs = [], ratios = [];
  for (let r = 0; r < ROUNDS; r++) {
    const x = await slice(a, ms);
    const y = await slice(b, ms);
    as.push(x); bs.push(y); ratios.push(x / y);
  }
  return { a: median(as), b: median(bs), ratio: median(ratios) };
}

const row = (name, us) => console.log(`${name.padEnd(46)} ${us.toFixed(1).padStart(9)} µs/op`);
console.log(`token: ${es.token.length} bytes ES256, ${ps.token.length} bytes PS256; node ${process.version}; ${ROUNDS} rounds`);

const esVerify = await pair(es.verify, rawVerify);
row("ES256 setpoll verifySet (full SET verification)", esVerify.a);
row("ES256 raw wasm P-256 verify (RawEs256Verifier)", esVerify.b);
const esSign = await pair(es.sign, rawSign);
row("ES256 setpoll signSet", esSign.a);
row("ES256 raw wasm P-256 sign (RawEs256Signer)", esSign.b);
const esJoseVerify = await pair(es.verify, es.joseVerify);
row("ES256 jose jwtVerify", esJoseVerify.b);
const esJoseSign = await pair(es.sign, es.joseSign);
row("ES256 jose SignJWT", esJoseSign.b);
const psJoseVerify = await pair(ps.verify, ps.joseVerify);
row("PS256 setpoll verifySet", psJoseVerify.a);
row("PS256 jose jwtVerify", psJoseVerify.b);
const psJoseSign = await pair(ps.sign, ps.joseSign, 400);
row("PS256 setpoll signSet", psJoseSign.a);
row("PS256 jose SignJWT", psJoseSign.b);

const verdict = esVerify.ratio <= 1.2 ? "met" : "MISSED";
console.log(`verifySet / raw P-256 verify:     ${esVerify.ratio.toFixed(3)}x (target <= 1.2x) ${verdict}`);
console.log(`signSet / raw P-256 sign:         ${esSign.ratio.toFixed(3)}x`);
console.log(`ES256 verifySet / jose jwtVerify: ${esJoseVerify.ratio.toFixed(2)}x`);
console.log(`ES256 signSet / jose SignJWT:     ${esJoseSign.ratio.toFixed(2)}x`);
console.log(`PS256 verifySet / jose jwtVerify: ${psJoseVerify.ratio.toFixed(2)}x`);
console.log(`PS256 signSet / jose SignJWT:     ${psJoseSign.ratio.toFixed(2)}x`);
