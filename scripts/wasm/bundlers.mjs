// The packed `setpoll` tarball in the apps a user would write
// (bindings/wasm/apps/): Node ESM and CommonJS, Vite, esbuild, webpack, and a
// page with no bundler (the default entry, and `setpoll/web` + `await init()`).
//
//   node scripts/wasm/bundlers.mjs <tools dir> [path/to/chromium]
//
// Each app is copied to target/bundlers/<app>, gets the package the way a
// user installs it (`npm install ../setpoll-x.y.z.tgz`), is built with its
// bundler (from <tools dir>/node_modules/.bin), then run: Node apps directly,
// browser apps in headless Chromium, each page served by a small http server
// that records what was requested. Every app verifies golden-vector SETs
// (tests/vectors/verify.json), reads poll responses (response_parse.json)
// and, on an entry with the ASPSP side, parses poll requests
// (request_parse.json); the results must equal the vectors' expectations,
// and each app must get the side its entry offers: the whole API in Node
// and from `setpoll/full`, the receiver's in browsers from `setpoll`. The
// ready-on-import entries must work without `init()` and without fetching
// the .wasm (it is inlined); the `setpoll/web` page must fetch it. Each app's import line must be the
// one bindings/wasm/README.md gives for it, and apps/types.ts must type-check
// against the default entry's declarations as a bundler resolves them.
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { cpSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { launchChromium, pageResult } from "./chromium.mjs";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const APPS = join(ROOT, "bindings/wasm/apps");
const PKG = join(ROOT, "bindings/wasm/pkg");
const WORK = join(ROOT, "target/bundlers");
const TOOLS = resolve(process.argv[2] || join(ROOT, "target/tools/bundlers"));
const CHROMIUM = process.argv[3] || process.env.CHROMIUM || "/usr/bin/chromium";
const BIN = (name) => join(TOOLS, "node_modules/.bin", name);
const PAGE_TIMEOUT_MS = 30_000;
const log = (msg) => console.log(`  [bundlers] ${msg}`);
const failures = [];

// --- the vectors every app runs, and what must come out ----------------------
const vectorFile = (name) => JSON.parse(readFileSync(join(ROOT, "tests/vectors", name), "utf8")).cases;
const pick = (cases, names) =>
  names.map((n) => cases.find((c) => c.name === n) ?? failures.push(`no vector named ${JSON.stringify(n)}`));
const vectors = {
  verify: pick(vectorFile("verify.json"), ["ES256, OBIE header", "PS256, RFC 8417 header", "wrong issuer"]),
  requests: pick(vectorFile("request_parse.json"), [
    "full request from the specification example",
    "ack duplicates dropped keeping the first",
  ]),
  responses: pick(vectorFile("response_parse.json"), ["SET order is kept", "unknown members ignored", "jti with escapes and non-ASCII"]),
};
const version = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8")).version;
const expected = {
  version,
  verify: vectors.verify.map((c) =>
    c.expect.ok
      ? { name: c.name, ...c.expect.ok }
      : { name: c.name, error: { code: c.expect.error.code, setErrObie: c.expect.error.setErrObie } },
  ),
  requests: vectors.requests.map((c) => ({ name: c.name, requestJson: c.expect.ok.requestJson })),
  responses: vectors.responses.map((c) => {
    const r = JSON.parse(c.expect.ok.responseJson);
    return { name: c.name, sets: Object.entries(r.sets), moreAvailable: r.moreAvailable };
  }),
  side: "full",
};
/** What an app on the default browser entry (the receiver's side) must report. */
const expectedReceiver = { ...expected, requests: [], side: "receiver" };
if (!expected.verify.some((v) => v.error) || !expected.verify.some((v) => !v.error)) {
  failures.push("the vectors picked need both a SET that verifies and one that is refused");
}

// --- the import lines are the README's ---------------------------------------
const readme = readFileSync(join(ROOT, "bindings/wasm/README.md"), "utf8");
for (const entry of ["node-esm/main.mjs", "node-cjs/main.js", "bundled-main.js", "bundled-full.js", "plain/main.js", "plain/streaming.js"]) {
  const line = readFileSync(join(APPS, entry), "utf8")
    .split("\n")
    .find((l) => /from "(\.\/node_modules\/)?setpoll[/"]|require\("setpoll"\)/.test(l));
  if (!line || !readme.includes("`" + line + "`")) {
    failures.push(`${entry}: its import line ${JSON.stringify(line)} is not in bindings/wasm/README.md's table`);
  }
}

