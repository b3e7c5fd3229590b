// Keys, signing and verification, cross-checked against Node's own WebCrypto.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { createPrivateKey, webcrypto } from "node:crypto";

const require = createRequire(import.meta.url);
const setpoll = require("../pkg/node/setpoll.js");
const { SigningKey, Keyring } = setpoll;

const ISS = "https://examplebank.com/";
const AUD = "7umx5nTR33811QyQfi";
const IAT = 1_516_239_022;
const NOW = (IAT + 10) * 1000;
const RSA_PEM = readFileSync(new URL("../../../core/src/jose/testdata/rsa2048.pk8.pem", import.meta.url), "utf8");

const claimsSpec = (jti = "b460a07c-4962-43d1-85ee-9dc10fbb8f6c") => ({
  iss: ISS,
  jti,
  aud: AUD,
  iat: IAT,
  sub: "https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-1234-007",
  txn: "dfc51628-3479-4b81-ad60-210b43d02306",
  toe: IAT,
  events: [
    {
      type: "resourceUpdate",
      subject: {
        rid: "aac-1234-007",
        rty: "account-access-consent",
        rlk: [{ version: "v3.1", link: "https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-1234-007" }],
      },
    },
  ],
});
const policy = { issuer: ISS, audience: AUD };
const OBIE = { kind: "obie", orgId: "0015800001041REAAY", trustAnchor: "openbanking.org.uk" };
const part = (token, i) => JSON.parse(Buffer.from(token.split(".")[i], "base64url").toString());

test("ES256: generate, sign (both header profiles), verify", () => {
  const key = SigningKey.generateEs256();
  assert.equal(key.algorithm, "ES256");
  assert.match(key.kid, /^[A-Za-z0-9_-]{43}$/, "kid defaults to the RFC 7638 thumbprint");
  assert.equal(setpoll.jwkThumbprint(key.toPublicJwk()), key.kid);
  const ring = new Keyring(setpoll.jwksFromKeys([key.toPublicJwk()]));
  assert.deepEqual(ring.kids, [key.kid]);
  const claims = setpoll.buildClaims(claimsSpec());
  for (const profile of [OBIE, { kind: "rfc8417" }]) {
    const token = setpoll.signSet(claims, key, profile, NOW);
    const header = part(token, 0);
    assert.equal(header.alg, "ES256");
    assert.equal(header.kid, key.kid);
    if (profile.kind === "obie") {
      assert.equal(header.typ, "JOSE");
      assert.equal(header["http://openbanking.org.uk/iss"], OBIE.orgId);
      assert.equal(header["http://openbanking.org.uk/tan"], OBIE.trustAnchor);
      assert.equal(header["http://openbanking.org.uk/iat"], NOW / 1000);
    } else {
      assert.equal(header.typ, "secevent+jwt");
    }
    const v = setpoll.verifySet(token, ring, policy, NOW);
    assert.equal(v.alg, "ES256");
    assert.equal(v.kid, key.kid);
    assert.equal(v.typ, header.typ);
    assert.equal(v.claimsJson, setpoll.claimsToJson(claims));
    assert.deepEqual(v.claims, claims);
  }
  // Two keys generated are different (randomness really is drawn).
  assert.notEqual(SigningKey.generateEs256().kid, key.kid);
});

test("our ES256 tokens verify with Node's WebCrypto, and its tokens verify with ours", async () => {
  const key = SigningKey.generateEs256().withKid("ec-1");
  const token = setpoll.signSet(setpoll.buildClaims(claimsSpec()), key, { kind: "rfc8417" }, NOW);
  const [h, p, s] = token.split(".");
  const pub = await webcrypto.subtle.importKey("jwk", JSON.parse(key.toPublicJwk()), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  const ok = await webcrypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, pub, Buffer.from(s, "base64url"), Buffer.from(`${h}.${p}`));
  assert.equal(ok, true);

  const theirs = await webcrypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  const jwk = { ...(await webcrypto.subtle.exportKey("jwk", theirs.publicKey)), kid: "node-1" };
  const header = Buffer.from(JSON.stringify({ alg: "ES256", kid: "node-1", typ: "secevent+jwt" })).toString("base64url");
  const payload = Buffer.from(setpoll.claimsToJson(setpoll.buildClaims(claimsSpec("node-jti")))).toString("base64url");
  const sig = await webcrypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, theirs.privateKey, Buffer.from(`${header}.${payload}`));
  const nodeToken = `${header}.${payload}.${Buffer.from(sig).toString("base64url")}`;
  const ring = new Keyring(JSON.stringify({ keys: [jwk] }));
  assert.equal(setpoll.verifySet(nodeToken, ring, policy, NOW).claims.jti, "node-jti");
});

