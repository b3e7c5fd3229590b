// The benchmark cases, shared by scripts/wasm/bench.mjs (Node) and the
// headless-Chromium page (bindings/wasm/browser/bench.mjs): browser-safe,
// no Node imports.
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
  // Warm up (JIT and wasm tier-up) for a few slices before measuring.
  for (let i = 0; i < 3; i++) {
    await slice(c.setpoll, ms);
    await slice(c.jose, ms);
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

