// Browser checks of the `setpoll` web build. Each check throws on failure;
// the verdict goes to globalThis.__setpollResult and document.title.
import init, * as setpoll from "./pkg/setpoll.js";

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

check("errors are real Errors with name and code", () => {
  let caught;
  try {
    setpoll.peekEnvelope("not-a-jws");
  } catch (e) {
    caught = e;
  }
  assert(caught instanceof Error, "instanceof Error");
  assert(caught.name === "VerifyError", caught.name);
  assert(typeof caught.code === "string" && caught.code.length > 0, "code");
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
