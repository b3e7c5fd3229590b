// The package on the platform's crypto: every shared verify and sign vector
// through the Node entry (node:crypto, synchronous) and through the web
// entry's async path (WebCrypto, which Node also has), against the same
// expectations as the pure-Rust runner; the fallback's deterministic
// signatures byte for byte; the platforms' own signatures verified by the
// core and by each adapter's verifyRaw; platform failures as typed errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { nul, policyOf } from "../browser/vector-policy.mjs";

const require = createRequire(import.meta.url);
const node = require("../pkg/node/index.js");
const nodeCrypto = require("../pkg/node/crypto-node.js");
const web = await import("../pkg/web/index.js");
const webCrypto = await import("../pkg/web/crypto-web.js");
web.initSync({ module: readFileSync(new URL("../pkg/web/setpoll_bg.wasm", import.meta.url)) });
// The default browser entry's build: the receiver's side only.
const receiver = await import("../pkg/web-receiver/index.js");
receiver.initSync({ module: readFileSync(new URL("../pkg/web-receiver/setpoll_bg.wasm", import.meta.url)) });

const vectors = (name) => JSON.parse(readFileSync(new URL(`../../../tests/vectors/${name}`, import.meta.url), "utf8")).cases;
const verifyError = (e) => ({ code: e.code, setErrObie: e.setErr, setErrRfc8935: e.setErrRfc8935, description: e.description });

async function outcome(sp, fn, pick) {
  try {
    return { ok: await fn() };
  } catch (e) {
    if (!(e instanceof sp.SetpollError)) throw e;
    return { error: pick(e) };
  }
}

async function verifyVectors(sp, verify) {
  const cases = vectors("verify.json");
  let ok = 0;
  for (const c of cases) {
    const got = await outcome(
      sp,
      async () => {
        const v = await verify(c.token, sp.Keyring.fromJwks(c.jwksJson), policyOf(c.policy), c.now);
        return { claimsJson: v.claims.toJson(), alg: v.alg, kid: nul(v.kid) };
      },
      verifyError,
    );
    assert.deepStrictEqual(got, c.expect, c.name);
    if (got.ok) ok++;
  }
  assert.ok(cases.length > 50 && ok > 5, `${cases.length} cases, ${ok} valid`);
}

test("verify.json on node:crypto (verifySet, synchronous)", async () => {
  const before = nodeCrypto.provider.counts().verify;
  await verifyVectors(node, (...a) => node.verifySet(...a));
  assert.ok(nodeCrypto.provider.counts().verify - before > 5, "node:crypto verified the signatures");
});

test("verify.json on WebCrypto (verifySetAsync: prepare, crypto.subtle, finish)", async () => {
  assert.equal(web.platformCrypto, "webcrypto");
  await verifyVectors(web, web.verifySetAsync);
});

test("verify.json on the default browser entry's build (web-receiver/: verifySetAsync on WebCrypto)", async () => {
  assert.equal(receiver.platformCrypto, "webcrypto");
  await verifyVectors(receiver, receiver.verifySetAsync);
});

// What the default browser entry leaves out: the ASPSP side, and only that.
const ASPSP_SIDE = [
  "ClaimsBuilder", "EnqueuePlan", "MemoryTransmitter", "PollAnswer", "PollPlan", "PollWait", "PreparedSignature",
  "SigningKey", "StorageTransmitter", "SweepPlan", "jwksFromKeys", "obieErrorResponse", "obieSuccessStatus",
  "parseRequest", "parseRequestBytes", "prepareSignSet", "responseToJson", "signSet", "signSetAsync", "transmitterDefaults",
];

test("web-receiver/ exports exactly web/'s API without the ASPSP side (transmitter, SET signing, the request reader)", () => {
  const names = (m) => Object.keys(m).filter((k) => k !== "default").sort();
  const full = names(web);
  assert.deepEqual(ASPSP_SIDE.filter((n) => !full.includes(n)), [], "web/ has the whole ASPSP side");
  assert.deepEqual(names(receiver), full.filter((n) => !ASPSP_SIDE.includes(n)));
  // node/ (portable) adds only the raw check of the pure-Rust code.
  assert.deepEqual(names(node).filter((n) => !full.includes(n)), ["verifyRawPortable"]);
  assert.equal(receiver.hasPortableCrypto(), false);
});