// --- the apps: copied, the tarball installed, built ---------------------------
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
const timed = (what, fn) => {
  const t0 = performance.now();
  const out = fn();
  log(`${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return out;
};

rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });
const tarball = run("npm", ["pack", PKG, "--silent", "--no-audit", "--no-fund"], WORK).trim().split("\n").pop();
log(`packed ${tarball}`);

const BUNDLED = ["vite", "esbuild", "webpack"];
const apps = ["node-esm", "node-cjs", ...BUNDLED, "plain"];
for (const app of apps) {
  const dir = join(WORK, app);
  cpSync(join(APPS, app), dir, { recursive: true });
  cpSync(join(APPS, "check.mjs"), join(dir, "check.mjs"));
  if (BUNDLED.includes(app)) cpSync(join(APPS, "bundled-main.js"), join(dir, "main.js"));
  if (app === "esbuild") cpSync(join(APPS, "bundled-full.js"), join(dir, "full.js"));
  writeFileSync(join(dir, "vectors.mjs"), `export default ${JSON.stringify(vectors)};\n`);
  timed(`${app}: npm install ../${tarball}`, () =>
    run("npm", ["install", `../${tarball}`, "--no-audit", "--no-fund", "--silent"], dir),
  );
}

const build = {
  vite: (dir) => run(BIN("vite"), ["build", "--logLevel", "error", "--outDir", "dist"], dir),
  esbuild: (dir) => {
    run(BIN("esbuild"), ["main.js", "full.js", "--bundle", "--format=esm", "--outdir=dist", "--log-level=warning"], dir);
    cpSync(join(dir, "index.html"), join(dir, "dist/index.html"));
    cpSync(join(dir, "full.html"), join(dir, "dist/full.html"));
  },
  webpack: (dir) => {
    run(BIN("webpack"), ["--mode", "production", "--entry", "./main.js", "--output-path", "dist", "--stats", "errors-only"], dir);
    cpSync(join(dir, "index.html"), join(dir, "dist/index.html"));
  },
};
for (const app of BUNDLED) {
  try {
    timed(`${app}: build`, () => build[app](join(WORK, app)));
  } catch (e) {
    failures.push(`${app}: the build failed (${e.message.split("\n")[0]})`);
  }
}

// TypeScript through a bundler: the default entry's declarations, tsc --strict
// (TypeScript from SETPOLL_TYPESCRIPT, as scripts/wasm/test.sh installs it).
try {
  const ts = process.env.SETPOLL_TYPESCRIPT;
  if (!ts) throw new Error("SETPOLL_TYPESCRIPT is not set (scripts/wasm/test.sh sets it)");
  const dir = join(WORK, "vite");
  cpSync(join(APPS, "types.ts"), join(dir, "types.ts"));
  const flags = ["--strict", "--noEmit", "--module", "esnext", "--target", "es2022", "--moduleResolution", "bundler"];
  timed("types.ts: tsc --strict, moduleResolution bundler", () =>
    run(process.execPath, [join(ts, "node_modules/typescript/bin/tsc"), ...flags, "--lib", "es2022,dom,esnext.disposable", "types.ts"], dir),
  );
} catch (e) {
  failures.push(`types.ts: ${e.stdout || e.message}`);
}

// --- results -----------------------------------------------------------------
/** `got`: `{result}` or `{error}`, as the apps report it; `side`: what its entry offers. */
function judge(app, got, side = "full") {
  if (got?.error !== undefined) return failures.push(`${app}: ${got.error}`);
  const want = side === "full" ? expected : expectedReceiver;
  const differ = Object.keys(want).filter((k) => !isDeepStrictEqual(got?.result?.[k], want[k]));
  if (differ.length) {
    return failures.push(
      differ.map((k) => `${app}: ${k} differs from the vectors\n    got      ${JSON.stringify(got?.result?.[k])}\n    expected ${JSON.stringify(want[k])}`).join("\n"),
    );
  }
  const { verify, responses, requests, crypto } = got.result;
  log(`${app}: ok (${side} API; ${verify.length} SETs, ${responses.length} responses, ${requests.length} requests, as the vectors say; crypto: ${crypto})`);
}

for (const [app, main] of [["node-esm", "main.mjs"], ["node-cjs", "main.js"]]) {
  try {
    judge(app, { result: JSON.parse(run(process.execPath, [main], join(WORK, app))) });
  } catch (e) {
    failures.push(`${app}: ${e.message.split("\n")[0]}`);
  }
}

// --- browser pages: one static server, one headless Chromium -----------------
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm" };
let served = { root: WORK, requests: [] };
const server = createServer((req, res) => {
  const path = decodeURIComponent(req.url.split("?")[0]);
  served.requests.push(path);
  const file = normalize(join(served.root, path));
  try {
    if (!file.startsWith(served.root + sep) || !statSync(file).isFile()) throw new Error("not found");
    res.writeHead(200, { "content-type": TYPES[extname(file)] || "application/octet-stream" });
    res.end(readFileSync(file));
  } catch {
    res.writeHead(404).end("not found");
  }
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const origin = `http://127.0.0.1:${server.address().port}`;

const chrome = launchChromium(CHROMIUM);
async function openPage(root, page) {
  served = { root, requests: [] };
  chrome.lines.length = 0;
  try {
    return await pageResult(chrome, `${origin}/${page}`, PAGE_TIMEOUT_MS);
  } catch (e) {
    return { error: [e.message, ...chrome.lines].join("; ") };
  }
}

const pages = [
  ...BUNDLED.map((app) => ({ app, root: join(WORK, app, "dist"), page: "index.html", fetchesWasm: false, side: "receiver" })),
  { app: "esbuild setpoll/full", root: join(WORK, "esbuild", "dist"), page: "full.html", fetchesWasm: false, side: "full" },
  { app: "plain", root: join(WORK, "plain"), page: "index.html", fetchesWasm: false, side: "receiver" },
  { app: "plain setpoll/web + init()", root: join(WORK, "plain"), page: "streaming.html", fetchesWasm: true, side: "full" },
];
try {
  for (const { app, root, page, fetchesWasm, side } of pages) {
    const got = await openPage(root, page);
    const wasm = served.requests.filter((p) => p.endsWith(".wasm"));
    if (fetchesWasm !== wasm.length > 0) {
      failures.push(`${app}: ${fetchesWasm ? "never fetched the .wasm" : `fetched ${wasm.join(", ")} (the default entry inlines it)`}`);
    }
    judge(app, got, side);
  }
} catch (e) {
  failures.push(`chromium: ${e.message}\n${chrome.stderr().split("\n").slice(-10).join("\n")}`);
} finally {
  await chrome.close();
  server.close();
}

for (const f of failures) console.error(`  [bundlers] FAIL ${f}`);
if (failures.length) process.exit(1);
log(`every app works with the package as packed (${apps.length} apps, ${pages.length} browser pages)`);
