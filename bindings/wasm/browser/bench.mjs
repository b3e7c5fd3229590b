// setpoll (web entry: WebCrypto) against jose in headless Chromium, the
// cases of scripts/wasm/bench-cases.mjs; lines go to the console, which
// scripts/wasm/browser-test.mjs prints.
import init, * as setpoll from "./pkg/index.js";
import * as jose from "./jose/index.js";
import { cases, method, report } from "./bench/bench-cases.mjs";

async function jwk(alg) {
  const params = alg === "ES256"
    ? { name: "ECDSA", namedCurve: "P-256" }
    : { name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
  const pair = await crypto.subtle.generateKey(params, true, ["sign", "verify"]);
  const { kty, crv, x, y, d, n, e, p, q, dp, dq, qi } = await crypto.subtle.exportKey("jwk", pair.privateKey);
  return alg === "ES256" ? { kty, crv, x, y, d } : { kty, n, e, d, p, q, dp, dq, qi };
}

async function run() {
  const failures = [];
  try {
    await init();
    const rounds = Number(new URLSearchParams(location.search).get("rounds") ?? 11);
    console.log(`${navigator.userAgent.match(/Chrom\S+/)?.[0]}; setpoll on ${setpoll.platformCrypto}; ${rounds} rounds of alternating 100 ms slices; wall clock`);
    // /pkg-base/: another build (SETPOLL_PKG_BASE), timed in the same alternation.
    let base;
    if (new URLSearchParams(location.search).has("base")) {
      base = await import("./pkg-base/index.js");
      await base.default();
      console.log("base: /pkg-base/ (SETPOLL_PKG_BASE)");
    }
    if (new URLSearchParams(location.search).get("gc") === "0") delete globalThis.gc;
    console.log(method());
    const list = await cases(setpoll, jose, { ES256: await jwk("ES256"), PS256: await jwk("PS256") }, true, base);
    const ratios = await report(list, rounds, (line) => console.log(line));
    const min = Math.min(...ratios);
    console.log(`lowest ratio ${min.toFixed(2)}x jose (target >= 1.0x, aim 1.5x): ${min >= 1 ? "met" : "MISSED"}`);
  } catch (e) {
    failures.push(String(e && e.stack));
  }
  globalThis.__setpollResult = { passed: failures.length === 0 ? 1 : 0, failed: failures.length, failures };
}
run();
