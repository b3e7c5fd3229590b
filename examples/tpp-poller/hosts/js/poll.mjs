// A TPP polling loop in JavaScript: the `setpoll` npm package (the Rust
// core compiled to WebAssembly) decides, `fetch` does the HTTP.
//
//   node poll.mjs --server http://127.0.0.1:8080 --token T --client-id C [--expect N]
//                 [--events-url URL] [--max-auth-failures 3]
//
// Written against the 0.1 binding API. Still missing from the npm package
// (tpp-poller in Rust has them): the sans-IO verbs (pollRequest returning
// null instead of throwing not_due, pollTimeout, handleReply returning an
// outcome), the change journal (takeChanges / applyChanges), and key
// rotation (keysStale, refreshKeys, refreshKeysFailed: today a SET under a
// new kid is reported as jws at once, and the package has no setKeys).
//
// The package is found through SETPOLL_NPM_PKG (a built bindings/wasm/pkg
// folder) or as the installed `setpoll` package. State is kept in memory
// here; a real TPP persists `receiver.takeState()` before acting on a batch
// (see examples/tpp-poller for the durable version).
//
// scripts/examples/test.sh runs it against a live aspsp-server when the
// package (with its `Receiver`) has been built.
import { createRequire } from "node:module";
import { parseArgs } from "node:util";

const require = createRequire(import.meta.url);
const setpoll = require(process.env.SETPOLL_NPM_PKG ?? "setpoll");

const { values: args } = parseArgs({
  options: {
    server: { type: "string" },
    token: { type: "string" },
    "client-id": { type: "string" },
    issuer: { type: "string", default: "https://aspsp.example/" },
    expect: { type: "string", default: "0" },
    "events-url": { type: "string" },
    "max-auth-failures": { type: "string", default: "3" },
    "max-run-secs": { type: "string", default: "60" },
  },
});
const base = args.server.replace(/\/$/, "");
const eventsUrl = args["events-url"] ?? `${base}/open-banking/v4.0/events`;
let authFailures = 0;
const expect = Number(args.expect);
const deadline = Date.now() + 1000 * Number(args["max-run-secs"]);

// 1. The ASPSP's public keys.
const jwks = await (await fetch(`${base}/jwks`)).text();

// 2. The receiver: verifies each SET (signature, iss, aud, iat), remembers
//    what it processed, and carries acks in the next request.
const receiver = new setpoll.Receiver({
  issuer: args.issuer,
  clientId: args["client-id"],
  jwksJson: jwks,
  maxEvents: 50,
  pollIntervalMs: 200,
});
const pendingAcks = () => JSON.parse(receiver.stateJson()).pendingAcks.length;

const seen = new Set();
while (Date.now() < deadline) {
  if (expect && seen.size >= expect && pendingAcks() === 0) break;
  let request;
  try {
    request = receiver.nextRequest(Date.now());
  } catch (e) {
    if (e.code === "not_due") {
      await new Promise((r) => setTimeout(r, Math.min(250, Math.max(0, e.at - Date.now()))));
      continue;
    }
    throw e;
  }
  let response;
  try {
    response = await fetch(eventsUrl, {
      method: "POST",
      headers: {
        authorization: `Bearer ${args.token}`,
        "content-type": "application/json; charset=utf-8",
        "x-fapi-interaction-id": crypto.randomUUID(),
      },
      body: request.body,
    });
  } catch {
    receiver.handleFailure(request.id, Date.now());
    continue;
  }
  const text = await response.text();
  let batch;
  try {
    batch = receiver.handleResponse(
      request.id, response.status, text, response.headers.get("retry-after"), Date.now());
  } catch (e) {
    console.error(`poll failed (${response.status}): ${e.code}`);
    authFailures = e.code === "unauthorized" ? authFailures + 1 : 0;
    if (authFailures >= Number(args["max-auth-failures"])) {
      console.error(`the ASPSP refused the access token ${authFailures} times in a row; check --token`);
      process.exit(4);
    }
    continue;
  }
  authFailures = 0;
  for (const r of batch.rejections) console.error(`rejected ${r.jti}: ${r.code}`);
  for (const d of batch.deliveries) {
    console.log(JSON.stringify({ jti: d.jti, types: d.eventTypes, sub: d.claims.sub }));
    seen.add(d.jti);
    receiver.ack(d.jti);
  }
}
console.error(`js host example: ${seen.size} events verified, processed and acknowledged`);
if (expect && seen.size < expect) process.exit(3);