test("a receiver batch on the default browser entry's build (web-receiver/: handleResponseAsync), SETs from web/", async () => {
  const ISS = "https://examplebank.com/";
  const TPP = "tpp";
  const T0 = 1_700_000_000_000;
  const bank = newKey(web, "bank-1");
  const other = newKey(web, "bank-1");
  const claims = (jti) => new web.ClaimsBuilder(ISS, jti, TPP, T0 / 1000).customEvent("https://examplebank.com/e", "{}").build();
  const queue = new web.MemoryTransmitter();
  for (const [jti, key] of [["a", bank], ["b", other], ["c", bank]]) queue.enqueue(await web.signSetAsync(claims(jti), key, T0, "rfc8417"), T0);
  const rx = new receiver.Receiver({ issuer: ISS, clientId: TPP, jwksJson: web.jwksFromKeys([bank]) });
  const req = rx.nextRequest(T0);
  const body = queue.handlePoll(TPP, req.body, T0).responseJson;
  // The synchronous form needs the pure-Rust code this build leaves out.
  assert.throws(() => rx.handleResponse(req.id, 200, body, T0), (e) => e instanceof receiver.ArgumentError && e.code === "async_only");
  const batch = await rx.handleResponseAsync(req.id, 200, body, T0);
  assert.deepEqual(batch.deliveries.map((d) => d.jti), ["a", "c"]);
  assert.deepEqual(batch.rejections.map((r) => [r.jti, r.code]), [["b", "bad_signature"]]);
  // Settled, then acknowledged (and b reported) on the next poll, which
  // leaves the transmitter's queue empty.
  for (const d of batch.deliveries) rx.ack(d.jti);
  const later = T0 + 3_600_000;
  const next = rx.nextRequest(later);
  assert.deepEqual(JSON.parse(next.body).ack, ["a", "c"]);
  assert.deepEqual(Object.keys(JSON.parse(next.body).setErrs), ["b"]);
  assert.equal(queue.handlePoll(TPP, next.body, later).responseJson, web.emptyPollResponse());
});

test("verify.json on the pure-Rust fallback ({ backend: 'portable' })", async () => {
  const cases = vectors("verify.json");
  for (const c of cases) {
    const got = await outcome(
      node,
      () => {
        const v = node.verifySet(c.token, node.Keyring.fromJwks(c.jwksJson, "portable"), policyOf(c.policy), c.now);
        return { claimsJson: v.claims.toJson(), alg: v.alg, kid: nul(v.kid) };
      },
      verifyError,
    );
    assert.deepStrictEqual(got, c.expect, c.name);
  }
});

const profileOf = (p) => (p.kind === "obie" ? { obie: { org_id: p.orgId, trust_anchor: p.trustAnchor } } : p.kind);
const b64 = (s) => Buffer.from(s, "base64url");

