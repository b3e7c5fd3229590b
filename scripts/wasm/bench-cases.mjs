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
 * With `base` (another build's entry, say the last commit's), each case
 * also times it on the same tokens and keys, in the same alternation.
 */
export async function cases(setpoll, jose, jwks, asyncForms, base) {
  const out = await casesOf(setpoll, jose, jwks, asyncForms);
  if (base) {
    const other = await casesOf(base, jose, jwks, asyncForms, out.tokens);
    out.forEach((c, i) => (c.base = other[i].setpoll));
  }
  return out;
}

async function casesOf(setpoll, jose, jwks, asyncForms, tokens = {}) {
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
    const token = (tokens[alg] ??= asyncForms
      ? await setpoll.signSetAsync(claims, key, NOW, "rfc8417")
      : setpoll.signSet(claims, key, NOW, "rfc8417"));
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
  out.tokens = tokens;
  return out;
}

// A full collection and one turn of the event loop (for the finalizers it
// queues), where the runtime exposes `gc` (bench.mjs does in Node, and the
// Chromium the tests launch has --expose-gc).
async function collect() {
  if (typeof globalThis.gc !== "function") return false;
  globalThis.gc();
  await new Promise((ok) => setTimeout(ok, 0));
  return true;
}

/** How slices are timed, for the report's first line. */
export const method = () =>
  typeof globalThis.gc === "function"
    ? "each slice starts collected and ends with a timed full GC (it pays for its own garbage and finalizers)"
    : "no gc(): a slice may pay for the garbage of the one before";

// Microseconds per call of `fn` over a slice of about `ms` milliseconds. With
// gc() the slice starts from a collected heap and its time includes a full
// collection at its end, so each library pays for its own garbage (and
// finalizers) rather than the next slice paying for it.
async function slice(fn, ms) {
  await collect();
  let n = 0;
  const start = performance.now();
  do {
    for (let i = 0; i < 5; i++) await fn();
    n += 5;
  } while (performance.now() - start < ms);
  await collect();
  return ((performance.now() - start) * 1000) / n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * Alternate setpoll (and `base`, when the case has one) and jose for
 * `rounds` slices each; medians and the median per-round jose/setpoll ratio.
 */
export async function pair(c, rounds, ms = 100) {
  const fns = c.base ? [c.setpoll, c.base, c.jose] : [c.setpoll, c.jose];
  // Warm up (JIT and wasm tier-up) for a few slices before measuring.
  for (let i = 0; i < 3; i++) for (const fn of fns) await slice(fn, ms);
  const times = fns.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < fns.length; i++) times[i].push(await slice(fns[i], ms));
  }
  const jose = times.at(-1);
  const ratio = (xs) => median(xs.map((x, r) => jose[r] / x));
  return {
    setpoll: median(times[0]),
    jose: median(jose),
    ratio: ratio(times[0]),
    ...(c.base ? { base: median(times[1]), baseRatio: ratio(times[1]) } : {}),
  };
}

/** One line per case; returns the ratios. */
export async function report(list, rounds, log) {
  const ratios = [];
  for (const c of list) {
    const r = await pair(c, rounds);
    ratios.push(r.ratio);
    const base = r.base === undefined ? "" : `  (base ${r.base.toFixed(1).padStart(7)} µs  ${r.baseRatio.toFixed(2)}x jose)`;
    log(`${c.name.padEnd(56)} setpoll ${r.setpoll.toFixed(1).padStart(7)} µs  jose ${r.jose.toFixed(1).padStart(7)} µs  ${r.ratio.toFixed(2)}x jose${base}`);
  }
  return ratios;
}

