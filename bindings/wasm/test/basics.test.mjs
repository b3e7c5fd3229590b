// Phase-1 surface of the `setpoll` package: version, the setErrs code table,
// peekEnvelope, time checks, and the shape of thrown errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const setpoll = require("../pkg/node/setpoll.js");
const PKG = new URL("../pkg/", import.meta.url);

const b64url = (s) => Buffer.from(s).toString("base64url");
const fakeJws = (payload) => `${b64url('{"alg":"ES256"}')}.${b64url(JSON.stringify(payload))}.c2ln`;

test("version matches the package.json the build wrote", () => {
  const pkg = JSON.parse(readFileSync(new URL("package.json", PKG), "utf8"));
  assert.equal(pkg.name, "setpoll");
  assert.match(setpoll.version(), /^\d+\.\d+\.\d+/);
  assert.equal(setpoll.version(), pkg.version);
});

test("the package resolves through main (CommonJS) to the same module", () => {
  const viaMain = require("../pkg");
  assert.equal(viaMain.version(), setpoll.version());
});

test("setErrCodes lists both vocabularies, OBIE first", () => {
  const rows = setpoll.setErrCodes();
  assert.equal(rows.length, 18);
  assert.deepEqual(rows[0], { code: "json", vocabulary: "obie", description: rows[0].description });
  const codes = rows.map((r) => r.code);
  for (const c of ["jwtAud", "jwtIss", "setType", "dup", "invalid_key", "access_denied"]) {
    assert.ok(codes.includes(c), c);
  }
  const firstRfc = rows.findIndex((r) => r.vocabulary === "rfc8935");
  assert.ok(firstRfc > 0);
  assert.ok(rows.slice(firstRfc).every((r) => r.vocabulary === "rfc8935"));
  assert.equal(new Set(codes).size, codes.length, "codes are unique");
});

test("setErrCode keeps unknown codes verbatim", () => {
  assert.equal(setpoll.setErrCode("jwtCrypto").vocabulary, "obie");
  assert.equal(setpoll.setErrCode("invalid_issuer").vocabulary, "rfc8935");
  const odd = setpoll.setErrCode("somethingNew");
  assert.equal(odd.code, "somethingNew");
  assert.equal(odd.vocabulary, null);
});

test("peekEnvelope reads jti and aud (string or array)", () => {
  assert.deepEqual(setpoll.peekEnvelope(fakeJws({ jti: "a1", aud: "tpp" })), { jti: "a1", aud: ["tpp"] });
  assert.deepEqual(setpoll.peekEnvelope(fakeJws({ jti: "b2", aud: ["x", "y"] })), {
    jti: "b2",
    aud: ["x", "y"],
  });
  assert.deepEqual(setpoll.peekEnvelope(fakeJws({ jti: "c3" })).aud, []);
});

test("bad tokens throw a real Error with name, code and setErrs codes", () => {
  for (const token of ["", "a.b", "a.b.c.d", fakeJws({ aud: "no-jti" }), "x.%%%.y"]) {
    assert.throws(
      () => setpoll.peekEnvelope(token),
      (e) => {
        assert.ok(e instanceof Error, "is an Error");
        assert.equal(e.name, "VerifyError");
        assert.equal(typeof e.code, "string");
        assert.ok(e.code.length > 0);
        assert.equal(typeof e.message, "string");
        assert.ok(e.message.length > 0);
        assert.equal(setpoll.setErrCode(e.setErrObie).vocabulary, "obie");
        assert.equal(setpoll.setErrCode(e.setErrRfc8935).vocabulary, "rfc8935");
        assert.ok(typeof e.stack === "string");
        return true;
      },
      JSON.stringify(token),
    );
  }
});

test("times are exact non-negative integer milliseconds", () => {
  const now = Date.now();
  assert.equal(setpoll.checkTimestamp(now), now);
  assert.equal(setpoll.checkTimestamp(0), 0);
  assert.equal(setpoll.checkTimestamp(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
  for (const bad of [-1, 1.5, NaN, Infinity, Number.MAX_SAFE_INTEGER + 2]) {
    assert.throws(
      () => setpoll.checkTimestamp(bad),
      (e) => e instanceof Error && e.name === "InputError" && e.code === "invalid_timestamp",
      String(bad),
    );
  }
});

test("the web (ESM) build behaves the same once initialised in Node", async () => {
  const web = await import(new URL("web/setpoll.js", PKG));
  const wasm = readFileSync(new URL("web/setpoll_bg.wasm", PKG));
  web.initSync({ module: wasm });
  assert.equal(web.version(), setpoll.version());
  assert.deepEqual(web.setErrCodes(), setpoll.setErrCodes());
});

test("TypeScript declarations carry the API and its docs", () => {
  const dts = readFileSync(new URL("node/setpoll.d.ts", PKG), "utf8");
  for (const name of ["version", "setErrCodes", "setErrCode", "peekEnvelope", "checkTimestamp", "parseRequest", "requestToJson", "parseResponse", "responseToJson", "parseClaims", "claimsToJson", "buildClaims"]) {
    assert.match(dts, new RegExp(`export function ${name}\\(`), name);
  }
  assert.match(dts, /export interface SetErrCodeInfo/);
  assert.match(dts, /peekEnvelope\(token: string\): SetEnvelope/);
  assert.match(dts, /parseRequest\(body: string \| Uint8Array, options\?: ParseRequestOptions\): PollRequest/);
  assert.match(dts, /Read `jti` and `aud`/, "doc comments flow into the .d.ts");
});
