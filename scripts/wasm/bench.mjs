// Benchmark of SET verification and signing: the `setpoll` package (Node
// entry: signatures on node:crypto) against the `jose` npm package
// (jwtVerify / SignJWT, also on node:crypto), same keys, same claims.
//
//   node scripts/wasm/bench.mjs            (after scripts/wasm/build.sh)
//   SETPOLL_PKG=<dir> node scripts/wasm/bench.mjs   another build's pkg/ dir
//   SETPOLL_PKG_BASE=<dir> ...   also time that build's pkg/ (say the last
//                                commit's) in the same alternation: before/after
//
// The same cases (bench-cases.mjs) run in headless Chromium on WebCrypto:
//   SETPOLL_BROWSER_PAGE=bench.html node scripts/wasm/browser-test.mjs
// (scripts/wasm/bench.sh runs both).
//
// The machine is shared, so a figure measured alone drifts with the load.
// Each pair that forms a ratio is measured in alternating short slices
// (ROUNDS of them) in one process; the ratio printed is the median of the
// per-round ratios (jose time / setpoll time: above 1.0 means setpoll is
// faster), each time printed the median of its slices (wall clock).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createPrivateKey } from "node:crypto";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join, resolve } from "node:path";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** jose, installed into target/wasm-bench/ on first use (npm registry). */
export function joseDir() {
  const dir = join(ROOT, "target/wasm-bench");
  if (!existsSync(join(dir, "node_modules/jose"))) {
    mkdirSync(dir, { recursive: true });
    execFileSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--prefix", dir, "jose@6"], { stdio: "inherit" });
  }
  return join(dir, "node_modules/jose");
}

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { cases, method, report } from "./bench-cases.mjs";

/** The bench's keys: a fresh P-256 key and the repository's RSA 2048 test key. */
export function benchJwks() {
  const rsaPem = readFileSync(join(ROOT, "core/src/jose/testdata/rsa2048.pk8.pem"), "utf8");
  const ecPem = readFileSync(join(ROOT, "core/src/jose/testdata/p256.pk8.pem"), "utf8");
  return {
    ES256: createPrivateKey(ecPem).export({ format: "jwk" }),
    PS256: createPrivateKey(rsaPem).export({ format: "jwk" }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const ROUNDS = Number(process.env.ROUNDS ?? 11);
  joseDir();
  const jose = await import(createRequire(join(ROOT, "target/wasm-bench/x.js")).resolve("jose"));
  const pkg = process.env.SETPOLL_PKG ?? join(ROOT, "bindings/wasm/pkg");
  const setpoll = createRequire(import.meta.url)(join(pkg, "node/index.js"));
  const base = process.env.SETPOLL_PKG_BASE && createRequire(import.meta.url)(join(process.env.SETPOLL_PKG_BASE, "node/index.js"));
  // gc() for the slices (bench-cases.mjs), unless SETPOLL_BENCH_GC=0.
  if (process.env.SETPOLL_BENCH_GC !== "0") {
    setFlagsFromString("--expose-gc");
    globalThis.gc = runInNewContext("gc");
  }
  console.log(`node ${process.version}; setpoll on ${setpoll.platformCrypto}; ${ROUNDS} rounds of alternating 100 ms slices; wall clock${base ? `; base: ${process.env.SETPOLL_PKG_BASE}` : ""}`);
  console.log(method());
  const ratios = await report(await cases(setpoll, jose, benchJwks(), false, base), ROUNDS, console.log);
  const min = Math.min(...ratios);
  console.log(`lowest ratio ${min.toFixed(2)}x jose (target >= 1.0x, aim 1.5x): ${min >= 1 ? "met" : "MISSED"}`);
}
