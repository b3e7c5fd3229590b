// Runs bindings/wasm/browser/page.mjs in headless Chromium against the web
// build in bindings/wasm/pkg/web, and fails unless every check passed.
//
//   node scripts/wasm/browser-test.mjs [path/to/chromium]
//
// No browser download and no npm dependency: a small http server on a free
// localhost port serves the page and the package; Chromium is driven over the
// DevTools protocol on a pipe (--remote-debugging-pipe: JSON messages, NUL
// separated, we write on fd 3 and read on fd 4) with a fresh profile.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const PAGE_DIR = join(ROOT, "bindings/wasm/browser");
// SETPOLL_PKG: another build of the package (a folder holding web/).
const PKG_DIR = join(process.env.SETPOLL_PKG ?? join(ROOT, "bindings/wasm/pkg"), "web");
const VECTORS_DIR = join(ROOT, "tests/vectors");
// The benchmark page (SETPOLL_BROWSER_PAGE=bench.html) also loads jose's
// browser build (installed by scripts/wasm/bench.mjs) and the shared cases.
const JOSE_DIR = join(ROOT, "target/wasm-bench/node_modules/jose/dist/webapi");
const BENCH_DIR = join(ROOT, "scripts/wasm");
const PAGE = process.env.SETPOLL_BROWSER_PAGE ?? "index.html";
const CHROMIUM = process.argv[2] || process.env.CHROMIUM || "/usr/bin/chromium";
const TIMEOUT_MS = Number(process.env.SETPOLL_BROWSER_TIMEOUT_MS ?? 60_000);

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
  const routes = [["/pkg/", PKG_DIR], ["/vectors/", VECTORS_DIR], ["/jose/", JOSE_DIR], ["/bench/", BENCH_DIR]];
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
const url = `http://127.0.0.1:${server.address().port}/${PAGE}`;

// --- Chromium over the DevTools pipe ---------------------------------------
const profile = mkdtempSync(join(tmpdir(), "setpoll-chromium-"));
const chrome = spawn(
  CHROMIUM,
  [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
    `--user-data-dir=${profile}`,
    "--remote-debugging-pipe",
    "about:blank",
  ],
  { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
);
let stderr = "";
chrome.stderr.on("data", (d) => (stderr += d));
const toChrome = chrome.stdio[3];
const fromChrome = chrome.stdio[4];

let nextId = 1;
const pending = new Map();
const consoleLines = [];
let buffered = "";
fromChrome.on("data", (chunk) => {
  buffered += chunk.toString("utf8");
  let nul;
  while ((nul = buffered.indexOf("\0")) >= 0) {
    const msg = JSON.parse(buffered.slice(0, nul));
    buffered = buffered.slice(nul + 1);
    if (msg.id && pending.has(msg.id)) {
      const { ok, fail } = pending.get(msg.id);
      pending.delete(msg.id);
      msg.error ? fail(new Error(JSON.stringify(msg.error))) : ok(msg.result);
    } else if (msg.method === "Runtime.consoleAPICalled") {
      consoleLines.push(`console.${msg.params.type}: ${msg.params.args.map((a) => a.value ?? a.description).join(" ")}`);
    } else if (msg.method === "Runtime.exceptionThrown") {
      const d = msg.params.exceptionDetails;
      consoleLines.push(`exception: ${d.exception?.description ?? d.text}`);
    }
  }
});
const send = (method, params = {}, sessionId) =>
  new Promise((ok, fail) => {
    const id = nextId++;
    pending.set(id, { ok, fail });
    toChrome.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + "\0");
  });
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

let exitCode = 1;
const exited = new Promise((ok) => chrome.on("exit", ok));
try {
  const timeout = sleep(TIMEOUT_MS).then(() => {
    throw new Error(`no verdict within ${TIMEOUT_MS} ms`);
  });
  const verdict = await Promise.race([
    timeout,
    (async () => {
      const { targetId } = await send("Target.createTarget", { url: "about:blank" });
      const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
      await send("Runtime.enable", {}, sessionId);
      await send("Page.navigate", { url }, sessionId);
      for (;;) {
        const { result } = await send(
          "Runtime.evaluate",
          { expression: "globalThis.__setpollResult", returnByValue: true },
          sessionId,
        );
        if (result && result.value) return result.value;
        await sleep(100);
      }
    })(),
  ]);
  for (const line of consoleLines) console.log(`  ${line}`);
  for (const f of verdict.failures) console.error(`  FAIL ${f}`);
  console.log(`browser: ${verdict.passed} passed, ${verdict.failed} failed`);
  exitCode = verdict.failed === 0 && verdict.passed > 0 ? 0 : 1;
} catch (e) {
  console.error(`browser test error: ${e.message}`);
  for (const line of consoleLines) console.error(`  ${line}`);
  if (stderr) console.error(stderr.split("\n").slice(-20).join("\n"));
} finally {
  try {
    await Promise.race([send("Browser.close"), sleep(3000)]);
  } catch {}
  await Promise.race([exited, sleep(3000)]);
  if (chrome.exitCode === null) chrome.kill("SIGKILL");
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(exitCode);
