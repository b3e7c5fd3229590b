// Browser checks of the `setpoll` web builds: web/ (`setpoll`, WebCrypto
// only) and web-portable/ (`portable`, with the pure-Rust code, for the
// synchronous forms and the fallback). Each check throws on failure; the
// verdict goes to globalThis.__setpollResult and document.title.
import init, * as setpoll from "./pkg/index.js";
import initPortable, * as portable from "./pkg-portable/index.js";
import * as webCrypto from "./pkg/crypto-web.js";
import { nul, policyOf } from "./vector-policy.mjs";
import { describeCounts, expectedCounts, resolveExport, runWycheproof } from "./wycheproof.mjs";

const checks = [];
const check = (name, fn) => checks.push({ name, fn });
const assert = (cond, msg) => {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
};
const b64url = (s) => btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

check("version is a semver string", () => {
  assert(/^\d+\.\d+\.\d+/.test(setpoll.version()), setpoll.version());
});

check("setErrCodes has both vocabularies", () => {
  const rows = setpoll.setErrCodes();
  assert(rows.length === 18, `18 rows, got ${rows.length}`);
  assert(rows.some((r) => r.vocabulary === "obie"), "obie");
  assert(rows.some((r) => r.vocabulary === "rfc8935"), "rfc8935");
});

check("peekEnvelope reads jti/aud", () => {
  const token = `${b64url('{"alg":"ES256"}')}.${b64url('{"jti":"j-1","aud":"tpp"}')}.c2ln`;
  const env = setpoll.peekEnvelope(token);
  assert(env.jti === "j-1" && env.aud.length === 1 && env.aud[0] === "tpp", JSON.stringify(env));
});

check("errors are exported classes, real Errors with name and code", () => {
  let caught;
  try {
    setpoll.peekEnvelope("not-a-jws");
  } catch (e) {
    caught = e;
  }
  assert(caught instanceof setpoll.VerifyError && caught instanceof setpoll.SetpollError, "instanceof VerifyError");
  assert(caught instanceof Error, "instanceof Error");
  assert(caught.name === "VerifyError", caught.name);
  assert(typeof caught.code === "string" && caught.code.length > 0, "code");
  let typeErr;
  try {
    setpoll.peekEnvelope(5);
  } catch (e) {
    typeErr = e;
  }
  assert(typeErr instanceof TypeError, `a number for a string is a TypeError, got ${typeErr}`);
});

const ISS = "https://examplebank.com/";
const TPP = "7umx5nTR33811QyQfi";
const T0 = 1700000000000;
const seed = () => crypto.getRandomValues(new Uint8Array(32));
const setFor = (key, jti, now) =>
  portable.signSet(
    new portable.ClaimsBuilder(ISS, jti, TPP, Math.floor(now / 1000)).customEvent("https://examplebank.com/events/ping", '{"n":1}').build(),
    key,
    now,
    "rfc8417",
  );

check("web-portable: a SET signed with a key from crypto.getRandomValues verifies", () => {
  const key = portable.SigningKey.generateEs256(seed(), "k1");
  const ring = portable.Keyring.fromJwks(portable.jwksFromKeys([key]));
  const token = setFor(key, "evt-1", T0);
  const v = portable.verifySet(token, ring, { issuer: ISS, audience: TPP }, T0);
  assert(v.claims.jti() === "evt-1" && v.alg === "ES256" && v.kid === "k1", `${v.alg} ${v.kid}`);
  let err;
  try {
    portable.verifySet(token, ring, { issuer: ISS, audience: "someone-else" }, T0);
  } catch (e) {
    err = e;
  }
  assert(err instanceof portable.VerifyError && err.setErr === "jwtAud", String(err && err.code));
});

