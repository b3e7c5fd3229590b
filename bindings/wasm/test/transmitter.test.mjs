// The transmitter through the package: MemoryQueue and the storage-neutral steps.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { StorageQueue } from "./storage-queue.mjs";

const require = createRequire(import.meta.url);
const setpoll = require("../pkg/node/setpoll.js");
const { MemoryQueue } = setpoll;

const T0 = 1_700_000_000_000;
const b64url = (s) => Buffer.from(s).toString("base64url");
// The queue reads only aud/jti; it never re-signs or verifies its own tokens.
const token = (aud, jti) =>
  `${b64url('{"alg":"PS256"}')}.${b64url(JSON.stringify({ iss: "https://bank.example/", aud, jti }))}.c2ln`;

test("enqueue, poll, acknowledge: the documented round", () => {
  const q = new MemoryQueue();
  const e = q.enqueue(token("tpp", "jti-1"), T0);
  assert.equal(e.outcome, "queued");
  assert.equal(e.wake, "tpp");
  assert.equal(e.changes.length, 1);
  assert.equal(e.changes[0].op, "insert");
  assert.equal(e.changes[0].state, "pending");
  assert.equal(e.changes[0].enqueued_at, T0);
  const again = q.enqueue(token("tpp", "jti-1"), T0 + 1);
  assert.equal(again.outcome, "already_queued");
  assert.equal(again.sameToken, true);
  assert.deepEqual(again.changes, []);
  assert.equal(again.wake, null);

  const poll = q.poll("tpp", "{}", T0 + 10);
  assert.equal(poll.wait, undefined);
  assert.equal(poll.response.sets[0].jti, "jti-1");
  assert.equal(poll.responseJson, `{"sets":{"jti-1":"${token("tpp", "jti-1")}"},"moreAvailable":false}`);
  assert.equal(poll.changes[0].op, "update");
  assert.equal(poll.changes[0].state, "delivered");
  assert.equal(q.get("tpp", "jti-1").attempts, 1);

  // Another client sees nothing.
  assert.deepEqual(q.poll("other", "{}", T0 + 11).response.sets, []);

  const ack = q.poll("tpp", '{"ack":["jti-1"],"maxEvents":0}', T0 + 20);
  assert.equal(ack.changes.length, 1);
  assert.equal(ack.changes[0].op, "delete");
  assert.equal(ack.changes[0].reason, "acknowledged");
  assert.equal(q.length, 0);
  assert.equal(q.get("tpp", "jti-1"), undefined);
});

test("a bad body is refused with the 400 body; the OBIE profile refuses unknown members", () => {
  const q = new MemoryQueue();
  assert.throws(() => q.poll("tpp", '{"maxEvents":"5"}', T0), (e) => {
    assert.equal(e.name, "RequestError");
    assert.equal(e.code, "wrong_type");
    assert.equal(JSON.parse(e.errorResponseJson).Errors[0].ErrorCode, "UK.OBIE.Field.Invalid");
    return true;
  });
  assert.throws(() => q.poll("tpp", '{"foo":1}', T0), { code: "unknown_member" });
  const ssf = new MemoryQueue({ profile: "rfc8936" });
  assert.deepEqual(ssf.poll("tpp", '{"foo":1}', T0).response.sets, []);
});

test("bad settings, tokens and times throw typed errors", () => {
  assert.throws(() => new MemoryQueue({ maxEventsLimit: 0 }), { name: "ConfigError", code: "zero_max_events_limit" });
  assert.throws(() => new MemoryQueue({ profile: "x" }), { name: "InputError", code: "invalid_argument" });
  assert.throws(() => new MemoryQueue({ maxEvent: 3 }), { name: "InputError", code: "invalid_argument" });
  const q = new MemoryQueue();
  assert.throws(() => q.enqueue("not a jws", T0), { name: "EnqueueError" });
  assert.throws(() => q.enqueue(token(["a", "b"], "j"), T0), { name: "EnqueueError", code: "multiple_audiences" });
  assert.throws(() => q.enqueue(token("tpp", "j"), -5), { name: "InputError", code: "invalid_timestamp" });
  assert.throws(() => q.poll("tpp", "{}", 1.5), { name: "InputError", code: "invalid_timestamp" });
});

test("long polling: wait, wake on enqueue, resume", () => {
  const q = new MemoryQueue({ longPollMaxWaitMs: 30_000 });
  const held = q.poll("tpp", '{"returnImmediately":false}', T0);
  assert.equal(held.responseJson, undefined);
  assert.ok(held.wait);
  assert.equal(held.wait.client, "tpp");
  assert.equal(held.wait.until, T0 + 30_000);
  const e = q.enqueue(token("tpp", "late"), T0 + 5);
  assert.equal(e.wake, held.wait.client);
  const resumed = q.resume(held.wait, T0 + 6);
  assert.deepEqual(resumed.response.sets.map((s) => s.jti), ["late"]);
});

