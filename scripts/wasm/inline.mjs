// Writes the package's default browser/bundler entry next to a
// `wasm-bindgen --target web` build: an ES module that is ready on import.
//
//   node scripts/wasm/inline.mjs bindings/wasm/pkg/web [entry]
//
// In DIR (which holds setpoll_bg.wasm and ENTRY, the module to wrap: default
// setpoll.js, wasm-bindgen's; any module with the same `initSync` and default
// `init` will do) it writes
//   setpoll_bg_wasm.js  the .wasm LZMA-compressed, as one base64 string
//   inline.js           decodes it (DIR/unlzma.js, which must exist), calls
//                       ENTRY's initSync with the bytes,
//                       then re-exports everything ENTRY exports
// (scripts/wasm/build.sh then has tsc write inline.d.ts and
// setpoll_bg_wasm.d.ts from these two: ENTRY's declarations, and a string).
// Why: a bundler then has nothing to do but bundle JavaScript. esbuild does
// not copy the .wasm that `new URL("setpoll_bg.wasm", import.meta.url)` names
// (the app fails with a 404), and with the glue alone every call made before
// `await init()` is a TypeError. The default export stays ENTRY's `init`,
// which returns at once once instantiated, so `await init()` still works.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [dir, entry = "setpoll.js"] = process.argv.slice(2);
if (!dir) {
  console.error("usage: node scripts/wasm/inline.mjs <dir of a --target web build> [entry module]");
  process.exit(2);
}
const wasm = readFileSync(join(dir, "setpoll_bg.wasm"));
if (!WebAssembly.validate(wasm)) {
  console.error(`${dir}/setpoll_bg.wasm is not a valid module`);
  process.exit(1);
}

// LZMA at its strongest preset (liblzma, through Python's lzma module: Node
// has no LZMA encoder), then base64. Gzipped, that is about 0.8x the .wasm's
// own gzipped size, where base64 of the .wasm itself was 1.4x: LZMA finds
// what gzip's 32 KiB window and Huffman codes miss, and gzip of base64 of
// compressed bytes is close to those bytes' own size.
let packed;
try {
  packed = execFileSync(
    "python3",
    ["-c", "import lzma,sys; sys.stdout.buffer.write(lzma.compress(sys.stdin.buffer.read(), format=lzma.FORMAT_ALONE, preset=9 | lzma.PRESET_EXTREME))"],
    { input: wasm, maxBuffer: 64 << 20, stdio: ["pipe", "pipe", "inherit"] },
  );
} catch (e) {
  console.error(`cannot LZMA-compress the .wasm: python3 with its lzma module is needed (${e.message})`);
  process.exit(1);
}
// The decoder the entry will run (tsc has written it already) must give the
// .wasm back byte for byte, or the build stops here.
const { unlzma } = await import(pathToFileURL(join(dir, "unlzma.js")).href);
if (Buffer.compare(Buffer.from(unlzma(packed, wasm.length)), wasm) !== 0) {
  console.error(`${dir}: unlzma does not give setpoll_bg.wasm back`);
  process.exit(1);
}

writeFileSync(
  join(dir, "setpoll_bg_wasm.js"),
  `// setpoll_bg.wasm, LZMA-compressed (${packed.length} bytes) and base64: written by scripts/wasm/inline.mjs.\n` +
    `/** Length of the .wasm in bytes. */\nexport const wasmSize = /** @type {number} */ (${wasm.length});\n` +
    `/** The .wasm as an LZMA "alone" stream, base64. */\nexport const wasmLzmaBase64 = /** @type {string} */ (\n  "${packed.toString("base64")}");\n`,
);

writeFileSync(
  join(dir, "inline.js"),
  `// The default entry for browsers and bundlers: ready on import, nothing to
// configure (written by scripts/wasm/inline.mjs). The .wasm travels inside
// setpoll_bg_wasm.js, LZMA-compressed and base64, and is unpacked
// (./unlzma.js) and instantiated synchronously here.
// ./${entry} (\`setpoll/web-receiver\`, \`setpoll/web\`) is the same API without the inlined copy:
// it fetches setpoll_bg.wasm and needs \`await init()\` first.
import { initSync } from "./${entry}";
import { unlzma } from "./unlzma.js";
import { wasmLzmaBase64, wasmSize } from "./setpoll_bg_wasm.js";

function decode(text) {
  if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(text);
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

initSync({ module: unlzma(decode(wasmLzmaBase64), wasmSize) });

export * from "./${entry}";
export { default } from "./${entry}";
`,
);

console.log(`  [wasm] ${dir}/inline.js (wraps ${entry}): ready-on-import entry, .wasm inlined (LZMA ${packed.length} bytes, ${Math.ceil((packed.length * 4) / 3)} base64 chars)`);