// Signing: the fallback reproduces every vector's token byte for byte (RFC
// 6979 ES256, the portable PS256's derived salt); the platforms sign with
// fresh randomness, so their tokens must carry the vector's exact header and
// payload and verify, under the vector's key, in the core and in both
// adapters' verifyRaw.
test("sign.json: the fallback byte for byte, node:crypto and WebCrypto signatures verify", async () => {
  let signed = 0;
  for (const c of vectors("sign.json")) {
    const claims = () => node.SetClaims.fromJson(c.claimsJson);
    const fallback = await outcome(
      node,
      () => node.signSet(claims(), node.SigningKey.fromJwk(c.privateJwkJson, "portable"), c.now, profileOf(c.profile)),
      (e) => ({ code: e.code }),
    );
    if (c.expect.error) {
      assert.deepStrictEqual(fallback, c.expect, c.name);
      const onNode = await outcome(node, () => node.signSet(claims(), node.SigningKey.fromJwk(c.privateJwkJson), c.now, profileOf(c.profile)), (e) => ({ code: e.code }));
      assert.deepStrictEqual(onNode, c.expect, `${c.name} (node:crypto)`);
      continue;
    }
    assert.equal(fallback.ok, c.expect.ok.token, `${c.name}: fallback token`);
    const expectInput = c.expect.ok.signingInput;
    const key = node.SigningKey.fromJwk(c.privateJwkJson);
    const wkey = web.SigningKey.fromJwk(c.privateJwkJson);
    const tokens = [
      ["node:crypto", node.signSet(claims(), key, c.now, profileOf(c.profile))],
      ["WebCrypto", await web.signSetAsync(web.SetClaims.fromJson(c.claimsJson), wkey, c.now, profileOf(c.profile))],
    ];
    const alg = key.algorithm();
    const jwk = JSON.parse(key.toPublicJwk());
    const ring = node.Keyring.fromJwks(node.jwksFromKeys([key]), "portable");
    for (const [who, token] of tokens) {
      const dot = token.lastIndexOf(".");
      assert.equal(token.slice(0, dot), expectInput, `${c.name} (${who}): header and payload`);
      const args = { alg, jwk, signingInput: new TextEncoder().encode(expectInput), signature: new Uint8Array(b64(token.slice(dot + 1))) };
      assert.equal(args.signature.length, alg === "ES256" ? 64 : 256, `${who}: raw signature length`);
      assert.equal(nodeCrypto.verifyRaw(args), true, `${c.name} (${who}) on node:crypto`);
      assert.equal(await webCrypto.verifyRaw(args), true, `${c.name} (${who}) on WebCrypto`);
      const f = c.expect.ok.token;
      const policy = { algorithms: [alg], acceptJwtTyp: true };
      const v = node.verifySet(token, ring, policy, c.now);
      assert.equal(v.claims.toJson(), node.verifySet(f, ring, policy, c.now).claims.toJson(), `${c.name} (${who})`);
      // The fallback token, in turn, verifies on the platforms.
      const fargs = { ...args, signature: new Uint8Array(b64(f.slice(f.lastIndexOf(".") + 1))) };
      assert.equal(nodeCrypto.verifyRaw(fargs), true);
      assert.equal(await webCrypto.verifyRaw(fargs), true);
      signed++;
    }
  }
  assert.ok(signed >= 4, `${signed} platform signatures checked`);
});

test("verifyRaw: malformed keys and signatures give false, never an exception", async () => {
  const key = node.SigningKey.generateEs256(crypto.getRandomValues(new Uint8Array(32)), "k");
  const jwk = JSON.parse(key.toPublicJwk());
  const signingInput = new TextEncoder().encode("a.b");
  const good = nodeCrypto.signRaw({ alg: "ES256", key: nodeCrypto.privateKey("ES256", JSON.parse(key.toPrivateJwk())), signingInput });
  assert.equal(nodeCrypto.verifyRaw({ alg: "ES256", jwk, signingInput, signature: good }), true);
  assert.equal(await webCrypto.verifyRaw({ alg: "ES256", jwk, signingInput, signature: good }), true);
  const bad = [
    { alg: "ES256", jwk, signingInput, signature: good.slice(0, 63) },
    { alg: "ES256", jwk, signingInput, signature: new Uint8Array(64) },
    { alg: "ES256", jwk, signingInput, signature: new Uint8Array(70).fill(0x30) },
    { alg: "ES256", jwk: { ...jwk, x: jwk.y }, signingInput, signature: good },
    { alg: "ES256", jwk: { kty: "EC", crv: "P-256", x: "AA", y: "AA" }, signingInput, signature: good },
    { alg: "PS256", jwk, signingInput, signature: good },
    { alg: "HS256", jwk, signingInput, signature: good },
    { alg: "ES256", jwk: null, signingInput, signature: good },
    { alg: "ES256", jwk: "text", signingInput, signature: good },
  ];
  for (const args of bad) {
    assert.equal(nodeCrypto.verifyRaw(args), false, JSON.stringify(args.jwk));
    assert.equal(await webCrypto.verifyRaw(args), false, JSON.stringify(args.jwk));
  }
});

