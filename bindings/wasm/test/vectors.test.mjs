// Runs every shared golden vector file (tests/vectors/*.json, format in
// tests/vectors/README.md) through the package's public API; results must be
// byte-identical to the Rust reference runner's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readdirSync, readFileSync } from "node:fs";
import { StorageQueue } from "./storage-queue.mjs";

const require = createRequire(import.meta.url);
const setpoll = require("../pkg/node/setpoll.js");

const DIR = new URL("../../../tests/vectors/", import.meta.url);
const ERROR_ID = "93bac548-d2de-4546-b106-880a5018460d";

/** `expect`-shaped result of a call: `{ok}` or `{error: pick(e)}`; non-setpoll errors propagate. */
function outcome(fn, pick) {
  try {
    return { ok: fn() };
  } catch (e) {
    if (!(e instanceof Error) || typeof e.code !== "string") throw e;
    return { error: pick(e) };
  }
}
const nul = (v) => (v === undefined ? null : v);
const codeOnly = (e) => ({ code: e.code });
const bodyOf = (c) => (c.bodyBase64 !== undefined ? new Uint8Array(Buffer.from(c.bodyBase64, "base64")) : c.body);
const requestError = (e) => ({ code: e.code, errorCode: e.errorCode, path: nul(e.path), errorResponseJson: e.errorResponseJson });
const setErrError = (e) => ({ code: e.code, path: nul(e.path), setErrObie: e.setErrObie, setErrRfc8935: e.setErrRfc8935 });

