// Benchmark of SET verification and signing: the `setpoll` package (Node
// entry: signatures on node:crypto) against the `jose` npm package
// (jwtVerify / SignJWT, also on node:crypto), same keys, same claims.
//
//   node scripts/wasm/bench.mjs            (after scripts/wasm/build.sh)
//   SETPOLL_PKG=<dir> node scripts/wasm/bench.mjs   another build's pkg/ dir
//
// The same functions run in headless Chromium (WebCrypto) through
// scripts/wasm/bench-browser.mjs, which imports `cases` from here.
//
// The machine is shared, so a figure measured alone drifts with the load.
// Each pair that forms a ratio is measured in alternating short slices
// (ROUNDS of them) in one process; the ratio printed is the median of the
// per-round ratios (jose time / setpoll time: above 1.0 means setpoll is
// faster), each time printed the median of its slices (wall clock).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createPrivateKey } from "node:crypto";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join, resolve } from "node:path";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** jose, installed into target/wasm-bench/ on first use (npm registry). */
export function joseDir() {
  const dir = join(ROOT, "target/wasm-bench");
  if (!existsSync(join(dir, "node_modules/jose"))) {
    mkdirSync(dir, { recursive: true });
    execFileSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--prefix", dir, "jose@6"], { stdio: "inherit" });
  }
  return join(dir, "node_modules/jose");
}

const ISS = "https://examplebank.com/";
const AUD = "7umx5nTR33811QyQfi";
const IAT = 1_700_000_000;
const NOW = (IAT + 5) * 1000;
const LINK = "https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-1234-007";

/**
 * The benchmark pairs for one environment: `setpoll` (a package entry),
 * `jose`, the private JWKs, and whether setpoll's async forms are used.
 */
export async function cases(setpoll, jose, jwks, asyncForms) {
  const claims = new setpoll.ClaimsBuilder(ISS, "b460a07c-4962-43d1-85ee-9dc10fbb8f6c", AUD, IAT)
    .toe(IAT)
    .sub(LINK)
    .txn("dfc51628-3479-4b81-ad60-210b43d02306")
    .resourceUpdate({ rid: "aac-1234-007", rty: "account-access-consent", links: [{ version: "v3.1", link: LINK }] })
    .build();
  const claimsObject = JSON.parse(claims.toJson());
  const out = [];
  for (const alg of ["ES256", "PS256"]) {
    const privateJwk = jwks[alg];
    const key = setpoll.SigningKey.fromJwk(JSON.stringify({ ...privateJwk, kid: `bench-${alg}` }));
    const ring = setpoll.Keyring.fromJwks(setpoll.jwksFromKeys([key]));
    const policy = { issuer: ISS, audience: AUD, algorithms: [alg] };
    const token = asyncForms
      ? await setpoll.signSetAsync(claims, key, NOW, "rfc8417")
      : setpoll.signSet(claims, key, NOW, "rfc8417");
    const { kty, crv, x, y, n, e } = privateJwk;
    const joseKey = await jose.importJWK(kty === "EC" ? { kty, crv, x, y } : { kty, n, e }, alg);
    const josePriv = await jose.importJWK(privateJwk, alg);
    const joseOptions = { issuer: ISS, audience: AUD, currentDate: new Date(NOW), algorithms: [alg] };
    // Sanity: both accept the same token, and each other's.
    await jose.jwtVerify(token, joseKey, joseOptions);
    const joseToken = await new jose.SignJWT(claimsObject).setProtectedHeader({ alg, kid: `bench-${alg}`, typ: "secevent+jwt" }).sign(josePriv);
    const verify = asyncForms
      ? () => setpoll.verifySetAsync(token, ring, policy, NOW)
      : () => setpoll.verifySet(token, ring, policy, NOW);
    await verify();
    if (asyncForms) await setpoll.verifySetAsync(joseToken, ring, policy, NOW);
    else setpoll.verifySet(joseToken, ring, policy, NOW);
    out.push({
      name: `${alg} verify (full SET: signature, header, iss, aud, iat)`,
      setpoll: verify,
      jose: () => jose.jwtVerify(token, joseKey, joseOptions),
    });
    out.push({
      name: `${alg} sign`,
      setpoll: asyncForms
        ? () => setpoll.signSetAsync(claims, key, NOW, "rfc8417")
        : () => setpoll.signSet(claims, key, NOW, "rfc8417"),
      jose: () => new jose.SignJWT(claimsObject).setProtectedHeader({ alg, kid: `bench-${alg}`, typ: "secevent+jwt" }).sign(josePriv),
    });
  }
  return out;
}

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

/** Alternate setpoll and jose for `rounds` slices each; medians and the jose/setpoll ratio. */
export async function pair(c, rounds, ms = 100) {
  for (let i = 0; i < 10; i++) {
    await c.setpoll();
    await c.jose();
  }
  const as = [], bs = [], ratios = [];
  for (let r = 0; r < rounds; r++) {
    const x = await slice(c.setpoll, ms);
    const y = await slice(c.jose, ms);
    as.push(x);
    bs.push(y);
    ratios.push(y / x);
  }
  return { setpoll: median(as), jose: median(bs), ratio: median(ratios) };
}

/** One line per case; returns the ratios. */
export async function report(list, rounds, log) {
  const ratios = [];
  for (const c of list) {
    const r = await pair(c, rounds);
    ratios.push(r.ratio);
    log(`${c.name.padEnd(56)} setpoll ${r.setpoll.toFixed(1).padStart(7)} µs  jose ${r.jose.toFixed(1).padStart(7)} µs  ${r.ratio.toFixed(2)}x jose`);
  }
  return ratios;
}

/** The bench's keys: a fresh P-256 key and the repository's RSA 2048 test key. */
export function benchJwks() {
  const rsaPem = readFileSync(join(ROOT, "core/src/jose/testdata/rsa2048.pk8.pem"), "utf8");
  const ecPem = readFileSync(join(ROOT, "core/src/jose/testdata/p256.pk8.pem"), "utf8");
  return {
    ES256: createPrivateKey(ecPem).export({ format: "jwk" }),
    PS256: createPrivateKey(rsaPem).export({ format: "jwk" }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const ROUNDS = Number(process.env.ROUNDS ?? 11);
  joseDir();
  const jose = await import(createRequire(join(ROOT, "target/wasm-bench/x.js")).resolve("jose"));
  const pkg = process.env.SETPOLL_PKG ?? join(ROOT, "bindings/wasm/pkg");
  const setpoll = createRequire(import.meta.url)(join(pkg, "node/index.js"));
  console.log(`node ${process.version}; setpoll on ${setpoll.platformCrypto}; ${ROUNDS} rounds of alternating 100 ms slices; wall clock`);
  const ratios = await report(await cases(setpoll, jose, benchJwks(), false), ROUNDS, console.log);
  const min = Math.min(...ratios);
  console.log(`lowest ratio ${min.toFixed(2)}x jose (target >= 1.0x, aim 1.5x): ${min >= 1 ? "met" : "MISSED"}`);
}
