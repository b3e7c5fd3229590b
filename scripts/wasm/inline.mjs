// Writes the package's default browser/bundler entry next to a
// `wasm-bindgen --target web` build: an ES module that is ready on import.
//
//   node scripts/wasm/inline.mjs bindings/wasm/pkg/web
//
// In DIR (which holds setpoll.js, setpoll.d.ts and setpoll_bg.wasm) it writes
//   setpoll_bg_wasm.js  the .wasm as one base64 string (plain JavaScript)
//   index.js            decodes it, instantiates it synchronously (initSync),
//                       then re-exports everything the glue exports
//   index.d.ts          the glue's declarations
// Why: a bundler then has nothing to do but bundle JavaScript. esbuild does
// not copy the .wasm that `new URL("setpoll_bg.wasm", import.meta.url)` names
// (the app fails with a 404), and with the glue alone every call made before
// `await init()` is a TypeError. The default export stays the glue's `init`,
// which returns at once once instantiated, so `await init()` still works.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node scripts/wasm/inline.mjs <dir of a --target web build>");
  process.exit(2);
}
const wasm = readFileSync(join(dir, "setpoll_bg.wasm"));
if (!WebAssembly.validate(wasm)) {
  console.error(`${dir}/setpoll_bg.wasm is not a valid module`);
  process.exit(1);
}

writeFileSync(
  join(dir, "setpoll_bg_wasm.js"),
  `// setpoll_bg.wasm (${wasm.length} bytes), base64: written by scripts/wasm/inline.mjs.\n` +
    `export const wasmBase64 =\n  "${wasm.toString("base64")}";\n`,
);

writeFileSync(
  join(dir, "index.js"),
  `// The default entry for browsers and bundlers: ready on import, nothing to
// configure (written by scripts/wasm/inline.mjs). The .wasm travels inside
// setpoll_bg_wasm.js as base64 and is instantiated synchronously here.
// ./setpoll.js (\`setpoll/web\`) is the same API without the inlined copy:
// it fetches setpoll_bg.wasm and needs \`await init()\` first.
import { initSync } from "./setpoll.js";
import { wasmBase64 } from "./setpoll_bg_wasm.js";

function decode(text) {
  if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(text);
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

initSync({ module: decode(wasmBase64) });

export * from "./setpoll.js";
export { default } from "./setpoll.js";
`,
);

writeFileSync(
  join(dir, "index.d.ts"),
  `// The default entry (index.js): instantiated on import; \`init()\` is optional.
export * from "./setpoll.js";
export { default } from "./setpoll.js";
`,
);
console.log(`  [wasm] ${dir}/index.js: ready-on-import entry, .wasm inlined (${Math.ceil((wasm.length * 4) / 3)} base64 chars)`);