const runners = {
  request_parse: (c) =>
    outcome(
      () => {
        const options = { rejectUnknownMembers: c.rejectUnknownMembers, errorId: ERROR_ID, ...(c.limits ?? {}) };
        return { requestJson: setpoll.requestToJson(setpoll.parseRequest(bodyOf(c), options)) };
      },
      requestError,
    ),

  response_parse: (c) =>
    outcome(
      () => ({ responseJson: setpoll.responseToJson(setpoll.parseResponse(bodyOf(c), c.limits ?? undefined)) }),
      (e) => ({ code: e.code, path: nul(e.path) }),
    ),

  claims: (c) =>
    outcome(() => {
      if (c.obieProfile) setpoll.checkObieProfile(c.claimsJson);
      return { claimsJson: setpoll.claimsToJson(c.claimsJson) };
    }, setErrError),

  verify: (c) =>
    outcome(
      () => {
        const v = setpoll.verifySet(c.token, new setpoll.Keyring(c.jwksJson), c.policy, c.now);
        return { claimsJson: v.claimsJson, alg: v.alg, kid: v.kid };
      },
      (e) => ({ code: e.code, setErrObie: e.setErrObie, setErrRfc8935: e.setErrRfc8935, description: e.description }),
    ),

  sign: (c) =>
    outcome(() => {
      const key = setpoll.SigningKey.fromJwk(c.privateJwkJson);
      const profile =
        c.profile.kind === "obie"
          ? { kind: "obie", orgId: c.profile.orgId, trustAnchor: c.profile.trustAnchor }
          : { kind: c.profile.kind };
      const token = setpoll.signSet(c.claimsJson, key, profile, c.now);
      const [header] = token.split(".");
      return {
        headerJson: Buffer.from(header, "base64url").toString("utf8"),
        signingInput: token.slice(0, token.lastIndexOf(".")),
        token, // the portable backend (the only one in wasm) is deterministic
      };
    }, codeOnly),

  jwk: (c) => outcome(() => setpoll.parseJwk(c.jwkJson), codeOnly),

  jwks: (c) => outcome(() => setpoll.parseJwks(c.jwksJson), codeOnly),

  // `queue`: MemoryQueue, or the storage-neutral form over a table (below).
  transmitter: (script, makeQueue = (config) => new setpoll.MemoryQueue(config)) => {
    const queue = makeQueue(script.config);
    let wait = null;
    const decided = (out) => {
      if (out.wait) {
        wait = out.wait;
        return { changes: out.changes, wait: { client: wait.client, until: wait.until, requestJson: wait.requestJson } };
      }
      return { changes: out.changes, responseJson: out.responseJson };
    };
    const ops = {
      enqueue: (s) =>
        outcome(() => {
          const { wake, ...rest } = queue.enqueue(s.token, s.now);
          return rest;
        }, codeOnly),
      poll: (s) => outcome(() => decided(queue.poll(s.client, s.body, s.now, ERROR_ID)), requestError),
      resume: (s) => outcome(() => decided(queue.resume(wait, s.now)), codeOnly),
      sweep: (s) => outcome(() => queue.sweep(s.now, s.budget), codeOnly),
      records: () => outcome(() => ({ records: queue.records() }), codeOnly),
    };
    return script.steps.map((step, i) => {
      const op = ops[step.op];
      assert.ok(op, `step ${i}: unknown transmitter op ${step.op}`);
      const got = op(step);
      assert.deepStrictEqual(got, step.expect, `${script.name}: step ${i} (${step.op})`);
      return got;
    });
  },

  receiver: (script) => {
    let rx = new setpoll.Receiver(script.config);
    let lastId = null;
    const pick = (e) => (e.at !== undefined ? { code: e.code, at: e.at } : { code: e.code });
    const ops = {
      nextRequest: (s) =>
        outcome(() => {
          const req = rx.nextRequest(s.now);
          lastId = req.id;
          return req;
        }, pick),
      handleResponse: (s) =>
        outcome(() => {
          const b = rx.handleResponse(s.id ?? lastId, s.status, s.body, s.retryAfter, s.now);
          return {
            deliveries: b.deliveries.map((d) => ({ jti: d.jti, claimsJson: d.claimsJson })),
            rejections: b.rejections,
            duplicates: b.duplicates,
            moreAvailable: b.moreAvailable,
            acksConfirmed: b.acksConfirmed,
            setErrsConfirmed: b.setErrsConfirmed,
            salvaged: b.salvaged,
          };
        }, pick),
      handleFailure: (s) => outcome(() => ({ nextAttemptAt: rx.handleFailure(s.id ?? lastId, s.now) }), pick),
      ack: (s) => outcome(() => (rx.ack(s.jti), {}), pick),
      reject: (s) => outcome(() => (rx.reject(s.jti, s.err, s.description), {}), pick),
      nextPollAt: () => outcome(() => ({ at: nul(rx.nextPollAt()) }), pick),
      state: () => outcome(() => ({ stateJson: rx.stateJson() }), pick),
      restart: () =>
        outcome(() => {
          const saved = rx.stateJson();
          rx = new setpoll.Receiver(script.config);
          rx.restore(saved);
          return { unsettled: rx.unsettled().map((d) => d.jti) };
        }, pick),
    };
    return script.steps.map((step, i) => {
      const op = ops[step.op];
      assert.ok(op, `step ${i}: unknown receiver op ${step.op}`);
      const got = op(step);
      assert.deepStrictEqual(got, step.expect, `step ${i} (${step.op})`);
      return got;
    });
  },
};

const files = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort();

test("the vector directory has files", () => {
  assert.ok(files.length >= 9, `found ${files.join(", ")}`);
});

for (const file of files) {
  const doc = JSON.parse(readFileSync(new URL(file, DIR), "utf8"));
  test(`vectors: ${file} (${doc.kind}, ${doc.cases.length} cases)`, () => {
    const run = runners[doc.kind];
    assert.ok(run, `unknown vector kind ${doc.kind}: a runner must not skip it`);
    let checked = 0;
    for (const c of doc.cases) {
      if (c.steps) {
        run(c); // asserts step by step
      } else {
        assert.deepStrictEqual(run(c), c.expect, `${file}: ${c.name}`);
      }
      checked++;
    }
    assert.equal(checked, doc.cases.length);
  });
}

// The same transmitter scripts through the storage-neutral `Transmitter`
// (plan, load from a table, decide, commit): byte-identical again.
test("vectors: transmitter.json through the storage-neutral Transmitter", () => {
  const doc = JSON.parse(readFileSync(new URL("transmitter.json", DIR), "utf8"));
  let steps = 0;
  for (const script of doc.cases) {
    runners.transmitter(script, (config) => new StorageQueue(setpoll, config));
    steps += script.steps.length;
  }
  assert.ok(doc.cases.length >= 10 && steps > 50, `${doc.cases.length} scripts, ${steps} steps`);
});
