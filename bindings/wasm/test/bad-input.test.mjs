// Bad input at every export (issue 12 item 8): each argument of each export
// gets values of the wrong JS type, oversized strings, byte arrays and
// arrays, and numbers that are not safe non-negative integers. Every call
// must throw a TypeError or a SetpollError (never a WebAssembly trap, never
// a silent coercion), and afterwards the module must still verify a golden
// vector SET.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const sp = require("../pkg/node/setpoll.js");

const vectors = (f) => JSON.parse(readFileSync(new URL(`../../../tests/vectors/${f}.json`, import.meta.url), "utf8"));
const VERIFY = vectors("verify").cases[0];
const SIGN = vectors("sign").cases[0];
const NOW = VERIFY.now;

// Fixtures: one good value per kind of argument.
const key = sp.SigningKey.fromJwk(SIGN.privateJwkJson);
const keyring = sp.Keyring.fromJwks(VERIFY.jwksJson);
const claims = sp.SetClaims.fromJson(SIGN.claimsJson);
const memory = new sp.MemoryTransmitter({ longPollMaxWaitMs: 30_000 });
const wait = memory.handlePoll("c1", "{}", NOW).wait;
const storage = new sp.StorageTransmitter();
const token = sp.signSet(claims, key, NOW, "rfc8417");
const enqueuePlan = storage.planEnqueue(token, NOW);
const pollPlan = storage.planPoll("c1", "{}", NOW);
const sweepPlan = storage.planSweep(NOW, 10);
const rxConfig = { issuer: "https://examplebank.com/", clientId: "7umx5nTR33811QyQfi", jwksJson: VERIFY.jwksJson };
const rx = new sp.Receiver(rxConfig);
const builder = () => new sp.ClaimsBuilder("https://examplebank.com/", "j1", "tpp", 1);
const seed = new Uint8Array(32);

const HUGE_TEXT = "x".repeat(50_000_000);
const HUGE_BYTES = new Uint8Array(50_000_000);
const HUGE_ARRAY = new Array(10_000_000).fill("x");
const WRONG = [5, true, {}, 10n, Symbol("s"), [], () => 1];
const NOT_NUMBER = WRONG.filter((v) => typeof v !== "number");

// kind -> [good value, bad values, what the bad values must throw]
const typeError = (e) => e instanceof TypeError && e.code === "invalid_type";
const argError = (code) => (e) => e instanceof sp.ArgumentError && e.code === code;
const setpollError = (e) => e instanceof sp.SetpollError;
const kinds = {
  string: (good) => [good, [[WRONG.concat([null, undefined]), typeError], [[HUGE_TEXT], argError("too_large")]]],
  optString: (good) => [good, [[WRONG, typeError], [[HUGE_TEXT], argError("too_large")]]],
  bytes: (good) => [good, [[WRONG.concat(["x", null, [1, 2]]), typeError], [[HUGE_BYTES], argError("too_large")]]],
  uint: (good) => [
    good,
    [
      [NOT_NUMBER.concat(["5", null, undefined]), typeError],
      [[NaN, Infinity, 1.5, 2 ** 60], argError("invalid_number")],
      [[-1], setpollError],
    ],
  ],
  optUint: (good) => [good, [[NOT_NUMBER.concat(["5"]), typeError], [[NaN, 1.5], argError("invalid_number")], [[-1], setpollError]]],
  int: (good) => [good, [[NOT_NUMBER.concat(["5", null]), typeError], [[NaN, 1.5, 2 ** 60], argError("invalid_number")]]],
  bool: (good) => [good, [[[5, "true", {}, 10n, null], typeError]]],
  optBool: (good) => [good, [[[5, "true", {}, 10n], typeError]]],
  // Records of the host API (and enums): wrong types, oversized members.
  data: (good) => [good, [[[5, true, 10n, Symbol("s"), "no-such-variant"], typeError], [[{ x: HUGE_TEXT }, HUGE_ARRAY], argError("too_large")]]],
  optData: (good) => [good, [[[5, true, 10n, "no-such-variant"], typeError], [[{ x: HUGE_TEXT }], argError("too_large")]]],
  array: (good) => [good, [[[5, "x", {}, [5], [{}], null], typeError], [[HUGE_ARRAY], argError("too_large")]]],
  // Objects of this package: anything else is an Error from the glue.
  provider: (good) => [good, [[[5, "x", {}, [], memory, { importPublic: 1 }], typeError]]],
  handle: (good) => [good, [[[5, "x", {}, null, memory], (e) => e instanceof Error]]],
};