test("a receiver batch on WebCrypto (handleResponseAsync) and on node:crypto gives handleResponse's outcome", async () => {
  const ISS = "https://examplebank.com/";
  const TPP = "tpp";
  const T0 = 1_700_000_000_000;
  for (const sp of [web, node]) {
    const bank = newKey(sp, "bank-1");
    const other = newKey(sp, "bank-1");
    const claims = (jti) => new sp.ClaimsBuilder(ISS, jti, TPP, T0 / 1000).customEvent("https://examplebank.com/e", "{}").build();
    const queue = new sp.MemoryTransmitter();
    queue.enqueue(await sp.signSetAsync(claims("a"), bank, T0, "rfc8417"), T0);
    queue.enqueue(await sp.signSetAsync(claims("b"), other, T0, "rfc8417"), T0); // wrong key: refused
    queue.enqueue(await sp.signSetAsync(claims("c"), bank, T0, "rfc8417"), T0);
    const rx = new sp.Receiver({ issuer: ISS, clientId: TPP, jwksJson: sp.jwksFromKeys([bank]) });
    const req = rx.nextRequest(T0);
    const body = queue.handlePoll(TPP, req.body, T0).responseJson;
    const batch = await rx.handleResponseAsync(req.id, 200, body, T0);
    assert.deepEqual(batch.deliveries.map((d) => d.jti), ["a", "c"]);
    assert.deepEqual(batch.rejections.map((r) => [r.jti, r.code]), [["b", "bad_signature"]]);
    // A failed poll is an outcome, as with handleResponse.
    const next = rx.nextRequest(T0 + 60_000);
    const failed = await rx.handleResponseAsync(next.id, 503, "", T0 + 60_000);
    assert.ok(failed.failure, "503 is a failure outcome");
  }
});

// web/ has no key generation of its own (no pure-Rust P-256): a key made by
// the Node build, imported from its JWK.
const newKey = (sp, kid) => sp.SigningKey.fromJwk(node.SigningKey.generateEs256(crypto.getRandomValues(new Uint8Array(32)), kid).toPrivateJwk());

