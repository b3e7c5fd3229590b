// A receiver and a transmitter talking to each other entirely in JS: the
// bank signs and queues SETs, the TPP polls, verifies, acknowledges, and
// reports the SET that fails verification.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const setpoll = require("../pkg/node/setpoll.js");
const { SigningKey, MemoryQueue, Receiver } = setpoll;

const ISS = "https://examplebank.com/";
const TPP = "7umx5nTR33811QyQfi";
const T0 = 1_700_000_000_000;

function setFor(bank, jti, now) {
  const claims = setpoll.buildClaims({
    iss: ISS, jti, aud: TPP, iat: Math.floor(now / 1000), toe: Math.floor(now / 1000),
    sub: `https://examplebank.com/consents/${jti}`, txn: `txn-${jti}`,
    events: [{ type: "resourceUpdate", subject: { rid: jti, rty: "account-access-consent",
      rlk: [{ version: "v3.1", link: `https://examplebank.com/consents/${jti}` }] } }],
  });
  return setpoll.signSet(claims, bank, { kind: "obie", orgId: "0015800001041REAAY", trustAnchor: "openbanking.org.uk" }, now);
}

test("poll, verify, acknowledge, report: both sides end empty", () => {
  const bank = SigningKey.generateEs256().withKid("bank-1");
  const impostor = SigningKey.generateEs256().withKid("bank-1"); // same kid, other key
  const queue = new MemoryQueue();
  let now = T0;
  queue.enqueue(setFor(bank, "evt-1", now), now);
  queue.enqueue(setFor(impostor, "evt-bad", now), now);
  queue.enqueue(setFor(bank, "evt-2", now), now);

  const rx = new Receiver({
    issuer: ISS, clientId: TPP, jwksJson: setpoll.jwksFromKeys([bank.toPublicJwk()]),
    maxEvents: 10, returnImmediately: true, backoff: { jitter: "none" },
  });

  const delivered = [];
  const rejected = [];
  for (let round = 0; round < 5 && (queue.length > 0 || round === 0); round++) {
    let req;
    try {
      req = rx.nextRequest(now);
    } catch (e) {
      assert.equal(e.code, "not_due");
      now = e.at;
      req = rx.nextRequest(now);
    }
    const out = queue.poll(TPP, req.body, now);
    const batch = rx.handleResponse(req.id, 200, out.responseJson, null, now);
    for (const d of batch.deliveries) {
      assert.equal(d.claims.aud, TPP);
      delivered.push(d.jti);
      rx.ack(d.jti);
    }
    for (const r of batch.rejections) {
      rejected.push([r.jti, r.code, r.reported && r.reported.err]);
    }
    now += 1000;
  }
  assert.deepEqual(delivered, ["evt-1", "evt-2"]);
  assert.deepEqual(rejected, [["evt-bad", "bad_signature", "jws"]]);
  // The acks and the setErr reached the bank: nothing awaits delivery.
  const left = queue.records();
  assert.equal(left.length, 1);
  assert.equal(left[0].jti, "evt-bad");
  assert.equal(left[0].state, "dead_letter");
  assert.equal(left[0].last_error.reason.err, "jws");
  assert.deepEqual(rx.unsettled(), []);
});

test("a receiver restored from its saved state hands unsettled SETs out again", () => {
  const bank = SigningKey.generateEs256().withKid("bank-1");
  const queue = new MemoryQueue();
  queue.enqueue(setFor(bank, "evt-1", T0), T0);
  const config = { issuer: ISS, clientId: TPP, jwksJson: setpoll.jwksFromKeys([bank.toPublicJwk()]) };
  const rx = new Receiver(config);
  const req = rx.nextRequest(T0);
  const batch = rx.handleResponse(req.id, 200, queue.poll(TPP, req.body, T0).responseJson, null, T0);
  assert.equal(batch.deliveries.length, 1);
  const saved = rx.takeStateJson();
  assert.equal(typeof saved, "string");
  assert.equal(rx.takeStateJson(), undefined, "taken once until it changes");
  // Crash before the application acknowledged: a new process restores.
  const again = new Receiver(config);
  again.restore(saved);
  assert.deepEqual(again.unsettled().map((d) => d.jti), ["evt-1"]);
  again.ack("evt-1");
  const next = again.nextRequest(T0 + 60_000);
  assert.deepEqual(JSON.parse(next.body).ack, ["evt-1"]);
  assert.throws(() => again.restore("{}"), { name: "StateError" });
  assert.throws(() => new Receiver({ ...config, issuer: "" }), { name: "ReceiverConfigError" });
  assert.throws(() => new Receiver({ ...config, jwks: "x" }), { name: "InputError" });
  assert.throws(() => again.ack("nope"), { name: "ReceiverError" });
});
