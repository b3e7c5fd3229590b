// The package's defaults are the core's: `transmitterDefaults()` and the
// settings `new Receiver({issuer, clientId, jwksJson}).config()` reports
// equal tests/vectors/defaults.json, which the vector generator writes from
// the core's `Default`s. Accepts the file as `{transmitter, receiver}` with
// snake_case members or as a vector file of `defaults` cases (camelCase).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const sp = require("../pkg/node/setpoll.js");
const doc = JSON.parse(readFileSync(new URL("../../../tests/vectors/defaults.json", import.meta.url), "utf8"));
const VERIFY = JSON.parse(readFileSync(new URL("../../../tests/vectors/verify.json", import.meta.url), "utf8"));

const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const camelKeys = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [camel(k), v]));
const expected = (name) =>
  doc.cases ? doc.cases.find((c) => c.name === name)?.expect.ok : doc[name] && camelKeys(doc[name]);
/** `undefined` (an unset option) reads as the file's `null`. */
const nulls = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === undefined ? null : v]));

test("transmitterDefaults() equals the core's defaults", () => {
  const want = expected("transmitter");
  assert.ok(want && Object.keys(want).length >= 10, "defaults.json has the transmitter defaults");
  assert.deepStrictEqual(nulls(sp.transmitterDefaults()), want);
  assert.deepStrictEqual(nulls(new sp.StorageTransmitter().config()), want);
});

test("Receiver config() with only issuer, clientId and jwksJson equals the core's defaults", () => {
  const want = expected("receiver");
  assert.ok(want && Object.keys(want).length >= 12, "defaults.json has the receiver defaults");
  const identity = { issuer: "https://examplebank.com/", clientId: "7umx5nTR33811QyQfi", jwksJson: VERIFY.cases[0].jwksJson };
  const { issuer, clientId, jwksJson, jitterSeed, ...settings } = new sp.Receiver(identity).config();
  assert.deepStrictEqual({ issuer, clientId, jwksJson, jitterSeed }, { ...identity, jitterSeed: undefined });
  assert.deepStrictEqual(nulls(settings), want);
});

const SIGN = JSON.parse(readFileSync(new URL("../../../tests/vectors/sign.json", import.meta.url), "utf8"));
const signCase = (name) => SIGN.cases.find((c) => c.name === name).privateJwkJson;

test("a VerifyPolicy with only issuer and audience accepts what the core's defaults accept", () => {
  // A VerifyPolicy reports nothing back, so its defaults are checked by what it accepts.
  const want = expected("verify_policy");
  const [iss, aud, now] = ["https://bank.example/", "tpp", 1_700_000_000_000];
  const policy = { issuer: iss, audience: aud };
  const es = sp.SigningKey.fromJwk(signCase("ES256, RFC 8417 profile"));
  const rsJwk = JSON.parse(signCase("RS256 JWK, RFC 8417 profile"));
  const rs = sp.SigningKey.fromJwk(JSON.stringify(rsJwk));
  const ps = sp.SigningKey.fromJwk(JSON.stringify({ ...rsJwk, alg: "PS256", kid: "ps-1" }));
  const keys = [es, ps, rs];
  const ring = sp.Keyring.fromJwks(sp.jwksFromKeys(keys.map((k) => k.clone())));
  const token = (iat, key = es) =>
    sp.signSet(new sp.ClaimsBuilder(iss, `d-${iat}`, aud, iat).customEvent("https://x.example/e", "{}").build(), key, now, "rfc8417");
  const code = (t) => {
    try {
      sp.verifySet(t, ring, policy, now);
      return "ok";
    } catch (e) {
      assert.ok(e instanceof sp.VerifyError, String(e));
      return e.code;
    }
  };
  const secs = now / 1000;
  assert.equal(code(token(secs + want.maxSkewSecs)), "ok");
  assert.equal(code(token(secs + want.maxSkewSecs + 1)), "iat_in_future");
  assert.equal(want.maxAgeSecs, null);
  assert.equal(code(token(1)), "ok");
  assert.equal(code("a".repeat(want.maxTokenBytes + 1)), "token_too_large");
  assert.notEqual(code("a".repeat(want.maxTokenBytes)), "token_too_large");
  assert.deepStrictEqual(keys.map((k) => k.algorithm()).sort(), ["ES256", "PS256", "RS256"]);
  const accepted = keys.filter((k) => code(token(secs, k)) === "ok").map((k) => k.algorithm());
  assert.deepStrictEqual(accepted.sort(), [...want.algorithms].sort());
  assert.equal(want.acceptJwtTyp, false);
  assert.equal(want.requireTyp, false);
});

test("parseRequest and parseResponse without limits apply the core's default limits", () => {
  const { request: req, response: res } = expected("limits");
  const refused = (f) => {
    try {
      f();
    } catch (e) {
      return e.code;
    }
    return "ok";
  };
  assert.equal(refused(() => sp.parseRequest("{}" + " ".repeat(req.maxBodyBytes - 2))), "ok");
  assert.equal(refused(() => sp.parseRequest("{}" + " ".repeat(req.maxBodyBytes - 1))), "body_too_large");
  const acks = (n) => JSON.stringify({ ack: Array.from({ length: n }, (_, i) => `j${i}`) });
  assert.equal(refused(() => sp.parseRequest(acks(req.maxAck))), "ok");
  assert.equal(refused(() => sp.parseRequest(acks(req.maxAck + 1))), "too_many_items");
  const sets = (n) => JSON.stringify({ sets: Object.fromEntries(Array.from({ length: n }, (_, i) => [`j${i}`, "a.b.c"])), moreAvailable: false });
  assert.equal(sp.parseResponse(sets(res.maxSets)).sets.length, res.maxSets);
  assert.equal(refused(() => sp.parseResponse(sets(res.maxSets + 1))), "too_many_sets");
  const empty = '{"sets":{},"moreAvailable":false}';
  assert.equal(refused(() => sp.parseResponse(empty + " ".repeat(res.maxBodyBytes - empty.length))), "ok");
  // One byte more is refused (by the package's own 16 MiB argument bound,
  // which equals the core's default, or by the core).
  assert.ok(["body_too_large", "too_large"].includes(refused(() => sp.parseResponse(empty + " ".repeat(res.maxBodyBytes - empty.length + 1)))));
});