test("web/ (platform crypto only) refuses what needs the pure-Rust code with typed errors; web-portable/ has it", async () => {
  const portable = await import("../pkg/web-portable/index.js");
  portable.initSync({ module: readFileSync(new URL("../pkg/web-portable/setpoll_bg.wasm", import.meta.url)) });
  assert.equal(web.hasPortableCrypto(), false);
  assert.equal(portable.hasPortableCrypto(), true);
  assert.equal(node.hasPortableCrypto(), true);
  const code = (cls, want) => (e) => e instanceof cls && e.code === want;
  const seed = new Uint8Array(32).fill(7);
  assert.throws(() => web.SigningKey.generateEs256(seed, "k"), code(web.KeyError, "backend_unavailable"));
  const pem = node.SigningKey.generateEs256(seed, "k").toPkcs8Pem();
  assert.throws(() => web.SigningKey.fromPkcs8Pem(pem), code(web.KeyError, "backend_unavailable"));
  const key = newKey(web, "k");
  const jwks = web.jwksFromKeys([key]);
  assert.throws(() => web.Keyring.fromJwks(jwks, "portable"), code(web.KeyError, "backend_unavailable"));
  const claims = new web.ClaimsBuilder("https://i/", "j", "tpp", 1).customEvent("https://e/x", "{}").build();
  assert.throws(() => web.signSet(claims, key, 1000, "rfc8417"), code(web.SignError, "backend_unavailable"));
  const token = await web.signSetAsync(claims, key, 1000, "rfc8417");
  const ring = web.Keyring.fromJwks(jwks);
  assert.throws(() => web.verifySet(token, ring, {}, 1000), code(web.ArgumentError, "async_only"));
  assert.equal((await web.verifySetAsync(token, ring, {}, 1000)).claims.jti(), "j");
  const rx = new web.Receiver({ issuer: "https://i/", clientId: "tpp", jwksJson: jwks });
  const req = rx.nextRequest(1000);
  const body = JSON.stringify({ sets: { j: token }, moreAvailable: false });
  assert.throws(() => rx.handleResponse(req.id, 200, body, 1000), code(web.ArgumentError, "async_only"));
  assert.deepEqual((await rx.handleResponseAsync(req.id, 200, body, 1000)).deliveries.map((d) => d.jti), ["j"]);
  // The core still checks every field of a key: a point off the curve, a
  // short RSA modulus, a scalar out of range.
  const pub = JSON.parse(key.toPublicJwk());
  const flip = (b64) => `${b64.slice(0, -2)}${b64.at(-2) === "A" ? "B" : "A"}${b64.at(-1)}`;
  assert.throws(() => web.Jwk.fromJson(JSON.stringify({ ...pub, y: flip(pub.y) })), code(web.KeyError, "invalid_ec_point"));
  const priv = JSON.parse(key.toPrivateJwk());
  assert.throws(() => web.SigningKey.fromJwk(JSON.stringify({ ...priv, d: `${"_".repeat(42)}w` })), code(web.KeyError, "invalid_ec_scalar"));
  const rsa = { kty: "RSA", n: "AQAB".repeat(64).slice(0, 255) + "E", e: "AQAB" };
  assert.throws(() => web.Jwk.fromJson(JSON.stringify(rsa)), (e) => e instanceof web.KeyError && /^rsa_key_too_small|invalid_rsa_modulus$/.test(e.code));
  // ... and the portable build's synchronous forms work.
  const pkey = portable.SigningKey.generateEs256(seed, "k");
  const ptoken = portable.signSet(portable.SetClaims.fromJson(claims.toJson()), pkey, 1000, "rfc8417");
  assert.equal(portable.verifySet(ptoken, portable.Keyring.fromJwks(portable.jwksFromKeys([pkey]), "portable"), {}, 1000).claims.jti(), "j");
});

test("web/: the async_only refusals are the wasm binding's own (no JS wrapper), and leave the receiver usable", async () => {
  // The wasm-bindgen module itself, without the entry (index.js) around it.
  const glue = await import("../pkg/web/setpoll.js");
  assert.equal(glue.Receiver, web.Receiver, "the entry re-exports the glue's classes");
  const key = newKey(web, "k");
  const jwks = web.jwksFromKeys([key]);
  const claims = new web.ClaimsBuilder("https://i/", "j", "tpp", 1).customEvent("https://e/x", "{}").build();
  const token = await web.signSetAsync(claims, key, 1000, "rfc8417");
  const refused = (call, instead) => (e) =>
    e instanceof web.ArgumentError && e.code === "async_only" &&
    e.message === `${call} needs the pure-Rust crypto, which this build leaves out: use ${instead}, or import setpoll/web-portable (async_only)`;
  assert.throws(() => glue.verifySet(token, web.Keyring.fromJwks(jwks), {}, 1000), refused("verifySet", "verifySetAsync"));
  assert.throws(() => glue.verifySetWith(token, web.Keyring.fromJwks(jwks), glue.compilePolicy({}), 1000), refused("verifySetWith", "verifySetAsync"));
  const rx = new glue.Receiver({ issuer: "https://i/", clientId: "tpp", jwksJson: jwks });
  const req = rx.nextRequest(1000);
  const body = JSON.stringify({ sets: { j: token }, moreAvailable: false });
  assert.throws(() => rx.handleResponse(req.id, 200, body, 1000), refused("Receiver#handleResponse", "handleResponseAsync"));
  assert.throws(() => rx.handleResponseBytes(req.id, 200, new TextEncoder().encode(body), 1000), refused("Receiver#handleResponseBytes", "handleResponseAsync"));
  assert.equal(rx.takeChanges(), undefined, "a refusal changes nothing");
  assert.equal(rx.inFlight(), req.id, "the request is still in flight");
  // Other statuses verify nothing and are answered synchronously.
  const failed = rx.handleResponse(req.id, 503, "", 1000);
  assert.ok(failed.failure, "503 is a failure outcome");
  // The same receiver, answered through the async form, verifies on WebCrypto.
  const next = rx.nextRequest(failed.failure.retryAtMs);
  const batch = await rx.handleResponseAsync(next.id, 200, body, failed.failure.retryAtMs);
  assert.deepEqual(batch.deliveries.map((d) => d.jti), ["j"]);
  // The portable builds never refuse.
  const ring = node.Keyring.fromJwks(jwks);
  assert.equal(node.verifySet(token, ring, {}, 1000).claims.jti(), "j");
});

