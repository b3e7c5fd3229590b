// Runs every shared golden vector file (tests/vectors/*.json, format in
// tests/vectors/README.md) through the package's public API; results must be
// byte-identical to the Rust reference runner's. The receiver vectors name
// the core's verbs; the host API calls them nextRequest, handleResponse (a
// failed round trip is the batch's `failure`) and handleFailure.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readdirSync, readFileSync } from "node:fs";
import { StorageQueue } from "./storage-queue.mjs";

const require = createRequire(import.meta.url);
const setpoll = require("../pkg/node/setpoll.js");

const DIR = new URL("../../../tests/vectors/", import.meta.url);
const ERROR_ID = "93bac548-d2de-4546-b106-880a5018460d";

/** `expect`-shaped result of a call: `{ok}` or `{error: pick(e)}`; other errors propagate. */
function outcome(fn, pick) {
  try {
    return { ok: fn() };
  } catch (e) {
    if (!(e instanceof setpoll.SetpollError)) throw e;
    return { error: pick(e) };
  }
}
const nul = (v) => (v === undefined ? null : v);
const codeOnly = (e) => ({ code: e.code });
const bodyBytes = (c) => new Uint8Array(Buffer.from(c.bodyBase64, "base64"));
const requestError = (e) => ({ code: e.code, errorCode: e.obieCode, path: nul(e.path), errorResponseJson: e.errorResponse });
const setErrError = (e) => ({ code: e.code, path: nul(e.path), setErrObie: e.setErr, setErrRfc8935: e.setErrRfc8935 });

/** The vectors' nested receiver config as the host's flat `ReceiverConfig`. */
export const receiverConfig = (c, jwksJson = c.jwksJson) => ({
  issuer: c.issuer,
  clientId: c.clientId,
  jwksJson,
  maxSkewSecs: c.maxSkewSecs,
  maxEvents: c.maxEvents ?? undefined,
  returnImmediately: c.returnImmediately ?? undefined,
  pollIntervalMs: c.pollIntervalMs,
  backoffBaseMs: c.backoff.baseMs,
  backoffCapMs: c.backoff.capMs,
  backoffJitter: c.backoff.jitter,
  retryAfterCapMs: c.backoff.retryAfterCapMs,
  dedupWindowMs: c.dedup.windowMs,
  dedupCapacity: c.dedup.capacity,
  maxUnsettled: c.maxUnsettled,
  keyRefreshIntervalMs: c.keyRefreshIntervalMs,
  vocabulary: c.vocabulary,
});

/** `{ok: …}` of valid claims: the canonical JSON and the typed getters. */
const typed = (claims) => ({
  claimsJson: claims.toJson(),
  exp: nul(claims.exp()),
  nbf: nul(claims.nbf()),
  subIdJson: nul(claims.subIdJson()),
  otherClaimsJson: claims.otherClaimsJson(),
});

const stale = (k) => (k === undefined || k === null ? null : { kids: k.kids, held: k.held, refreshAt: k.refreshAtMs });
const failed = (f) => ({
  failed: { code: f.code, status: nul(f.status), retryAt: f.retryAtMs, failuresInARow: f.failuresInARow, longPollRefused: f.longPollRefused },
});
const settled = (b) => ({
  deliveries: b.deliveries.map((d) => ({ jti: d.jti, claimsJson: d.claimsJson })),
  rejections: b.rejections.map((r) => ({
    jti: r.jti,
    code: r.code,
    reported: r.reportedErr === undefined || r.reportedErr === null ? null : { err: r.reportedErr, description: r.reportedDescription },
  })),
  duplicates: b.duplicates,
});
/** `changes` lists in an `expect` as the one array text `takeChanges` returns (null: nothing changed). */
const asText = (expect) =>
  expect.ok && Array.isArray(expect.ok.changes)
    ? { ok: { ...expect.ok, changes: expect.ok.changes.length ? `[${expect.ok.changes.join(",")}]` : null } }
    : expect;

