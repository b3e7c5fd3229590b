// POST /events bodies and SET claims through the package.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { existsSync, readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const setpoll = require("../pkg/node/setpoll.js");

/** shared/spec above the repository (a worktree and a CI clone both have one). */
function specFile(rel) {
  if (process.env.SETPOLL_SPEC_DIR) return readFileSync(`${process.env.SETPOLL_SPEC_DIR}/${rel}`, "utf8");
  let dir = new URL("./", import.meta.url);
  for (let i = 0; i < 10; i++) {
    const candidate = new URL("shared/spec/", dir);
    if (existsSync(new URL("openapi/", candidate))) return readFileSync(new URL(rel, candidate), "utf8");
    dir = new URL("../", dir);
  }
  throw new Error("shared/spec not found");
}

/** The documentation example payload from the protocol brief. */
function exampleClaimsText() {
  const readme = specFile("README.md");
  const rest = readme.slice(readme.indexOf("Example payload"));
  const open = rest.indexOf("```json") + "```json".length;
  return rest.slice(open, rest.indexOf("```", open)).trim();
}

test("parseRequest returns the request in order, setErrs as an array", () => {
  const body = '{"maxEvents":5,"returnImmediately":true,"ack":["b","a","b"],"setErrs":{"9":{"err":"jwtIss","description":"who?"},"1":{"err":"dup","description":"again"}}}';
  const r = setpoll.parseRequest(body);
  assert.equal(r.maxEvents, 5);
  assert.equal(r.returnImmediately, true);
  assert.deepEqual(r.ack, ["b", "a"], "duplicates dropped, order kept");
  assert.deepEqual(r.setErrs.map((e) => e.jti), ["9", "1"], "integer-like jtis keep request order");
  assert.equal(
    setpoll.requestToJson(r),
    '{"maxEvents":5,"returnImmediately":true,"ack":["b","a"],"setErrs":{"9":{"err":"jwtIss","description":"who?"},"1":{"err":"dup","description":"again"}}}',
  );
  assert.equal(setpoll.requestToJson({}), "{}");
  assert.equal(setpoll.requestToJson({ maxEvents: 0, ack: ["x"] }), '{"maxEvents":0,"ack":["x"]}');
});

test("a refused request throws RequestError carrying the 400 body", () => {
  assert.throws(
    () => setpoll.parseRequest('{"maxEvents":-1}', { errorId: "fapi-123" }),
    (e) => {
      assert.ok(e instanceof Error);
      assert.equal(e.name, "RequestError");
      assert.equal(e.code, "out_of_range");
      assert.equal(e.path, "maxEvents");
      assert.equal(e.errorCode, "UK.OBIE.Field.Invalid");
      const body = JSON.parse(e.errorResponseJson);
      assert.equal(body.Code, "400 BadRequest");
      assert.equal(body.Id, "fapi-123");
      assert.equal(body.Errors[0].ErrorCode, "UK.OBIE.Field.Invalid");
      assert.equal(body.Errors[0].Path, "maxEvents");
      assert.deepEqual(setpoll.parseErrorResponse(e.errorResponseJson), body);
      return true;
    },
  );
  assert.throws(() => setpoll.parseRequest('{"extra":1}'), { name: "RequestError", code: "unknown_member" });
  assert.deepEqual(setpoll.parseRequest('{"extra":1}', { rejectUnknownMembers: false }).ack, []);
  assert.throws(() => setpoll.parseRequest(""), { name: "RequestError", code: "empty_body" });
  assert.throws(() => setpoll.parseRequest('{"ack":["a","b"]}', { maxAck: 1 }), { code: "too_many_items" });
  assert.throws(() => setpoll.parseRequest("{}", { maxAcks: 1 }), { name: "InputError", code: "invalid_argument" });
});

test("requestToJson refuses what the schema refuses", () => {
  assert.throws(() => setpoll.requestToJson({ ack: [""] }), { name: "RequestError", code: "invalid_length" });
  assert.throws(() => setpoll.requestToJson({ ack: "a" }), { name: "InputError", code: "invalid_argument" });
  assert.throws(() => setpoll.requestToJson({ acks: [] }), { name: "InputError" });
});

test("responses: lenient parse, canonical write, order kept", () => {
  const r = setpoll.parseResponse('{"sets":{"2":"a.b.c","1":"d.e.f"},"extra":true}');
  assert.deepEqual(r, {
    sets: [
      { jti: "2", token: "a.b.c" },
      { jti: "1", token: "d.e.f" },
    ],
    moreAvailable: false,
  });
  assert.equal(setpoll.responseToJson(r), '{"sets":{"2":"a.b.c","1":"d.e.f"},"moreAvailable":false}');
  assert.equal(setpoll.responseToJson({ sets: [], moreAvailable: true }), '{"sets":{},"moreAvailable":true}');
  assert.throws(() => setpoll.parseResponse('{"moreAvailable":"yes"}'), {
    name: "ResponseError",
    code: "wrong_type",
    path: "moreAvailable",
  });
  assert.throws(() => setpoll.parseResponse("[]"), { name: "ResponseError", code: "not_an_object" });
});

test("the documentation example claims parse and re-serialise byte for byte", () => {
  const text = exampleClaimsText();
  const claims = setpoll.parseClaims(text);
  assert.equal(claims.jti, "b460a07c-4962-43d1-85ee-9dc10fbb8f6c");
  assert.equal(claims.aud, "7umx5nTR33811QyQfi");
  assert.ok(claims.events["urn:uk:org:openbanking:events:resource-update"].subject);
  assert.equal(setpoll.claimsToJson(claims), JSON.stringify(JSON.parse(text)));
  setpoll.checkObieProfile(claims);
});