test("verifySetAsync policies: a compilePolicy() handle, objects read once, bad policies refused every time", async () => {
  for (const sp of [web, node]) {
    const key = newKey(sp, "k");
    const ring = sp.Keyring.fromJwks(sp.jwksFromKeys([key]));
    const claims = new sp.ClaimsBuilder("https://i/", "j", "tpp", 1).customEvent("https://e/x", "{}").build();
    const token = await sp.signSetAsync(claims, key, 1000, "rfc8417");
    const audError = (e) => e instanceof sp.VerifyError && e.setErr === "jwtAud";
    // A compiled policy is accepted as it is.
    const compiled = sp.compilePolicy({ issuer: "https://i/", audience: "tpp" });
    assert.equal((await sp.verifySetAsync(token, ring, compiled, 1000)).claims.jti(), "j");
    await assert.rejects(sp.verifySetAsync(token, ring, sp.compilePolicy({ audience: "other" }), 1000), audError);
    // A policy object is read when first used: changing it later changes nothing ...
    const policy = { audience: "tpp" };
    assert.equal((await sp.verifySetAsync(token, ring, policy, 1000)).claims.jti(), "j");
    policy.audience = "other";
    assert.equal((await sp.verifySetAsync(token, ring, policy, 1000)).claims.jti(), "j", "read once");
    // ... a new object is read anew.
    await assert.rejects(sp.verifySetAsync(token, ring, { ...policy }, 1000), audError);
    // A bad policy is refused with prepareSet's error, and on every call (not kept).
    const bad = { algorithms: ["HS256"] };
    // compilePolicy checks the policy as prepareSet does: the same error class and code.
    let viaPrepare;
    try { sp.prepareSet(token, ring, bad); } catch (e) { viaPrepare = e; }
    assert.ok(viaPrepare instanceof sp.SetpollError);
    assert.throws(() => sp.compilePolicy(bad), (e) => e.constructor === viaPrepare.constructor && e.code === viaPrepare.code);
    for (let i = 0; i < 2; i++) {
      await assert.rejects(sp.verifySetAsync(token, ring, bad, 1000), (e) => e instanceof sp.SetpollError);
      await assert.rejects(sp.verifySetAsync(token, ring, 5, 1000), (e) => e instanceof TypeError);
      await assert.rejects(sp.verifySetAsync(token, ring, null, 1000), (e) => e instanceof TypeError);
    }
  }
});

test("platform failures are setpoll errors with a code, and rejections are handled", async () => {
  const key = newKey(web, "k");
  const ring = web.Keyring.fromJwks(web.jwksFromKeys([key]));
  await assert.rejects(web.verifySetAsync("not-a-jws", ring, {}, 0), (e) => e instanceof web.VerifyError && e.code === "malformed");
  const claims = new web.ClaimsBuilder("https://i/", "j", "tpp", 1).customEvent("https://e/x", "{}").build();
  const token = await web.signSetAsync(claims, key, 1000, "rfc8417");
  const tampered = `${token.slice(0, -4)}AAAA`;
  await assert.rejects(web.verifySetAsync(tampered, ring, {}, 1000), (e) => e instanceof web.VerifyError && e.code === "bad_signature");
  const e = web.platformError("sign", "platform_failed", "WebCrypto could not sign");
  assert.ok(e instanceof web.SignError && e instanceof web.SetpollError && e.code === "platform_failed");
  // A prepared SET is finished once.
  const p = web.prepareSet(token, ring, {});
  web.finishSet(p, true, 1000);
  assert.throws(() => web.finishSet(p, true, 1000), (err) => err instanceof web.ArgumentError && err.code === "already_finished");
});

