// Browser checks of the `setpoll` web build. Each check throws on failure;
// the verdict goes to globalThis.__setpollResult and document.title.
import init, * as setpoll from "./pkg/setpoll.js";
import { describeCounts, expectedCounts, resolveExport, runWycheproof } from "./wycheproof.mjs";

const checks = [];
const check = (name, fn) => checks.push({ name, fn });
const assert = (cond, msg) => {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
};
const b64url = (s) => btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

check("version is a semver string", () => {
  assert(/^\d+\.\d+\.\d+/.test(setpoll.version()), setpoll.version());
});

check("setErrCodes has both vocabularies", () => {
  const rows = setpoll.setErrCodes();
  assert(rows.length === 18, `18 rows, got ${rows.length}`);
  assert(rows.some((r) => r.vocabulary === "obie"), "obie");
  assert(rows.some((r) => r.vocabulary === "rfc8935"), "rfc8935");
});

check("peekEnvelope reads jti/aud", () => {
  const token = `${b64url('{"alg":"ES256"}')}.${b64url('{"jti":"j-1","aud":"tpp"}')}.c2ln`;
  const env = setpoll.peekEnvelope(token);
  assert(env.jti === "j-1" && env.aud.length === 1 && env.aud[0] === "tpp", JSON.stringify(env));
});

check("errors are exported classes, real Errors with name and code", () => {
  let caught;
  try {
    setpoll.peekEnvelope("not-a-jws");
  } catch (e) {
    caught = e;
  }
  assert(caught instanceof setpoll.VerifyError && caught instanceof setpoll.SetpollError, "instanceof VerifyError");
  assert(caught instanceof Error, "instanceof Error");
  assert(caught.name === "VerifyError", caught.name);
  assert(typeof caught.code === "string" && caught.code.length > 0, "code");
  let typeErr;
  try {
    setpoll.peekEnvelope(5);
  } catch (e) {
    typeErr = e;
  }
  assert(typeErr instanceof TypeError, `a number for a string is a TypeError, got ${typeErr}`);
});

const ISS = "https://examplebank.com/";
const TPP = "7umx5nTR33811QyQfi";
const T0 = 1700000000000;
const seed = () => crypto.getRandomValues(new Uint8Array(32));
const setFor = (key, jti, now) =>
  setpoll.signSet(
    new setpoll.ClaimsBuilder(ISS, jti, TPP, Math.floor(now / 1000)).customEvent("https://examplebank.com/events/ping", '{"n":1}').build(),
    key,
    now,
    "rfc8417",
  );

check("a SET signed with a key from crypto.getRandomValues verifies", () => {
  const key = setpoll.SigningKey.generateEs256(seed(), "k1");
  const ring = setpoll.Keyring.fromJwks(setpoll.jwksFromKeys([key]));
  const token = setFor(key, "evt-1", T0);
  const v = setpoll.verifySet(token, ring, { issuer: ISS, audience: TPP }, T0);
  assert(v.claims.jti() === "evt-1" && v.alg === "ES256" && v.kid === "k1", `${v.alg} ${v.kid}`);
  let err;
  try {
    setpoll.verifySet(token, ring, { issuer: ISS, audience: "someone-else" }, T0);
  } catch (e) {
    err = e;
  }
  assert(err instanceof setpoll.VerifyError && err.setErr === "jwtAud", String(err && err.code));
});

check("a poll round: transmitter queue and receiver in the page", () => {
  const bank = setpoll.SigningKey.generateEs256(seed(), "bank-1");
  const queue = new setpoll.MemoryTransmitter();
  for (const jti of ["a", "b"]) queue.enqueue(setFor(bank, jti, T0), T0);
  const rx = new setpoll.Receiver({ issuer: ISS, clientId: TPP, jwksJson: setpoll.jwksFromKeys([bank]) });
  const req = rx.nextRequest(T0);
  const batch = rx.handleResponse(req.id, 200, queue.handlePoll(TPP, req.body, T0).responseJson, T0);
  const jtis = batch.deliveries.map((d) => d.jti);
  assert(jtis.join() === "a,b", jtis.join());
  for (const j of jtis) rx.ack(j);
  const ackReq = rx.nextRequest(T0 + 60000);
  queue.handlePoll(TPP, ackReq.body, T0 + 60000);
  assert(queue.size() === 0, `queue still holds ${queue.size()}`);
});

/** `import("setpoll/<subpath>")` as a browser bundler resolves it: the
 * package's `exports` map under the browser/import/default conditions. */
async function importSubpath(subpath) {
  const manifest = await (await fetch("/package/package.json")).json();
  const target = resolveExport(manifest, subpath, ["browser", "import", "default"]);
  assert(target, `the package exports no browser/import/default target for ./${subpath}`);
  return import(new URL(target, new URL("/package/", location.href)).href);
}

check("wycheproof: setpoll/crypto-web (WebCrypto) agrees on every case", async () => {
  const file = await (await fetch("/wycheproof/wycheproof.json")).json();
  const { verifyRaw } = await importSubpath("crypto-web");
  const { counts, refused, failures } = await runWycheproof(file, verifyRaw, "async");
  console.log(`wycheproof crypto-web: ${describeCounts(counts)} (${refused} refused by the adapter)`);
  const want = expectedCounts(file);
  const same = Object.keys(want).length === Object.keys(counts).length && Object.keys(want).every((k) => counts[k] === want[k]);
  assert(same && file.cases.length > 0, `ran ${describeCounts(counts)}; the export has ${describeCounts(want)}`);
  assert(failures.length === 0, `${failures.length} disagreement(s): ${failures.slice(0, 5).join("; ")}`);
});

async function run() {
  const out = document.getElementById("out");
  const failures = [];
  let passed = 0;
  try {
    await init(); // fetches ./pkg/setpoll_bg.wasm relative to the module
    for (const { name, fn } of checks) {
      try {
        await fn();
        passed++;
        out.textContent += `ok   ${name}\n`;
      } catch (e) {
        failures.push(`${name}: ${e && e.message}`);
        out.textContent += `FAIL ${name}: ${e && e.message}\n`;
      }
    }
  } catch (e) {
    failures.push(`init: ${e && e.stack}`);
  }
  globalThis.__setpollResult = { passed, failed: failures.length, failures };
  document.title = failures.length === 0 ? `setpoll: ok ${passed}` : `setpoll: FAIL ${failures.length}`;
}

run();