test("batches, moreAvailable, redelivery after the visibility timeout, sweep", () => {
  const q = new MemoryQueue({ visibilityTimeoutMs: 1000, maxAttempts: 2, retentionMs: 60_000 });
  for (let i = 0; i < 3; i++) q.enqueue(token("tpp", `j${i}`), T0 + i);
  const first = q.poll("tpp", '{"maxEvents":2}', T0 + 10);
  assert.deepEqual(first.response.sets.map((s) => s.jti), ["j0", "j1"]);
  assert.equal(first.response.moreAvailable, true);
  const second = q.poll("tpp", "{}", T0 + 11);
  assert.deepEqual(second.response.sets.map((s) => s.jti), ["j2"]);
  assert.equal(second.response.moreAvailable, false);
  // Not acknowledged: delivered again once the visibility timeout passed.
  const redelivered = q.poll("tpp", "{}", T0 + 1500);
  assert.deepEqual(redelivered.response.sets.map((s) => s.jti), ["j0", "j1", "j2"]);
  // Out of attempts after the second delivery's timeout: the sweep dead-letters.
  const swept = q.sweep(T0 + 5000, 100);
  assert.equal(swept.more, false);
  assert.ok(swept.changes.length >= 3);
  assert.ok(q.records().every((r) => r.state === "dead_letter"));
  assert.equal(q.records()[0].last_error.reason.kind, "max_attempts");
  // Past retention everything is purged eventually.
  const purge = q.sweep(T0 + 365 * 86_400_000, 100);
  assert.ok(purge.changes.every((c) => c.op === "delete"));
  assert.equal(q.length, 0);
});

test("setErrs dead-letters the SET with the reported error", () => {
  const q = new MemoryQueue();
  q.enqueue(token("tpp", "bad"), T0);
  q.poll("tpp", "{}", T0 + 1);
  const out = q.poll("tpp", '{"setErrs":{"bad":{"err":"jwtIss","description":"unknown issuer"}},"maxEvents":0}', T0 + 2);
  assert.equal(out.changes[0].op, "update");
  assert.equal(out.changes[0].state, "dead_letter");
  assert.deepEqual(out.changes[0].last_error.reason, { kind: "set_err", err: "jwtIss", description: "unknown issuer" });
});

test("records rebuild an identical queue; changes replay", () => {
  const q = new MemoryQueue();
  const log = [];
  for (const jti of ["a", "b", "c"]) log.push(...q.enqueue(token("tpp", jti), T0).changes);
  log.push(...q.poll("tpp", '{"maxEvents":1}', T0 + 1).changes);
  const rebuilt = MemoryQueue.fromRecords(undefined, q.records());
  assert.deepEqual(rebuilt.records(), q.records());
  const replayed = new MemoryQueue();
  for (const c of log) replayed.apply(c);
  assert.deepEqual(replayed.records(), q.records());
  assert.throws(() => replayed.apply(log[0]), { name: "ApplyError" });
  assert.throws(() => MemoryQueue.fromRecords(undefined, [q.records()[0], q.records()[0]]), { name: "ApplyError" });
  // Both continue identically.
  assert.equal(rebuilt.poll("tpp", "{}", T0 + 2).responseJson, q.poll("tpp", "{}", T0 + 2).responseJson);
});

test("storage-neutral steps over a plain array 'table' behave like MemoryQueue", () => {
  const store = new StorageQueue(setpoll, { visibilityTimeoutMs: 1000 });
  const rules = store.rules;
  const mirror = new MemoryQueue({ visibilityTimeoutMs: 1000 });
  const enqueue = (tok, now) => store.enqueue(tok, now);
  const poll = (client, body, now) => store.poll(client, body, now);
  const steps = [
    () => ["a", "b", "c"].map((j, i) => [enqueue(token("tpp", j), T0 + i), mirror.enqueue(token("tpp", j), T0 + i)]),
    () => [[poll("tpp", '{"maxEvents":2}', T0 + 10).responseJson, mirror.poll("tpp", '{"maxEvents":2}', T0 + 10).responseJson]],
    () => [[poll("tpp", '{"ack":["a"]}', T0 + 20).responseJson, mirror.poll("tpp", '{"ack":["a"]}', T0 + 20).responseJson]],
    () => [[poll("tpp", "{}", T0 + 2000).responseJson, mirror.poll("tpp", "{}", T0 + 2000).responseJson]],
  ];
  for (const step of steps) for (const [ours, theirs] of step()) assert.deepEqual(ours, theirs);
  const byKey = (rs) => [...rs].sort((a, b) => a.seq - b.seq);
  assert.deepEqual(byKey(store.table), byKey(mirror.records()));
  assert.throws(() => rules.decideEnqueue(rules.planEnqueue(token("tpp", "z"), T0), store.table[0], 9), {
    name: "EnqueueError",
    code: "load_mismatch",
  });

  const plan = rules.planSweep(T0 + 365 * 86_400_000, 10);
  assert.equal(plan.limit, 11, "budget 10 + 1: one more row than acts, to know whether more are due");
  const swept = rules.decideSweep(plan, store.table, false);
  assert.equal(swept.more, false);
  assert.ok(swept.changes.length === store.table.length && swept.changes.every((c) => c.op === "delete"));
});
