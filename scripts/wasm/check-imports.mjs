// Checks that a wasm-bindgen .wasm imports nothing from the host except
// wasm-bindgen's own glue, and reports its size raw and gzipped.
//
//   node scripts/wasm/check-imports.mjs path/to/setpoll_bg.wasm [...]
//
// A sans-IO core has no business importing from the host: any `env` import
// (a C library reaching for libc, a clock, a socket) or any module other than
// the glue module fails the check. wasm-bindgen names its glue module `wbg`
// (targets nodejs/web) or `./<name>_bg.js` (target bundler), and every glue
// import is called `__wbg_*` or `__wbindgen_*`.
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { gzipSync } from "node:zlib";

// Three builds, told apart by folder; each .wasm and each ready-on-import
// entry has a regression guard.
// - receiver (web-receiver/, the default browser entry: no pure-Rust curve
//   and RSA code, no ASPSP side): the target is its entry, at most
//   150 KB (150,000 bytes) gzipped, a hard limit here (147,259 bytes when
//   the build was split off, 147,498 with handleResponseAsync's byte
//   form); .wasm guard 165 KiB (161.3 KiB, then 161.6).
// - platform (web/, `setpoll/full`): .wasm guard (250 KiB,
//   247.0 KiB when the builds were split; 230 KiB, 224.6 KiB, with the
//   core's own JSON reader and typed record readers; 220 KiB, 215.0 KiB,
//   with its own float reader).
// - portable (node/, web-portable/): .wasm guard (raised from 320 to
//   336 KiB for the platform-crypto layer, 328.6 KiB; then to 344 KiB for
//   serde_json's correctly rounded float reader, 341.6 KiB, which exp/nbf
//   need to read back the number they were written as; then to 346 KiB,
//   345.0 KiB, for the async_only refusals moved from JS into the binding,
//   verifySetWith and prepareSetWith's byte tokens; lowered to 325 KiB,
//   320.1 KiB, with the core's own JSON reader, and to 315 KiB, 310.3 KiB,
//   with its own float reader).
// The ready-on-import entries (inline.js and every module it imports, the
// .wasm inside LZMA-compressed): what `import "setpoll"` downloads in a
// browser, each file gzipped. Guards: web-receiver 150,000 B (above); web
// 224 KiB (221.0 KiB when LZMA replaced base64, from 368.5 KiB; 220.7 with
// the core's parse_json in the claims builder), 200 KiB (194.8 KiB:
// JavaScript without comments, the core's own JSON reader), 190 KiB (185.4
// KiB: its own float reader); web-portable 292 KiB (290.0 KiB, then 289.8),
// 268 KiB (263.5 KiB), 258 KiB (254.3 KiB).
const ENTRY_LIMIT = { "web-receiver": 150_000, web: 190 * 1024, "web-portable": 258 * 1024 };
const WASM_LIMIT = { "web-receiver": 165 * 1024, web: 220 * 1024, "web-portable": 315 * 1024, node: 315 * 1024 };

/** inline.js in `dir` and the relative modules it imports, transitively. */
function entryModules(dir, file = "inline.js", seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(join(dir, file), "utf8");
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"\.\/([\w.-]+\.js)"/gm)) entryModules(dir, m[1], seen);
  return seen;
}
const glueModule = (m) => m === "wbg" || /^\.\/[\w-]+_bg\.js$/.test(m);
const glueName = (n) => n.startsWith("__wbg_") || n.startsWith("__wbindgen_");

let failures = 0;
for (const path of process.argv.slice(2)) {
  const bytes = readFileSync(path);
  const module = new WebAssembly.Module(bytes);
  const imports = WebAssembly.Module.imports(module);
  const bad = imports.filter((i) => !glueModule(i.module) || !glueName(i.name));
  const modules = [...new Set(imports.map((i) => i.module))];
  const gz = gzipSync(bytes, { level: 9 }).length;
  const build = ["web-receiver", "web", "web-portable", "node"].find((b) => path.includes(`/${b}/`)) ?? "?";
  const platformOnly = build === "web" || build === "web-receiver";
  const limit = WASM_LIMIT[build] ?? 0;
  console.log(
    `${basename(path)} (${build}, ${platformOnly ? "platform crypto only" : "with the portable code"}): ` +
      `${imports.length} imports from [${modules.join(", ")}], ` +
      `${(bytes.length / 1024).toFixed(1)} KiB raw, ${(gz / 1024).toFixed(1)} KiB gzipped`,
  );
  const entryLimit = ENTRY_LIMIT[build];
  if (entryLimit !== undefined) {
    const dir = dirname(path);
    const files = [...entryModules(dir)].sort();
    const sized = files
      .map((f) => ({ f, gz: gzipSync(readFileSync(join(dir, f)), { level: 9 }).length }))
      .sort((a, b) => b.gz - a.gz);
    const total = sized.reduce((sum, { gz }) => sum + gz, 0);
    const largest = sized.slice(0, 3).map(({ f, gz }) => `${f} ${(gz / 1024).toFixed(1)}`);
    console.log(`  ready-on-import entry (inline.js and ${files.length - 1} modules it imports): ${(total / 1024).toFixed(1)} KiB gzipped, file by file (${largest.join(", ")} KiB, ...)`);
    if (files.length < 3 || !files.includes("setpoll_bg_wasm.js")) {
      console.error(`  inline.js imports only ${files.join(", ")}: not the entry expected`);
      failures++;
    }
    if (total > entryLimit) {
      console.error(`  entry gzipped size ${total} B exceeds the ${entryLimit} B limit`);
      failures++;
    } else if (build === "web-receiver") {
      console.log(`  the default browser entry: ${total} B gzipped, within the issue's 150 KB (${entryLimit} B)`);
    }
  }
  for (const i of bad) {
    console.error(`  host import outside the wasm-bindgen glue: ${i.module}.${i.name} (${i.kind})`);
    failures++;
  }
  if (gz > limit) {
    console.error(`  gzipped size ${gz} B exceeds the ${limit} B limit (${build})`);
    failures++;
  }
}
if (process.argv.length < 3) {
  console.error("usage: check-imports.mjs FILE.wasm...");
  failures++;
}
process.exit(failures === 0 ? 0 : 1);