check("web-portable: a poll round, transmitter queue and receiver in the page, synchronous", () => {
  const bank = portable.SigningKey.generateEs256(seed(), "bank-1");
  const queue = new portable.MemoryTransmitter();
  for (const jti of ["a", "b"]) queue.enqueue(setFor(bank, jti, T0), T0);
  const rx = new portable.Receiver({ issuer: ISS, clientId: TPP, jwksJson: portable.jwksFromKeys([bank]) });
  const req = rx.nextRequest(T0);
  const batch = rx.handleResponse(req.id, 200, queue.handlePoll(TPP, req.body, T0).responseJson, T0);
  const jtis = batch.deliveries.map((d) => d.jti);
  assert(jtis.join() === "a,b", jtis.join());
  for (const j of jtis) rx.ack(j);
  const ackReq = rx.nextRequest(T0 + 60000);
  queue.handlePoll(TPP, ackReq.body, T0 + 60000);
  assert(queue.size() === 0, `queue still holds ${queue.size()}`);
});

/** `import("setpoll/<subpath>")` as a browser bundler resolves it: the
 * package's `exports` map under the browser/import/default conditions. */
async function importSubpath(subpath) {
  const manifest = await (await fetch("/package/package.json")).json();
  const target = resolveExport(manifest, subpath, ["browser", "import", "default"]);
  assert(target, `the package exports no browser/import/default target for ./${subpath}`);
  return import(new URL(target, new URL("/package/", location.href)).href);
}

check("wycheproof: setpoll/crypto-web (WebCrypto) agrees on every case", async () => {
  const file = await (await fetch("/wycheproof/wycheproof.json")).json();
  const { verifyRaw } = await importSubpath("crypto-web");
  const { counts, refused, failures } = await runWycheproof(file, verifyRaw, "async");
  console.log(`wycheproof crypto-web: ${describeCounts(counts)} (${refused} refused by the adapter)`);
  const want = expectedCounts(file);
  const same = Object.keys(want).length === Object.keys(counts).length && Object.keys(want).every((k) => counts[k] === want[k]);
  assert(same && file.cases.length > 0, `ran ${describeCounts(counts)}; the export has ${describeCounts(want)}`);
  assert(failures.length === 0, `${failures.length} disagreement(s): ${failures.slice(0, 5).join("; ")}`);
});

check("wycheproof: the pure-Rust fallback in wasm (web-portable verifyRawPortable) agrees on every case", async () => {
  const file = await (await fetch("/wycheproof/wycheproof.json")).json();
  const raw = ({ alg, jwk, signingInput, signature }) => portable.verifyRawPortable(alg, JSON.stringify(jwk), signingInput, signature);
  const { counts, failures } = await runWycheproof(file, raw, "sync");
  console.log(`wycheproof web-portable: ${describeCounts(counts)}`);
  const want = expectedCounts(file);
  assert(Object.keys(want).every((k) => counts[k] === want[k]) && file.cases.length > 0, `ran ${describeCounts(counts)}`);
  assert(failures.length === 0, `${failures.length} disagreement(s): ${failures.slice(0, 5).join("; ")}`);
});

// --- the golden vectors on WebCrypto and on the pure-Rust fallback ---------
const vectors = async (name) => (await (await fetch(`./vectors/${name}`)).json()).cases;
async function outcome(fn) {
  try {
    const v = await fn();
    return { ok: { claimsJson: v.claims.toJson(), alg: v.alg, kid: nul(v.kid) } };
  } catch (e) {
    if (!(e instanceof setpoll.SetpollError || e instanceof portable.SetpollError)) throw e;
    return { error: { code: e.code, setErrObie: e.setErr, setErrRfc8935: e.setErrRfc8935, description: e.description } };
  }
}

check("the web entry runs on WebCrypto, without the pure-Rust code; web-portable has it", () => {
  assert(setpoll.platformCrypto === "webcrypto", setpoll.platformCrypto);
  assert(setpoll.hasPortableCrypto() === false && portable.hasPortableCrypto() === true, "builds");
});

const refusal = (fn) => {
  try {
    fn();
  } catch (e) {
    return `${e.name} ${e.code}`;
  }
  return "no error";
};

