// Runs bindings/wasm/browser/page.mjs in headless Chromium against the web
// build in bindings/wasm/pkg/web, and fails unless every check passed.
//
//   node scripts/wasm/browser-test.mjs [path/to/chromium]
//
// No browser download and no npm dependency: a small http server on a free
// localhost port serves the page and the package; Chromium is driven over the
// DevTools protocol (chromium.mjs).
import { createServer } from "node:http";
import { readFileSync, statSync } from "node:fs";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium, pageResult } from "./chromium.mjs";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const PAGE_DIR = join(ROOT, "bindings/wasm/browser");
// SETPOLL_PKG: another build of the package (a folder holding web/).
const PKG_DIR = join(process.env.SETPOLL_PKG ?? join(ROOT, "bindings/wasm/pkg"), "web");
const PORTABLE_DIR = join(process.env.SETPOLL_PKG ?? join(ROOT, "bindings/wasm/pkg"), "web-portable");
const VECTORS_DIR = join(ROOT, "tests/vectors");
// The benchmark page (SETPOLL_BROWSER_PAGE=bench.html) also loads jose's
// browser build (installed by scripts/wasm/bench.mjs) and the shared cases.
const JOSE_DIR = join(ROOT, "target/wasm-bench/node_modules/jose/dist/webapi");
const BENCH_DIR = join(ROOT, "scripts/wasm");
const PAGE = process.env.SETPOLL_BROWSER_PAGE ?? "index.html";
// On a fresh machine the page's `import` of jose would 404 and the page would
// never answer: install it first (bench.mjs's own installer; no-op when there).
if (PAGE === "bench.html") (await import("./bench.mjs")).joseDir();
const CHROMIUM = process.argv[2] || process.env.CHROMIUM || "/usr/bin/chromium";
const TIMEOUT_MS = Number(process.env.SETPOLL_BROWSER_TIMEOUT_MS ?? 60_000);

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".json": "application/json",
  ".wasm": "application/wasm",
};

// --- static server: / -> browser/, /pkg/ -> pkg/web/, /pkg-portable/ ->
// pkg/web-portable/, /package/ -> pkg/ (its
// exports map), /vectors/ -> tests/vectors/, /wycheproof/ -> tests/wycheproof/
function fileFor(urlPath) {
  const path = decodeURIComponent(urlPath.split("?")[0]);
  const routes = [
    ["/pkg/", PKG_DIR],
    ["/pkg-portable/", PORTABLE_DIR],
    ...(process.env.SETPOLL_PKG_BASE ? [["/pkg-base/", join(process.env.SETPOLL_PKG_BASE, "web")]] : []),
    ["/package/", join(ROOT, "bindings/wasm/pkg")],
    ["/vectors/", VECTORS_DIR],
    ["/wycheproof/", join(ROOT, "tests/wycheproof")],
    ["/jose/", JOSE_DIR],
    ["/bench/", BENCH_DIR],
  ];
  const route = routes.find(([prefix]) => path.startsWith(prefix));
  const [base, rest] = route ? [route[1], path.slice(route[0].length)] : [PAGE_DIR, path.slice(1) || PAGE];
  const file = normalize(join(base, rest));
  return file.startsWith(base + sep) ? file : null; // no escaping the roots
}

const server = createServer((req, res) => {
  const file = fileFor(req.url);
  try {
    if (!file || !statSync(file).isFile()) throw new Error("not found");
    res.writeHead(200, { "content-type": TYPES[extname(file)] || "application/octet-stream" });
    res.end(readFileSync(file));
  } catch {
    res.writeHead(404).end("not found");
  }
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
// SETPOLL_PKG_BASE: another build's pkg/ folder, served at /pkg-base/; the
// benchmark page then times it too (before/after in one alternation).
// ROUNDS: the benchmark page's rounds (default 11); SETPOLL_BENCH_GC=0: its
// slices without gc() (see scripts/wasm/bench-cases.mjs).
const query = new URLSearchParams();
if (process.env.SETPOLL_PKG_BASE) query.set("base", "");
if (process.env.ROUNDS) query.set("rounds", process.env.ROUNDS);
if (process.env.SETPOLL_BENCH_GC === "0") query.set("gc", "0"); // slices without gc()
const url = `http://127.0.0.1:${server.address().port}/${PAGE}${query.size ? `?${query}` : ""}`;

// --- Chromium over the DevTools pipe ---------------------------------------
const chrome = launchChromium(CHROMIUM);
let exitCode = 1;
try {
  const verdict = await pageResult(chrome, url, TIMEOUT_MS);
  for (const line of chrome.lines) console.log(`  ${line}`);
  for (const f of verdict.failures) console.error(`  FAIL ${f}`);
  console.log(`browser: ${verdict.passed} passed, ${verdict.failed} failed`);
  exitCode = verdict.failed === 0 && verdict.passed > 0 ? 0 : 1;
} catch (e) {
  console.error(`browser test error: ${e.message}`);
  for (const line of chrome.lines) console.error(`  ${line}`);
  const stderr = chrome.stderr();
  if (stderr) console.error(stderr.split("\n").slice(-20).join("\n"));
} finally {
  await chrome.close();
  server.close();
}
process.exit(exitCode);