const REQUEST = { maxEvents: undefined, returnImmediately: undefined, ack: [], setErrs: [] };
const calls = {
  setErrCode: [(a) => sp.setErrCode(a), ["string", "jwtIss"]],
  timestampFromSecs: [(a) => sp.timestampFromSecs(a), ["uint", 1]],
  timestampAsSecs: [(a) => sp.timestampAsSecs(a), ["uint", 1]],
  parseRequest: [(a, b, c, d) => sp.parseRequest(a, b, c, d), ["string", "{}"], ["optBool", true], ["optString", "i"], ["optData", {}]],
  parseRequestBytes: [(a, b, c, d) => sp.parseRequestBytes(a, b, c, d), ["bytes", new Uint8Array([123, 125])], ["optBool", true], ["optString", "i"], ["optData", {}]],
  requestToJson: [(a) => sp.requestToJson(a), ["data", REQUEST]],
  parseResponse: [(a, b) => sp.parseResponse(a, b), ["string", '{"sets":{}}'], ["optData", {}]],
  parseResponseBytes: [(a, b) => sp.parseResponseBytes(a, b), ["bytes", new Uint8Array([123, 125])], ["optData", {}]],
  responseToJson: [(a) => sp.responseToJson(a), ["data", { sets: [], moreAvailable: false }]],
  parseErrorResponse: [(a) => sp.parseErrorResponse(a), ["string", "{}"]],
  obieSuccessStatus: [(a) => sp.obieSuccessStatus(a), ["data", "v4.0"]],
  obieErrorResponse: [(a, b) => sp.obieErrorResponse(a, b), ["data", "v4.0"], ["string", "{}"]],
  peekEnvelope: [(a) => sp.peekEnvelope(a), ["string", token]],
  verifySet: [(a, b, c, d) => sp.verifySet(a, b, c, d), ["string", token], ["handle", keyring], ["data", {}], ["uint", NOW]],
  signSet: [(a, b, c, d) => sp.signSet(a, b, c, d), ["handle", claims], ["handle", key], ["uint", NOW], ["data", "rfc8417"]],
  jwksFromKeys: [(a) => sp.jwksFromKeys(a), ["array", [key]]],
  jwkThumbprint: [(a) => sp.jwkThumbprint(a), ["string", SIGN.privateJwkJson]],
  "SigningKey.generateEs256": [(a, b) => sp.SigningKey.generateEs256(a, b), ["bytes", seed], ["optString", "k"]],
  "SigningKey.generatePs256": [(a, b, c) => sp.SigningKey.generatePs256(a, b, c), ["bytes", seed], ["uint", 1], ["optString", "k"]],
  "SigningKey.fromJwk": [(a, b) => sp.SigningKey.fromJwk(a, b), ["string", SIGN.privateJwkJson], ["optData", "portable"]],
  "SigningKey.fromPkcs8Pem": [(a, b) => sp.SigningKey.fromPkcs8Pem(a, b), ["string", "pem"], ["optString", "k"]],
  "Keyring.fromJwks": [(a, b) => sp.Keyring.fromJwks(a, b), ["string", VERIFY.jwksJson], ["optData", "portable"]],
  "Jwk.fromJson": [(a) => sp.Jwk.fromJson(a), ["string", "{}"]],
  "JwkSet.fromJson": [(a) => sp.JwkSet.fromJson(a), ["string", "{}"]],
  "SetClaims.fromJson": [(a) => sp.SetClaims.fromJson(a), ["string", "{}"]],
  "new ClaimsBuilder": [(a, b, c, d) => new sp.ClaimsBuilder(a, b, c, d), ["string", "i"], ["string", "j"], ["string", "a"], ["int", 1]],
  "ClaimsBuilder.audience": [(a) => builder().audience(a), ["string", "a"]],
  "ClaimsBuilder.sub": [(a) => builder().sub(a), ["string", "s"]],
  "ClaimsBuilder.txn": [(a) => builder().txn(a), ["string", "t"]],
  "ClaimsBuilder.toe": [(a) => builder().toe(a), ["int", 1]],
  "ClaimsBuilder.exp": [(a) => builder().exp(a), ["int", 1]],
  "ClaimsBuilder.nbf": [(a) => builder().nbf(a), ["int", 1]],
  "ClaimsBuilder.subIdJson": [(a) => builder().subIdJson(a), ["string", '{"format":"opaque","id":"x"}']],
  "ClaimsBuilder.claim": [(a, b) => builder().claim(a, b), ["string", "x-private"], ["string", "1"]],
  "ClaimsBuilder.resourceUpdate": [(a) => builder().resourceUpdate(a), ["data", { rid: "r", rty: "t", links: [] }]],
  "ClaimsBuilder.consentRevoked": [(a, b) => builder().consentRevoked(a, b), ["optString", "r"], ["optData", { rid: "r", rty: "t", links: [] }]],
  "ClaimsBuilder.linkedAccountUpdate": [(a, b) => builder().linkedAccountUpdate(a, b), ["optString", "r"], ["optData", { rid: "r", rty: "t", links: [] }]],
  "ClaimsBuilder.customEvent": [(a, b) => builder().customEvent(a, b), ["string", "urn:x"], ["string", "{}"]],
  "new MemoryTransmitter": [(a) => new sp.MemoryTransmitter(a), ["optData", {}]],
  "MemoryTransmitter.fromRecords": [(a, b) => sp.MemoryTransmitter.fromRecords(a, b), ["data", {}], ["string", "[]"]],
  "MemoryTransmitter.enqueue": [(a, b) => memory.enqueue(a, b), ["string", "x"], ["uint", NOW]],
  "MemoryTransmitter.handlePoll": [(a, b, c, d) => memory.handlePoll(a, b, c, d), ["string", "c"], ["string", "{}"], ["uint", NOW], ["optString", "i"]],
  "MemoryTransmitter.handlePollBytes": [(a, b, c, d) => memory.handlePollBytes(a, b, c, d), ["string", "c"], ["bytes", new Uint8Array([123, 125])], ["uint", NOW], ["optString", "i"]],
  "MemoryTransmitter.resume": [(a, b) => memory.resume(a, b), ["handle", wait], ["uint", NOW]],
  "MemoryTransmitter.sweep": [(a, b) => memory.sweep(a, b), ["uint", NOW], ["optUint", 10]],
  "new StorageTransmitter": [(a) => new sp.StorageTransmitter(a), ["optData", {}]],
  "StorageTransmitter.planEnqueue": [(a, b) => storage.planEnqueue(a, b), ["string", token], ["uint", NOW]],
  "StorageTransmitter.decideEnqueue": [(a, b, c) => storage.decideEnqueue(a, b, c), ["handle", enqueuePlan], ["optString", "{}"], ["optUint", 1]],
  "StorageTransmitter.planPoll": [(a, b, c, d) => storage.planPoll(a, b, c, d), ["string", "c"], ["string", "{}"], ["uint", NOW], ["optString", "i"]],
  "StorageTransmitter.planPollBytes": [(a, b, c, d) => storage.planPollBytes(a, b, c, d), ["string", "c"], ["bytes", new Uint8Array([123, 125])], ["uint", NOW], ["optString", "i"]],
  "StorageTransmitter.planResume": [(a, b) => storage.planResume(a, b), ["handle", wait], ["uint", NOW]],
  "StorageTransmitter.decidePoll": [(a, b, c) => storage.decidePoll(a, b, c), ["handle", pollPlan], ["string", "[]"], ["string", "[]"]],
  "StorageTransmitter.planSweep": [(a, b) => storage.planSweep(a, b), ["uint", NOW], ["uint", 10]],
  "StorageTransmitter.decideSweep": [(a, b, c) => storage.decideSweep(a, b, c), ["handle", sweepPlan], ["string", "[]"], ["bool", true]],
  "new Receiver": [(a) => new sp.Receiver(a), ["data", rxConfig]],
  "Receiver.restore": [(a, b) => sp.Receiver.restore(a, b), ["data", rxConfig], ["string", "{}"]],
  "Receiver.nextRequest": [(a) => rx.nextRequest(a), ["uint", NOW]],
  "Receiver.handleResponse": [(a, b, c, d, e) => rx.handleResponse(a, b, c, d, e), ["uint", 1], ["uint", 200], ["string", "{}"], ["uint", NOW], ["optString", "1"]],
  "Receiver.handleResponseVerified": [(a, b, c, d, e) => rx.handleResponseVerified(a, b, c, d, e), ["uint", 1], ["uint", 200], ["string", "{}"], ["uint", NOW], ["optString", "1"]],
  "Receiver.handleResponseBytes": [(a, b, c, d, e) => rx.handleResponseBytes(a, b, c, d, e), ["uint", 1], ["uint", 200], ["bytes", new Uint8Array(2)], ["uint", NOW], ["optString", "1"]],
  "Receiver.handleFailure": [(a, b) => rx.handleFailure(a, b), ["uint", 1], ["uint", NOW]],
  "Receiver.ack": [(a) => rx.ack(a), ["string", "j"]],
  "Receiver.reject": [(a, b, c) => rx.reject(a, b, c), ["string", "j"], ["string", "jwtIss"], ["string", "d"]],
  "Receiver.refreshKeys": [(a, b) => rx.refreshKeys(a, b), ["string", VERIFY.jwksJson], ["uint", NOW]],
  "Receiver.refreshKeysFailed": [(a) => rx.refreshKeysFailed(a), ["uint", NOW]],
  prepareSet: [(a, b, c) => sp.prepareSet(a, b, c), ["string", token], ["handle", keyring], ["data", {}]],
  finishSet: [(a, b, c) => sp.finishSet(a, b, c), ["handle", sp.prepareSet(token, keyring, {})], ["bool", true], ["uint", NOW]],
  compilePolicy: [(a) => sp.compilePolicy(a), ["data", {}]],
  verifyRawPortable: [(a, b, c, d) => sp.verifyRawPortable(a, b, c, d), ["string", "ES256"], ["string", JSON.stringify(JSON.parse(VERIFY.jwksJson).keys[0])], ["bytes", new Uint8Array(3)], ["bytes", new Uint8Array(64)]],
  prepareSetWith: [(a, b, c) => sp.prepareSetWith(a, b, c), ["string", token], ["handle", keyring], ["handle", sp.compilePolicy({})]],
  verifySetWith: [(a, b, c, d) => sp.verifySetWith(a, b, c, d), ["string", token], ["handle", keyring], ["handle", sp.compilePolicy({})], ["uint", NOW]],
  "PreparedSet.checkAhead": [(a) => sp.prepareSet(token, keyring, {}).checkAhead(a), ["uint", NOW]],
  "PreparedSet.settle": [(a) => { const p = sp.prepareSet(token, keyring, {}); p.checkAhead(NOW); return p.settle(a); }, ["bool", true]],
  prepareSignSet: [(a, b, c, d) => sp.prepareSignSet(a, b, c, d), ["handle", claims], ["handle", key], ["uint", NOW], ["data", "rfc8417"]],
  "PreparedSignature.assemble": [(a) => sp.prepareSignSet(claims, key, NOW, "rfc8417").assemble(a), ["bytes", new Uint8Array(64)]],
  installPlatformCrypto: [(a) => sp.installPlatformCrypto(a), ["provider", undefined]],
  "applyReceiverChanges": [(a, b) => sp.applyReceiverChanges(a, b), ["string", rx.state()], ["string", "[]"]],
};