test("PS256 from a PEM converted to JWK by Node: sign, verify; keys round-trip through JWK", () => {
  const jwk = createPrivateKey(RSA_PEM).export({ format: "jwk" });
  const key = SigningKey.fromJwk(JSON.stringify(jwk)).withKid("rsa-1");
  assert.equal(key.algorithm, "PS256");
  const again = SigningKey.fromJwk(key.toPrivateJwk());
  assert.equal(again.kid, "rsa-1");
  assert.equal(again.toPublicJwk(), key.toPublicJwk());
  const token = setpoll.signSet(setpoll.claimsToJson(setpoll.buildClaims(claimsSpec())), key, OBIE, NOW);
  assert.equal(part(token, 0).alg, "PS256");
  const ring = new Keyring(setpoll.jwksFromKeys([key.toPublicJwk()]));
  assert.equal(setpoll.verifySet(token, ring, policy, NOW).alg, "PS256");
  assert.throws(() => setpoll.verifySet(token, ring, { ...policy, algorithms: ["ES256"] }, NOW), {
    name: "VerifyError",
    code: "alg_not_allowed",
  });
});

test("verification failures carry the core code and both setErrs codes", () => {
  const key = SigningKey.generateEs256().withKid("k1");
  const ring = new Keyring(setpoll.jwksFromKeys([key.toPublicJwk()]));
  const token = setpoll.signSet(setpoll.buildClaims(claimsSpec()), key, { kind: "rfc8417" }, NOW);
  const expectFail = (tok, pol, now, code, obie, rfc) =>
    assert.throws(
      () => setpoll.verifySet(tok, ring, pol, now),
      (e) => {
        assert.ok(e instanceof Error);
        assert.equal(e.name, "VerifyError");
        assert.equal(e.code, code);
        assert.equal(e.setErrObie, obie);
        assert.equal(e.setErrRfc8935, rfc);
        assert.ok(e.description.length >= 1 && e.description.length <= 256);
        return true;
      },
      code,
    );
  expectFail(token, { ...policy, audience: "someone-else" }, NOW, "wrong_audience", "jwtAud", "invalid_audience");
  expectFail(token, { ...policy, issuer: "https://other/" }, NOW, "wrong_issuer", "jwtIss", "invalid_issuer");
  const [h, p, s] = token.split(".");
  const flipped = s.slice(0, 10) + (s[10] === "A" ? "B" : "A") + s.slice(11);
  expectFail(`${h}.${p}.${flipped}`, policy, NOW, "bad_signature", "jws", "invalid_key");
  expectFail(token, policy, (IAT - 3600) * 1000, "iat_in_future", "setData", "invalid_request");
  const other = new Keyring(setpoll.jwksFromKeys([SigningKey.generateEs256().withKid("k2").toPublicJwk()]));
  assert.throws(() => setpoll.verifySet(token, other, policy, NOW), { name: "VerifyError", code: "unknown_kid" });
  assert.throws(() => setpoll.verifySet("nope", ring, policy, NOW), { name: "VerifyError", code: "malformed" });
  // Issuer and audience checks can be skipped explicitly.
  assert.equal(setpoll.verifySet(token, ring, { issuer: null, audience: null }, NOW).claims.aud, AUD);
});