const runners = {
  request_parse: (c) =>
    outcome(() => {
      const limits = c.limits ?? undefined;
      const request =
        c.bodyBase64 !== undefined
          ? setpoll.parseRequestBytes(bodyBytes(c), c.rejectUnknownMembers, ERROR_ID, limits)
          : setpoll.parseRequest(c.body, c.rejectUnknownMembers, ERROR_ID, limits);
      return { requestJson: setpoll.requestToJson(request) };
    }, requestError),

  response_parse: (c) =>
    outcome(() => {
      const limits = c.limits ?? undefined;
      const response =
        c.bodyBase64 !== undefined
          ? setpoll.parseResponseBytes(bodyBytes(c), limits)
          : setpoll.parseResponse(c.body, limits);
      return { responseJson: setpoll.responseToJson(response) };
    }, (e) => ({ code: e.code, path: nul(e.path) })),

  claims: (c) =>
    outcome(() => {
      const claims = setpoll.SetClaims.fromJson(c.claimsJson);
      if (c.obieProfile) claims.checkObieProfile();
      return typed(claims);
    }, setErrError),

  claims_build: (c) => {
    const b = new setpoll.ClaimsBuilder(c.start.iss, c.start.jti, c.start.aud, c.start.iat);
    for (const k of c.calls) {
      const call = {
        subIdJson: () => b.subIdJson(k.value),
        claim: () => b.claim(k.name, k.valueJson),
        resourceUpdate: () => b.resourceUpdate(k.subject),
        consentRevoked: () => b.consentRevoked(k.reason, k.subject ?? undefined),
        linkedAccountUpdate: () => b.linkedAccountUpdate(k.reason, k.subject ?? undefined),
        customEvent: () => b.customEvent(k.uri, k.payloadJson),
      }[k.call] ?? (() => {
        assert.ok(["audience", "sub", "txn", "toe", "exp", "nbf"].includes(k.call), `unknown call ${k.call}`);
        b[k.call](k.value);
      });
      call();
    }
    return outcome(() => typed(b.build()), codeOnly);
  },

  verify: (c) =>
    outcome(
      () => {
        const { typ, ...rest } = c.policy;
        const policy = { ...rest, acceptJwtTyp: typ?.acceptJwt, requireTyp: typ?.requireTyp };
        const v = setpoll.verifySet(c.token, setpoll.Keyring.fromJwks(c.jwksJson), policy, c.now);
        return { claimsJson: v.claims.toJson(), alg: v.alg, kid: nul(v.kid) };
      },
      (e) => ({ code: e.code, setErrObie: e.setErr, setErrRfc8935: e.setErrRfc8935, description: e.description }),
    ),

  sign: (c) =>
    outcome(() => {
      const key = setpoll.SigningKey.fromJwk(c.privateJwkJson);
      const profile =
        c.profile.kind === "obie" ? { obie: { org_id: c.profile.orgId, trust_anchor: c.profile.trustAnchor } } : c.profile.kind;
      const token = setpoll.signSet(setpoll.SetClaims.fromJson(c.claimsJson), key, c.now, profile);
      const [header] = token.split(".");
      return {
        headerJson: Buffer.from(header, "base64url").toString("utf8"),
        signingInput: token.slice(0, token.lastIndexOf(".")),
        token, // the portable backend (the only one in wasm) is deterministic
      };
    }, codeOnly),

  jwk: (c) =>
    outcome(() => {
      const j = setpoll.Jwk.fromJson(c.jwkJson);
      return {
        jwkJson: j.toJson(),
        publicJwkJson: j.toPublicJson(),
        thumbprint: j.thumbprint(),
        isPrivate: j.isPrivate(),
        verificationAlgorithm: nul(j.verificationAlgorithm()),
      };
    }, codeOnly),

  jwks: (c) => outcome(() => jwksShape(setpoll.JwkSet.fromJson(c.jwksJson)), codeOnly),

  // `queue`: MemoryTransmitter, or the storage-neutral form over a table (below).
  transmitter: (script, makeQueue = (config) => new MemoryMemo(config)) => {
    const queue = makeQueue(script.config);
    let wait = null;
    const decided = (out) => {
      const changes = JSON.parse(out.changesJson);
      assert.equal(out.changes, changes.length);
      if (out.wait) {
        wait = out.wait;
        return { changes, wait: { client: wait.client(), until: wait.untilMs(), requestJson: wait.requestJson() } };
      }
      return { changes, responseJson: out.responseJson };
    };
    const ops = {
      enqueue: (s) =>
        outcome(() => {
          const r = queue.enqueue(s.token, s.now);
          const head = { outcome: r.queued ? "queued" : "already_queued", client: r.client, jti: r.jti, seq: r.seq };
          const dup = r.queued ? {} : { state: r.state, sameToken: r.sameToken };
          return { ...head, ...dup, changes: JSON.parse(r.changesJson) };
        }, codeOnly),
      poll: (s) => outcome(() => decided(queue.poll(s.client, s.body, s.now, ERROR_ID)), requestError),
      resume: (s) => outcome(() => decided(queue.resume(wait, s.now)), codeOnly),
      sweep: (s) =>
        outcome(() => {
          const r = queue.sweep(s.now, s.budget);
          return { changes: JSON.parse(r.changesJson), more: r.more };
        }, codeOnly),
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

  // A receiver and what its host persisted: the state right after
  // construction and every change taken (as tests/src/script/receiver.rs).
  receiver: (script) => {
    let rx = new setpoll.Receiver(receiverConfig(script.config));
    const saved = rx.state();
    const journal = [];
    let lastId = null;
    const take = () => {
      const text = rx.takeChanges();
      if (text === undefined || text === null) return null;
      journal.push(text.slice(1, -1));
      return text;
    };
    const ops = {
      pollRequest: (s) => {
        const req = rx.nextRequest(s.now);
        if (req === undefined || req === null) return null;
        lastId = req.id;
        return req;
      },
      pollTimeout: () => ({ at: nul(rx.pollTimeout()) }),
      handleReply: (s) => {
        const b = rx.handleResponse(s.id ?? lastId, s.status, s.body, s.now, s.retryAfter ?? undefined);
        if (b.failure) return failed(b.failure);
        const { moreAvailable, acksConfirmed, setErrsConfirmed } = b;
        const rest = { moreAvailable, acksConfirmed, setErrsConfirmed, salvaged: nul(b.salvaged), held: b.held, keysStale: stale(b.keysStale) };
        return { batch: { ...settled(b), ...rest } };
      },
      handleNoReply: (s) => failed(rx.handleFailure(s.id ?? lastId, s.now)),
      ack: (s) => (rx.ack(s.jti), {}),
      reject: (s) => (rx.reject(s.jti, s.err, s.description), {}),
      keysStale: () => stale(rx.keysStale()),
      refreshKeys: (s) => settled(rx.refreshKeys(s.jwksJson, s.now)),
      refreshKeysFailed: (s) => (rx.refreshKeysFailed(s.now), {}),
      takeChanges: () => ({ changes: take() }),
      restart: (s) => {
        const state = setpoll.applyReceiverChanges(saved, `[${journal.join(",")}]`);
        rx = setpoll.Receiver.restore(receiverConfig(script.config, s.jwksJson), state);
        return { unsettled: rx.unsettled().map((d) => d.jti), changes: take() };
      },
    };
    return script.steps.map((step, i) => {
      const op = ops[step.op];
      assert.ok(op, `step ${i}: unknown receiver op ${step.op}`);
      const got = outcome(() => op(step), codeOnly);
      assert.deepStrictEqual(got, asText(step.expect), `${script.name}: step ${i} (${step.op})`);
      return got;
    });
  },
};

/** The `jwks` vectors' expected shape. */
function jwksShape(set) {
  const skipped = set.skipped().map((s) => ({ index: s.index, kid: nul(s.kid), code: s.code }));
  return { jwksJson: set.toJson(), publicJwksJson: set.toPublicJson(), kids: set.kids().map(nul), skipped };
}

/** `MemoryTransmitter` behind the vector runner's queue methods. */
class MemoryMemo {
  constructor(config) {
    this.tx = new setpoll.MemoryTransmitter(config);
  }
  enqueue(token, now) {
    return this.tx.enqueue(token, now);
  }
  poll(client, body, now, id) {
    return this.tx.handlePoll(client, body, now, id);
  }
  resume(wait, now) {
    return this.tx.resume(wait, now);
  }
  sweep(now, budget) {
    return this.tx.sweep(now, budget);
  }
  records() {
    return JSON.parse(this.tx.recordsJson());
  }
}

const files = readdirSync(DIR).filter((f) => f.endsWith(".json") && f !== "defaults.json").sort();

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

// The same transmitter scripts through the `StorageTransmitter` (plan, load
// from a table, decide, commit): byte-identical again.
test("vectors: transmitter.json through the StorageTransmitter", () => {
  const doc = JSON.parse(readFileSync(new URL("transmitter.json", DIR), "utf8"));
  let steps = 0;
  for (const script of doc.cases) {
    runners.transmitter(script, (config) => new StorageQueue(setpoll, config));
    steps += script.steps.length;
  }
  assert.ok(doc.cases.length >= 10 && steps > 50, `${doc.cases.length} scripts, ${steps} steps`);
});