const describe = (v) =>
  typeof v === "string" && v.length > 20 ? `string(${v.length})` : v?.length > 20 ? `${v.constructor.name}(${v.length})` : typeof v === "symbol" || typeof v === "bigint" ? v.toString() : typeof v === "function" ? "function" : JSON.stringify(v) ?? String(v);

test("every export refuses bad arguments with a TypeError or a SetpollError, and the module stays usable", (t) => {
  let thrown = 0;
  const exported = new Set(Object.keys(calls).map((n) => n.replace(/^new /, "").split(".")[0]));
  for (const [name, [fn, ...params]] of Object.entries(calls)) {
    const good = params.map(([kind, value]) => kinds[kind](value)[0]);
    params.forEach(([kind, value], i) => {
      for (const [values, ok] of kinds[kind](value)[1]) {
        for (const bad of values) {
          const args = good.slice();
          args[i] = bad;
          let error = null;
          try {
            fn(...args);
          } catch (e) {
            error = e;
          }
          const what = `${name} argument ${i} (${kind}) = ${describe(bad)}`;
          assert.ok(error, `${what}: accepted`);
          assert.ok(!(error instanceof WebAssembly.RuntimeError), `${what}: trapped: ${error}`);
          assert.ok(ok(error), `${what}: threw ${error?.name} ${error?.code}: ${error?.message}`);
          thrown++;
        }
      }
    });
  }
  assert.ok(thrown > 700, `${thrown} bad calls`);
  t.diagnostic(`${thrown} bad calls at ${Object.keys(calls).length} exports`);
  // Every exported function and class of the package is in the table.
  const functions = Object.entries(sp).filter(([n, v]) => typeof v === "function" && !/Error$/.test(n) && !n.startsWith("init"));
  const untested = functions
    .map(([n]) => n)
    .filter((n) => !exported.has(n))
    .filter((n) => !["version", "hasPortableCrypto", "noop", "setErrCodes", "emptyPollResponse", "transmitterDefaults", "Jwk", "JwkSet", "SetClaims", "PollWait", "PollAnswer", "EnqueuePlan", "PollPlan", "SweepPlan", "VerifiedSet", "PreparedSet", "CompiledPolicy"].includes(n));
  assert.deepEqual(untested, [], "exports without bad-input rows (or without arguments)");
  // The error classes: real Errors, one subclass per concern, with a stack.
  assert.ok(new sp.SetpollError("SetpollError", "c", "m") instanceof Error);
  assert.throws(
    () => sp.verifySet(VERIFY.token, keyring, { issuer: "someone-else" }, VERIFY.now),
    (e) =>
      e instanceof sp.VerifyError && e instanceof sp.SetpollError && e instanceof Error &&
      e.name === "VerifyError" && e.code === "wrong_issuer" && e.setErr === "jwtIss" &&
      typeof e.description === "string" && e.message.includes("wrong_issuer") && /verifySet|Error/.test(e.stack),
  );
  // Still usable: a golden vector SET verifies.
  const v = sp.verifySet(VERIFY.token, sp.Keyring.fromJwks(VERIFY.jwksJson), VERIFY.policy, VERIFY.now);
  assert.equal(v.claims.toJson(), VERIFY.expect.ok.claimsJson);
  assert.equal(sp.parseRequest('{"ack":["a"]}').ack[0], "a");
});

