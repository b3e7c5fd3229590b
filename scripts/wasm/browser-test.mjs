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
const PKG_DIR = join(ROOT, "bindings/wasm/pkg/web");
const VECTORS_DIR = join(ROOT, "tests/vectors");
const CHROMIUM = process.argv[2] || process.env.CHROMIUM || "/usr/bin/chromium";
const TIMEOUT_MS = 60_000;

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".json": "application/json",
  ".wasm": "application/wasm",
};

// --- static server: / -> browser/, /pkg/ -> pkg/web/, /vectors/ -> tests/vectors/
function fileFor(urlPath) {
  const path = decodeURIComponent(urlPath.split("?")[0]);
  const [base, rest] = path.startsWith("/pkg/")
    ? [PKG_DIR, path.slice(5)]
    : path.startsWith("/vectors/")
      ? [VECTORS_DIR, path.slice(9)]
      : [PAGE_DIR, path.slice(1) || "index.html"];
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
const url = `http://127.0.0.1:${server.address().port}/index.html`;

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
