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