test("the claims builder refuses a member name given twice, as the core reads every document", () => {
  const builder = () => new sp.ClaimsBuilder("https://i/", "j", "tpp", 1);
  for (const [call, code] of [
    [(b) => b.customEvent("https://x.example/e", '{"a":1,"a":2}'), "invalid_event_payload"],
    [(b) => b.subIdJson('{"format":"opaque","id":"x","id":"y"}'), "invalid_sub_id"],
    [(b) => b.claim("x", '{"k":{"a":1,"a":2}}'), "invalid_claim_value"],
  ]) {
    assert.throws(() => call(builder()), (e) => e instanceof sp.ArgumentError && e.code === code && /duplicate member name/.test(e.message));
  }
  const claims = builder().claim("x", '{"k":{"a":1}}').customEvent("https://x.example/e", "{}").build();
  assert.match(claims.toJson(), /"x":\{"k":\{"a":1\}\}/);
});


test("saved state and journals are read by the core's record readers: a bad member is named by its path", () => {
  const saved = new sp.Receiver({ issuer: "https://i/", clientId: "tpp", jwksJson: '{"keys":[]}' }).state();
  const journal = '[{"ackQueued":{"jti":"a"}},{"dropped":{}}]';
  assert.throws(
    () => sp.applyReceiverChanges(saved, journal),
    (e) => e instanceof sp.ReceiverError && e.code === "state_json" && /not a receiver change: missing field `jti` at \[1\]\.dropped/.test(e.message),
  );
  // Not an array, and a name given twice: the journal as a whole is refused.
  for (const bad of ['{"ackQueued":{"jti":"a"}}', '[{"ackQueued":{"jti":"a","jti":"b"}}]']) {
    assert.throws(() => sp.applyReceiverChanges(saved, bad), (e) => e instanceof sp.ArgumentError && e.code === "bad_json");
  }
  const state = JSON.parse(saved);
  state.unsettled = [{ iss: "https://i/", jti: "a", token: "t", deliveredAt: "soon" }];
  assert.throws(
    () => sp.applyReceiverChanges(JSON.stringify(state), "[]"),
    (e) => e.code === "state_json" && /invalid type: string "soon", expected u64 at unsettled\[0\]\.deliveredAt/.test(e.message),
  );
  assert.equal(sp.applyReceiverChanges(saved, '[{"ackQueued":{"jti":"a"}}]').includes('"pendingAcks":["a"]'), true);
});