test("bad claims throw ClaimsError with the setErrs codes to report", () => {
  const claims = JSON.parse(exampleClaimsText());
  claims.iat = "1516239022"; // as one OBIE example has it
  assert.throws(
    () => setpoll.parseClaims(JSON.stringify(claims)),
    (e) => {
      assert.equal(e.name, "ClaimsError");
      assert.equal(e.code, "wrong_type");
      assert.equal(e.path, "iat");
      assert.equal(e.setErrObie, "setParse");
      assert.equal(e.setErrRfc8935, "invalid_request");
      assert.ok(e.description.length >= 1 && e.description.length <= 256);
      return true;
    },
  );
  assert.throws(() => setpoll.claimsToJson({ ...JSON.parse(exampleClaimsText()), events: {} }), {
    name: "ClaimsError",
    code: "no_events",
    setErrObie: "setType",
  });
  const noTxn = { ...JSON.parse(exampleClaimsText()) };
  delete noTxn.txn;
  setpoll.parseClaims(JSON.stringify(noTxn)); // fine for RFC 8417 peers
  assert.throws(() => setpoll.checkObieProfile(noTxn), { name: "ClaimsError", code: "missing_claim", path: "txn" });
});

test("buildClaims assembles the documentation example", () => {
  const expected = JSON.parse(exampleClaimsText());
  const rid = "aac-1234-007";
  const built = setpoll.buildClaims({
    iss: expected.iss,
    jti: expected.jti,
    aud: expected.aud,
    iat: expected.iat,
    sub: expected.sub,
    txn: expected.txn,
    toe: expected.toe,
    events: [
      {
        type: "resourceUpdate",
        subject: {
          rid,
          rty: "account-access-consent",
          rlk: [{ version: "v3.1", link: expected.sub }],
        },
      },
    ],
  });
  assert.equal(setpoll.claimsToJson(built), JSON.stringify(expected));
});

test("buildClaims: several audiences, every event kind, and refusals", () => {
  const subject = { rid: "c-1", rty: "account-access-consent", rlk: [{ version: "v4.0", link: "https://bank.example/c/1" }] };
  const built = setpoll.buildClaims({
    iss: "https://bank.example/",
    jti: "j-2",
    aud: ["tpp-a", "tpp-b"],
    iat: 1700000000,
    events: [
      { type: "consentAuthorizationRevoked", reason: "customer asked", subject },
      { type: "linkedAccountUpdate", reason: "UK.OBIE.CASS", subject },
      { type: "custom", uri: "urn:bank:events:thing", payload: { zeta: 1, alpha: [true, null] } },
    ],
  });
  assert.deepEqual(built.aud, ["tpp-a", "tpp-b"]);
  assert.deepEqual(Object.keys(built.events), [
    "urn:uk:org:openbanking:events:consent-authorization-revoked",
    "urn:uk:org:openbanking:events:account-access-consent-linked-account-update",
    "urn:bank:events:thing",
  ]);
  assert.equal(JSON.stringify(built.events["urn:bank:events:thing"]), '{"zeta":1,"alpha":[true,null]}');
  assert.throws(() => setpoll.checkObieProfile(built), { name: "ClaimsError" });
  const base = { iss: "https://bank.example/", jti: "j-3", aud: "tpp", iat: 1 };
  assert.throws(() => setpoll.buildClaims({ ...base, events: [] }), { name: "ClaimsError", code: "no_events" });
  assert.throws(
    () => setpoll.buildClaims({ ...base, events: [{ type: "linkedAccountUpdate", reason: "closed", subject }] }),
    { name: "ClaimsError", code: "invalid_reason" },
  );
  assert.throws(() => setpoll.buildClaims({ ...base, events: [{ type: "nope" }] }), {
    name: "InputError",
    code: "invalid_argument",
  });
  assert.throws(() => setpoll.buildClaims({ ...base, aud: [], events: [{ type: "resourceUpdate", subject }] }), {
    name: "ClaimsError",
  });
  assert.throws(() => setpoll.buildClaims({ ...base, iat: 1.5, events: [] }), { name: "InputError" });
  // Each event type takes only its own fields, and needs the required ones.
  const refused = (event, message) =>
    assert.throws(() => setpoll.buildClaims({ ...base, events: [event] }), (e) => {
      assert.equal(e.name, "InputError");
      assert.equal(e.code, "invalid_argument");
      assert.match(e.message, message);
      return true;
    });
  refused({ type: "resourceUpdate" }, /missing field `subject`/);
  refused({ type: "resourceUpdate", subject, reason: "x" }, /unknown field `reason`/);
  refused({ type: "consentAuthorizationRevoked", uri: "urn:x" }, /unknown field `uri`/);
  refused({ type: "custom", uri: "urn:x" }, /missing field `payload`/);
  refused({ type: "custom", payload: {} }, /missing field `uri`/);
  refused({ type: "custom", uri: "urn:x", payload: {}, subject }, /unknown field `subject`/);
  refused({ type: "resourceUpdate", subject, extra: 1 }, /unknown field `extra`/);
  refused({ subject }, /missing field `type`/);
  // aud: a string or a list of strings, nothing else.
  assert.throws(() => setpoll.buildClaims({ ...base, aud: 5, events: [] }), { name: "InputError" });
  assert.throws(() => setpoll.buildClaims({ ...base, aud: ["a", 1], events: [] }), { name: "InputError" });
  const one = setpoll.buildClaims({ ...base, aud: "tpp", events: [{ type: "resourceUpdate", subject }] });
  assert.equal(one.aud, "tpp");
});