/**
 * Poll answers that exercise a body's crossing into wasm: two SETs with
 * non-ASCII `jti`s and claims (signed with a seeded key), a bad token, a
 * lone surrogate (U+FFFD in every form) and text that is not JSON.
 * `run(sp, handle)` answers one fresh receiver's polls with them, through
 * `handle(rx, id, body)` (its result awaited), and returns every batch and
 * the final state.
 */
function crossingBodies(seedByte) {
  const key = node.SigningKey.generateEs256(new Uint8Array(32).fill(seedByte), "k");
  const jwksJson = node.jwksFromKeys([key]);
  const claims = (jti) =>
    new node.ClaimsBuilder("https://i/", jti, "tpp", 1).customEvent("https://e/x", '{"note":"crème brûlée ✓ 🚀"}').build();
  const sets = { "a-é": node.signSet(claims("a-é"), key, 1000, "rfc8417"), b: node.signSet(claims("b"), key, 1000, "rfc8417") };
  const bodies = [
    JSON.stringify({ sets, moreAvailable: false }),
    JSON.stringify({ sets: { c: "not a token" }, moreAvailable: true }),
    '{"sets":{"\uD800":"x"}}',
    "not json ✓",
  ];
  const run = async (sp, handle) => {
    const rx = new sp.Receiver({ issuer: "https://i/", clientId: "tpp", jwksJson, backoffJitter: "none" });
    const out = [];
    for (const body of bodies) {
      const req = rx.nextRequest(1_000_000 + out.length);
      out.push(req && (await handle(rx, req.id, body)));
      rx.takeChanges();
    }
    return { out, state: JSON.parse(rx.state()) };
  };
  return { jwksJson, run };
}

test("node/: handleResponse with a string body gives what the byte form gives (it crosses as UTF-8 bytes)", async () => {
  const { jwksJson, run } = crossingBodies(7);
  const viaString = await run(node, (rx, id, body) => rx.handleResponse(id, 200, body, 1000));
  const viaBytes = await run(node, (rx, id, body) => rx.handleResponseBytes(id, 200, new TextEncoder().encode(body), 1000));
  assert.deepEqual(viaString, viaBytes);
  assert.equal(viaString.out[0].deliveries.length, 2);
  // Not a string: the string form's TypeError, as before.
  const rx = new node.Receiver({ issuer: "https://i/", clientId: "tpp", jwksJson });
  const req = rx.nextRequest(0);
  assert.throws(() => rx.handleResponse(req.id, 200, 42, 0), TypeError);
});

test("web-receiver/: handleResponseAsync passes the body as UTF-8 bytes and gives node/'s handleResponse outcome, batch and state", async () => {
  const { run } = crossingBodies(9);
  const proto = receiver.Receiver.prototype;
  const verified = proto.handleResponseVerified;
  const forms = [];
  proto.handleResponseVerified = function (id, status, body, ...rest) {
    forms.push(body instanceof Uint8Array ? "bytes" : typeof body);
    return verified.call(this, id, status, body, ...rest);
  };
  let viaAsync;
  try {
    viaAsync = await run(receiver, (rx, id, body) => rx.handleResponseAsync(id, 200, body, 1000));
  } finally {
    proto.handleResponseVerified = verified;
  }
  const viaSync = await run(node, (rx, id, body) => rx.handleResponse(id, 200, body, 1000));
  assert.deepEqual(forms, ["bytes", "bytes", "bytes", "bytes"]);
  assert.deepEqual(viaAsync, viaSync);
  assert.equal(viaSync.out[0].deliveries.length, 2);
});
