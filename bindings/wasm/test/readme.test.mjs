// The README's TypeScript blocks: every ```ts block is type-checked with
// `tsc --strict` against the package's generated declarations, and the two
// loops, the bank's side (`bank.mts`) and the TPP polling loop (`tpp.mts`),
// are transpiled and run as written in a scratch folder where `import ...
// from "setpoll"` resolves to the built package (through its package.json
// `exports`). A harness supplies what the README leaves to the reader:
// `persist`, `holdUntil`, `db`, `app`, `token()`, the URLs, the signing key,
// and a `fetch` that hands requests to the bank's `handleEvents` (one
// network error and one 503 included). The harness exits once every
// published SET was either acknowledged or, for the one the app refuses,
// reported in `setErrs`. TypeScript comes from SETPOLL_TYPESCRIPT (the
// folder scripts/wasm/test.sh installs it into) or the usual resolution.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const PKG = fileURLToPath(new URL("../pkg", import.meta.url));
const README = readFileSync(new URL("../README.md", import.meta.url), "utf8");

const require = createRequire(import.meta.url);
const ts = require(
  process.env.SETPOLL_TYPESCRIPT ? join(process.env.SETPOLL_TYPESCRIPT, "node_modules", "typescript") : "typescript",
);

// The first ```ts block under the `## heading`; fails loudly when missing.
function block(heading) {
  const start = README.indexOf(`\n## ${heading}\n`);
  assert.notEqual(start, -1, `README has no "## ${heading}"`);
  const rest = README.slice(start + heading.length + 5);
  const section = rest.slice(0, rest.search(/\n## |$/));
  const m = section.match(/```ts\n([\s\S]*?)```/);
  assert.ok(m, `no ts block under "${heading}"`);
  return m[1];
}

// What the README leaves to the reader, declared for tsc.
const GLOBALS = `
declare global {
  const SIGNING_JWK: string;
  function persist(changes: unknown[]): Promise<void>;
  function holdUntil(untilMs: number, resume: () => void): void;
  const db: { loadReceiverState(): Promise<string | null>; appendReceiverChanges(changes: string): Promise<void> };
  const app: { process(claims: unknown): Promise<void> };
  function token(): Promise<string>;
  const BANK_JWKS_URL: string;
  const ASPSP: string;
}
export {};
`;

/** A scratch folder with `node_modules/setpoll` -> the built package. */
function scratch() {
  const dir = mkdtempSync(join(tmpdir(), "setpoll-readme-"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(PKG, join(dir, "node_modules", "setpoll"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  return dir;
}

test("README: every ts block type-checks with tsc --strict", () => {
  const blocks = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 3, `${blocks.length} ts blocks`);
  const dir = scratch();
  try {
    const files = blocks.map((code, i) => {
      const file = join(dir, `block${i}.mts`);
      writeFileSync(file, code);
      return file;
    });
    writeFileSync(join(dir, "globals.d.ts"), GLOBALS);
    const options = {
      strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext, lib: ["lib.es2022.d.ts", "lib.dom.d.ts", "lib.esnext.disposable.d.ts"], types: [],
    };
    const program = ts.createProgram([...files, join(dir, "globals.d.ts")], options);
    const diagnostics = ts.getPreEmitDiagnostics(program);
    const text = ts.formatDiagnostics(diagnostics, {
      getCanonicalFileName: (f) => f, getCurrentDirectory: () => dir, getNewLine: () => "\n",
    });
    assert.equal(diagnostics.length, 0, text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A ts block as runnable JS (types stripped). */
const js = (code) =>
  ts.transpileModule(code, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;

const HARNESS = String.raw`
import { SigningKey } from "setpoll";

globalThis.SIGNING_JWK = SigningKey.generateEs256(crypto.getRandomValues(new Uint8Array(32)), "bank-1").toPrivateJwk();
const TPP = "7umx5nTR33811QyQfi";
const changes = [];
globalThis.persist = async (cs) => { changes.push(...cs); };
globalThis.holdUntil = (until, resume) => setTimeout(resume, Math.max(0, Math.min(20, until - Date.now())));

const bank = await import("./bank.mjs");
const published = [];
for (const consent of ["aac-1", "aac-2", "aac-refused", "aac-3"]) {
  published.push(await bank.publish(TPP, consent));
}

let saves = 0;
const journal = [];
globalThis.db = {
  loadReceiverState: async () => null,   // first start
  appendReceiverChanges: async (c) => { JSON.parse(c); journal.push(c); saves++; },
};
const processed = [];
globalThis.app = {
  process: async (claims) => {
    if (claims.sub.endsWith("/aac-refused")) throw new Error("consent unknown here");
    processed.push(claims.jti);
  },
};
globalThis.token = async () => "access-token";
globalThis.BANK_JWKS_URL = "https://examplebank.com/jwks";
globalThis.ASPSP = "https://examplebank.com/open-banking/v4.0";

const requests = [];
let calls = 0;
globalThis.fetch = async (url, init) => {
  if (url === BANK_JWKS_URL) return new Response(bank.jwksJson, { status: 200 });
  if (url !== ASPSP + "/events" || init?.method !== "POST") return new Response("", { status: 404 });
  calls++;
  if (calls === 2) throw new TypeError("fetch failed");        // the network drops one
  if (calls === 3) return new Response("", { status: 503, headers: { "retry-after": "0" } });
  requests.push(JSON.parse(init.body));
  const answer = await new Promise((resolve) =>
    bank.handleEvents(TPP, init.body, "interaction-" + calls, (status, body) => resolve({ status, body })));
  const last = new Map(changes.map((c) => [c.jti, c]));
  const settled = published.every((jti) => {
    const c = last.get(jti);
    return c && (c.op === "delete" || c.state === "dead_letter");
  });
  if (settled) {
    console.log(JSON.stringify({ published, processed, saves, requests, last: [...last.values()] }));
    process.exit(0);
  }
  return new Response(answer.body, { status: answer.status, headers: { "content-type": "application/json" } });
};

await import("./tpp.mjs");
`;

test("README: the TPP loop and the bank's side, run against each other", () => {
  const dir = scratch();
  try {
    writeFileSync(join(dir, "bank.mjs"), js(block("The bank's side")));
    writeFileSync(join(dir, "tpp.mjs"), js(block("A TPP polling loop")));
    writeFileSync(join(dir, "main.mjs"), HARNESS);
    const run = spawnSync(process.execPath, ["main.mjs"], { cwd: dir, encoding: "utf8", timeout: 60_000 });
    assert.equal(run.status, 0, `harness failed:\n${run.stderr}`);
    const out = JSON.parse(run.stdout.trim().split("\n").at(-1));
    if (process.env.README_TEST_DEBUG) console.error(JSON.stringify(out, null, 1), run.stderr);
    const [a, b, refused, c] = out.published;
    // Every good SET reached the app once, in order; the refused one did not.
    assert.deepEqual(out.processed, [a, b, c]);
    const last = new Map(out.last.map((ch) => [ch.jti, ch]));
    for (const jti of [a, b, c]) {
      assert.equal(last.get(jti).op, "delete", jti);
      assert.equal(last.get(jti).reason, "acknowledged", jti);
    }
    // The refusal reached the bank as a setErr and dead-lettered the SET.
    assert.equal(last.get(refused).state, "dead_letter");
    assert.equal(last.get(refused).last_error.reason.kind, "set_err");
    assert.equal(last.get(refused).last_error.reason.err, "setData");
    const reported = out.requests.flatMap((r) => Object.keys(r.setErrs ?? {}));
    assert.deepEqual(reported, [refused], "reported once");
    // Each ack was sent until an answered request carried it, never lost.
    const acked = new Set(out.requests.flatMap((r) => r.ack ?? []));
    assert.deepEqual([...acked].sort(), [a, b, c].sort());
    assert.ok(out.saves > 0, "the receiver changes were appended");
    assert.match(run.stderr, /poll failed: /, "the 503 went through the failure path");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