check("web/: what needs the pure-Rust code is a typed error", async () => {
  const got = refusal(() => setpoll.SigningKey.generateEs256(seed(), "k"));
  assert(got === "KeyError backend_unavailable", got);
  const key = setpoll.SigningKey.fromJwk(portable.SigningKey.generateEs256(seed(), "k").toPrivateJwk());
  const ring = setpoll.Keyring.fromJwks(setpoll.jwksFromKeys([key]));
  const claims = new setpoll.ClaimsBuilder(ISS, "j", TPP, T0 / 1000).customEvent("https://examplebank.com/e", "{}").build();
  const sync = refusal(() => setpoll.signSet(claims, key, T0, "rfc8417"));
  assert(sync === "SignError backend_unavailable", sync);
  const token = await setpoll.signSetAsync(claims, key, T0, "rfc8417");
  const verify = refusal(() => setpoll.verifySet(token, ring, {}, T0));
  assert(verify === "ArgumentError async_only", verify);
  assert((await setpoll.verifySetAsync(token, ring, {}, T0)).claims.jti() === "j", "async verifies");
  // A private key whose d does not belong to its x, y: the core cannot tell
  // without curve arithmetic; WebCrypto's import refuses it.
  const other = JSON.parse(portable.SigningKey.generateEs256(seed(), "k").toPrivateJwk());
  const mixed = setpoll.SigningKey.fromJwk(JSON.stringify({ ...JSON.parse(key.toPrivateJwk()), d: other.d }));
  let err;
  await setpoll.signSetAsync(claims, mixed, T0, "rfc8417").catch((e) => (err = e));
  assert(err instanceof setpoll.SignError && err.code === "platform_failed", `mismatched d: ${err}`);
  const pair = await crypto.subtle.generateKey(
    { name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign"],
  );
  const { kty, n, e, d, p, q, dp, dq, qi } = await crypto.subtle.exportKey("jwk", pair.privateKey);
  const rsa = setpoll.SigningKey.fromJwk(JSON.stringify({ kty, n, e, d, p, q, dp: dq, dq: dp, qi, kid: "r" }));
  err = undefined;
  await setpoll.signSetAsync(claims, rsa, T0, "rfc8417").catch((x) => (err = x));
  assert(err instanceof setpoll.SignError && err.code === "platform_failed", `inconsistent RSA key: ${err}`);
});

check("web/: async_only comes from the wasm binding itself; verifySetAsync takes compiled policies", async () => {
  const glue = await import("./pkg/setpoll.js"); // wasm-bindgen's module, without the entry around it
  const key = setpoll.SigningKey.fromJwk(portable.SigningKey.generateEs256(seed(), "k").toPrivateJwk());
  const jwks = setpoll.jwksFromKeys([key]);
  const claims = new setpoll.ClaimsBuilder(ISS, "j", TPP, T0 / 1000).customEvent("https://examplebank.com/e", "{}").build();
  const token = await setpoll.signSetAsync(claims, key, T0, "rfc8417");
  const rx = new glue.Receiver({ issuer: ISS, clientId: TPP, jwksJson: jwks });
  const req = rx.nextRequest(T0);
  const body = JSON.stringify({ sets: { j: token }, moreAvailable: false });
  const want = "ArgumentError async_only Receiver#handleResponse needs the pure-Rust crypto, which this build leaves out: use handleResponseAsync, or import setpoll/web-portable (async_only)";
  let got = "no error";
  try {
    rx.handleResponse(req.id, 200, body, T0);
  } catch (e) {
    got = `${e.name} ${e.code} ${e.message}`;
  }
  assert(got === want, got);
  assert(refusal(() => glue.verifySet(token, setpoll.Keyring.fromJwks(jwks), {}, T0)) === "ArgumentError async_only", "verifySet");
  assert(rx.takeChanges() === undefined, "a refusal changes nothing");
  const batch = await rx.handleResponseAsync(req.id, 200, body, T0);
  assert(batch.deliveries.length === 1 && batch.deliveries[0].jti === "j", JSON.stringify(batch.deliveries));
  const ring = setpoll.Keyring.fromJwks(jwks);
  const compiled = setpoll.compilePolicy({ issuer: ISS, audience: TPP });
  assert((await setpoll.verifySetAsync(token, ring, compiled, T0)).claims.jti() === "j", "compiled policy");
  let err;
  await setpoll.verifySetAsync(token, ring, setpoll.compilePolicy({ audience: "other" }), T0).catch((e) => (err = e));
  assert(err instanceof setpoll.VerifyError && err.setErr === "jwtAud", `compiled audience: ${err}`);
});

check("verify.json: verifySetAsync on WebCrypto and verifySet on the fallback give the expected output", async () => {
  let n = 0;
  for (const c of await vectors("verify.json")) {
    const policy = policyOf(c.policy);
    const want = JSON.stringify(c.expect);
    const onWeb = await outcome(() => setpoll.verifySetAsync(c.token, setpoll.Keyring.fromJwks(c.jwksJson), policy, c.now));
    assert(JSON.stringify(onWeb) === want, `${c.name} (WebCrypto): ${JSON.stringify(onWeb)}`);
    const onRust = await outcome(() => portable.verifySet(c.token, portable.Keyring.fromJwks(c.jwksJson, "portable"), policy, c.now));
    assert(JSON.stringify(onRust) === want, `${c.name} (fallback): ${JSON.stringify(onRust)}`);
    n++;
  }
  assert(n > 50, `${n} cases`);
});

const unb64 = (s) => Uint8Array.from(atob(s.replaceAll("-", "+").replaceAll("_", "/")), (ch) => ch.charCodeAt(0));

check("sign.json: the fallback byte for byte; WebCrypto's signatures carry the same bytes and verify", async () => {
  let signed = 0;
  for (const c of await vectors("sign.json")) {
    if (c.expect.error) continue; // refusals are the core's, checked in Node
    const profile = c.profile.kind === "obie" ? { obie: { org_id: c.profile.orgId, trust_anchor: c.profile.trustAnchor } } : c.profile.kind;
    const claims = setpoll.SetClaims.fromJson(c.claimsJson);
    const fallback = portable.signSet(portable.SetClaims.fromJson(c.claimsJson), portable.SigningKey.fromJwk(c.privateJwkJson, "portable"), c.now, profile);
    assert(fallback === c.expect.ok.token, `${c.name}: fallback token differs`);
    const key = setpoll.SigningKey.fromJwk(c.privateJwkJson);
    const token = await setpoll.signSetAsync(claims, key, c.now, profile);
    const dot = token.lastIndexOf(".");
    assert(token.slice(0, dot) === c.expect.ok.signingInput, `${c.name}: signing input`);
    const args = { alg: key.algorithm(), jwk: JSON.parse(key.toPublicJwk()), signingInput: new TextEncoder().encode(c.expect.ok.signingInput) };
    assert(await webCrypto.verifyRaw({ ...args, signature: unb64(token.slice(dot + 1)) }), `${c.name}: WebCrypto's signature`);
    assert(await webCrypto.verifyRaw({ ...args, signature: unb64(fallback.slice(fallback.lastIndexOf(".") + 1)) }), `${c.name}: the vector's signature`);
    const ring = portable.Keyring.fromJwks(JSON.stringify({ keys: [args.jwk] }), "portable");
    portable.verifySet(token, ring, { algorithms: [args.alg], acceptJwtTyp: true }, c.now);
    signed++;
  }
  assert(signed >= 2, `${signed} signed`);
});

check("a receiver batch on WebCrypto (handleResponseAsync), one SET under the wrong key", async () => {
  const newKey = () => setpoll.SigningKey.fromJwk(portable.SigningKey.generateEs256(seed(), "bank-1").toPrivateJwk());
  const bank = newKey();
  const impostor = newKey();
  const claims = (jti) => new setpoll.ClaimsBuilder(ISS, jti, TPP, T0 / 1000).customEvent("https://examplebank.com/e", "{}").build();
  const queue = new setpoll.MemoryTransmitter();
  queue.enqueue(await setpoll.signSetAsync(claims("a"), bank, T0, "rfc8417"), T0);
  queue.enqueue(await setpoll.signSetAsync(claims("b"), impostor, T0, "rfc8417"), T0);
  const rx = new setpoll.Receiver({ issuer: ISS, clientId: TPP, jwksJson: setpoll.jwksFromKeys([bank]) });
  const req = rx.nextRequest(T0);
  const batch = await rx.handleResponseAsync(req.id, 200, queue.handlePoll(TPP, req.body, T0).responseJson, T0);
  assert(batch.deliveries.map((d) => d.jti).join() === "a", JSON.stringify(batch.deliveries));
  assert(batch.rejections.length === 1 && batch.rejections[0].code === "bad_signature", JSON.stringify(batch.rejections));
  let err;
  await setpoll.verifySetAsync("x.y.z", setpoll.Keyring.fromJwks(setpoll.jwksFromKeys([bank])), {}, T0).catch((e) => {
    err = e;
  });
  assert(err instanceof setpoll.VerifyError && err.code === "malformed", `rejection: ${err}`);
});

check("import \"setpoll\" in a browser is the receiver's build, ready on import: verify.json on WebCrypto, a receiver batch", async () => {
  const rx = await importSubpath(".");
  assert(rx.platformCrypto === "webcrypto" && rx.hasPortableCrypto() === false, "WebCrypto, no pure-Rust code");
  for (const name of ["MemoryTransmitter", "SigningKey", "ClaimsBuilder", "signSetAsync", "parseRequest"]) {
    assert(!(name in rx), `${name}: the default browser entry has no ASPSP side`);
  }
  let n = 0;
  for (const c of await vectors("verify.json")) {
    let got;
    try {
      const v = await rx.verifySetAsync(c.token, rx.Keyring.fromJwks(c.jwksJson), policyOf(c.policy), c.now);
      got = { ok: { claimsJson: v.claims.toJson(), alg: v.alg, kid: nul(v.kid) } };
    } catch (e) {
      if (!(e instanceof rx.SetpollError)) throw e;
      got = { error: { code: e.code, setErrObie: e.setErr, setErrRfc8935: e.setErrRfc8935, description: e.description } };
    }
    assert(JSON.stringify(got) === JSON.stringify(c.expect), `${c.name}: ${JSON.stringify(got)}`);
    n++;
  }
  assert(n > 50, `${n} cases`);
  // SETs from setpoll/full's transmitter, read by the receiver's build.
  const full = await importSubpath("full");
  const bank = full.SigningKey.fromJwk(portable.SigningKey.generateEs256(seed(), "bank-1").toPrivateJwk());
  const queue = new full.MemoryTransmitter();
  for (const jti of ["a", "b"]) {
    const claims = new full.ClaimsBuilder(ISS, jti, TPP, T0 / 1000).customEvent("https://examplebank.com/e", "{}").build();
    queue.enqueue(await full.signSetAsync(claims, bank, T0, "rfc8417"), T0);
  }
  const receiver = new rx.Receiver({ issuer: ISS, clientId: TPP, jwksJson: full.jwksFromKeys([bank]) });
  const req = receiver.nextRequest(T0);
  const batch = await receiver.handleResponseAsync(req.id, 200, queue.handlePoll(TPP, req.body, T0).responseJson, T0);
  assert(batch.deliveries.map((d) => d.jti).join() === "a,b", JSON.stringify(batch.deliveries));
});

async function run() {
  const out = document.getElementById("out");
  const failures = [];
  let passed = 0;
  try {
    await init(); // fetches ./pkg/setpoll_bg.wasm relative to the module
    await initPortable();
    for (const { name, fn } of checks) {
      try {
        await fn();
        passed++;
        out.textContent += `ok   ${name}\n`;
      } catch (e) {
        failures.push(`${name}: ${e && e.message}`);
        out.textContent += `FAIL ${name}: ${e && e.message}\n`;
      }
    }
  } catch (e) {
    failures.push(`init: ${e && e.stack}`);
  }
  globalThis.__setpollResult = { passed, failed: failures.length, failures };
  document.title = failures.length === 0 ? `setpoll: ok ${passed}` : `setpoll: FAIL ${failures.length}`;
}

run();