test("bad keys, sets, profiles and arguments throw typed errors", () => {
  assert.throws(() => new Keyring("{}"), { name: "JwkError" });
  assert.throws(() => new Keyring("nope"), { name: "JwkError" });
  const odd = new Keyring(JSON.stringify({ keys: [{ kty: "OKP", crv: "Ed25519", x: "AAAA", kid: "ed" }] }));
  assert.equal(odd.length, 0);
  assert.equal(odd.skipped.length, 1);
  assert.equal(odd.skipped[0].kid, "ed");
  assert.equal(typeof odd.skipped[0].code, "string");
  assert.throws(() => SigningKey.fromJwk(SigningKey.generateEs256().toPublicJwk()), { name: "JwkError" });
  const key = SigningKey.generateEs256();
  const claims = setpoll.buildClaims(claimsSpec());
  assert.throws(() => setpoll.signSet(claims, key, { kind: "obie", orgId: "", trustAnchor: "x" }, NOW), {
    name: "ProfileError",
  });
  assert.throws(() => setpoll.signSet(claims, key, { kind: "jws" }, NOW), { name: "InputError" });
  for (const [profile, message] of [
    [{ kind: "rfc8417", orgId: "x" }, /rfc8417 profile takes no orgId/],
    [{ kind: "obie", trustAnchor: "openbanking.org.uk" }, /missing field `orgId`/],
    [{ kind: "obie", orgId: "0015800001041REAAY" }, /missing field `trustAnchor`/],
    [{ kind: "obie", ...OBIE, extra: true }, /unknown field `extra`/],
    [{ orgId: "x" }, /missing field `kind`/],
  ]) {
    assert.throws(() => setpoll.signSet(claims, key, profile, NOW), (e) => {
      assert.equal(e.name, "InputError", JSON.stringify(profile));
      assert.match(e.message, message);
      return true;
    });
  }
  const untyped = setpoll.signSet(claims, key, { ...OBIE, typ: false }, NOW);
  assert.equal(JSON.parse(Buffer.from(untyped.split(".")[0], "base64url")).typ, undefined);
  assert.throws(() => setpoll.signSet({ ...claims, events: {} }, key, { kind: "rfc8417" }, NOW), {
    name: "ClaimsError",
    code: "no_events",
  });
  assert.throws(() => SigningKey.fromJwk('{"kty":"EC"}'), { name: "JwkError" });
  assert.throws(() => setpoll.signSet(claims, key, { kind: "rfc8417" }, -1), { name: "InputError", code: "invalid_timestamp" });
  const ring = new Keyring(setpoll.jwksFromKeys([key.toPublicJwk()]));
  assert.throws(() => setpoll.verifySet("a.b.c", ring, { ...policy, algorithms: ["HS256"] }, NOW), {
    name: "AlgorithmError",
  });
  assert.throws(() => setpoll.verifySet("a.b.c", ring, { ...policy, maxSkew: 1 }, NOW), { name: "InputError" });
});

test("jwksToPublic strips private members", () => {
  const key = SigningKey.generateEs256();
  const jwks = setpoll.jwksFromKeys([key.toPrivateJwk()]);
  assert.ok(JSON.parse(jwks).keys[0].d, "private set keeps d");
  const pub = JSON.parse(setpoll.jwksToPublic(jwks));
  assert.equal(pub.keys[0].d, undefined);
  assert.equal(pub.keys[0].x, JSON.parse(key.toPublicJwk()).x);
});

test("raw ES256 baselines: signer and verifier agree with each other and with WebCrypto", async () => {
  const key = SigningKey.generateEs256();
  const signer = new setpoll.RawEs256Signer(key.toPrivateJwk());
  const verifier = new setpoll.RawEs256Verifier(key.toPublicJwk());
  const message = new TextEncoder().encode("header.payload");
  const signature = signer.sign(message);
  assert.equal(signature.length, 64);
  assert.deepEqual(signer.sign(message), signature, "RFC 6979: deterministic");
  assert.equal(verifier.verify(message, signature), true);
  const tampered = Uint8Array.from(signature);
  tampered[10] ^= 1;
  assert.equal(verifier.verify(message, tampered), false);
  assert.equal(verifier.verify(message, signature.slice(0, 63)), false);
  const webKey = await webcrypto.subtle.importKey("jwk", JSON.parse(key.toPublicJwk()), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  assert.equal(await webcrypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, webKey, signature, message), true);
  assert.throws(() => new setpoll.RawEs256Signer(key.toPublicJwk()), { name: "JwkError", code: "jwk_not_private" });
  assert.throws(() => new setpoll.RawEs256Verifier("{}"), { name: "JwkError" });
});
