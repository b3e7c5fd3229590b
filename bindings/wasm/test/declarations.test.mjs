// The generated TypeScript declarations (wasm-bindgen + tsify) read as the
// Rust docs are written and follow JS casing: no `r"` left from a doc
// comment that went through a macro (bindings/wasm/src `getters!`), and no
// snake_case parameter name (each is renamed with `js_name`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";

const dts = readFileSync(new URL("../pkg/node/setpoll.d.ts", import.meta.url), "utf8");

test("doc comments in the .d.ts are plain text", () => {
  const raw = dts.split("\n").filter((l) => /^\s*\*\s*r#*"/.test(l));
  assert.deepStrictEqual(raw, []);
  // A getter written through `getters!` keeps its doc comment.
  assert.match(dts, /\* When to answer at the latest \(ms since the epoch\)\.\s*\*\/\s*untilMs\(\): number;/);
});

test("every parameter name in the .d.ts is camelCase", () => {
  const params = [...dts.matchAll(/^\s+(?:static\s+)?\w+\(([^)]*)\)/gm)]
    .flatMap((m) => m[1].split(",").map((p) => p.trim().split(/[?:]/)[0]))
    .filter(Boolean);
  assert.ok(params.length > 50, `found ${params.length} parameters`);
  assert.deepStrictEqual(params.filter((p) => p.includes("_")), []);
});

// The JS entries are TypeScript compiled by scripts/wasm/build.sh: their
// declarations are tsc's, never hand-written (issue 12: zero hand-written
// .d.ts). js/ holds .ts sources and their tsconfig only.
test("bindings/wasm/js holds TypeScript sources only, no hand-written .d.ts or .js", () => {
  const dir = new URL("../js/", import.meta.url);
  const files = readdirSync(dir, { recursive: true }).filter((f) => statSync(new URL(f, dir)).isFile());
  const stray = files.filter((f) => f.endsWith(".d.ts") || !(f.endsWith(".ts") || f === "tsconfig.json"));
  assert.deepStrictEqual(stray, []);
  assert.ok(files.includes("web.ts") && files.includes("web-receiver.ts") && files.includes("node.ts"), files.join());
});

test("the entries' declarations are tsc's output and declare the async forms", () => {
  // node/ and web-receiver/: one entry module over wasm-bindgen's; web/ and
  // web-portable/: web-receiver's module plus the ASPSP side (signSetAsync).
  const read = (dir, f) => readFileSync(new URL(`../pkg/${dir}/${f}.d.ts`, import.meta.url), "utf8");
  for (const [dir, verifying, signing] of [
    ["node", "index", "index"],
    ["web-receiver", "index", undefined],
    ["web", "web-receiver", "index"],
    ["web-portable", "web-receiver", "index"],
  ]) {
    const v = read(dir, verifying);
    assert.match(v, /export \* from "\.\/setpoll\.js";/, dir);
    assert.match(v, /export declare function verifySetAsync\(token: string, keyring: Keyring, policy: PolicyArg, nowMs: number\): Promise<VerifiedSet>;/, dir);
    assert.match(v, /export declare const platformCrypto: PlatformCrypto;/, dir);
    if (verifying !== "index") assert.match(read(dir, "index"), /export \* from "\.\/web-receiver\.js";/, dir);
    if (signing) assert.match(read(dir, signing), /export declare function signSetAsync\(/, dir);
    else assert.doesNotMatch(read(dir, "index") + read(dir, "setpoll"), /signSetAsync|class MemoryTransmitter|class SigningKey|parseRequest/, dir);
    const shared = read(dir, "async");
    assert.match(shared, /declare module "\.\/setpoll\.js" \{\s*interface Receiver \{[\s\S]*handleResponseAsync\(/, dir);
  }
  for (const dir of ["web-receiver", "web"]) {
    const web = read(dir, dir === "web" ? "web-receiver" : "index");
    assert.match(web, /export default function init\(/, dir);
    assert.match(web, /export declare function initSync\(/, dir);
  }
  assert.match(read("web", "index"), /export \{ default \} from "\.\/web-receiver\.js";/);
  const cryptoNode = readFileSync(new URL("../pkg/node/crypto-node.d.ts", import.meta.url), "utf8");
  assert.match(cryptoNode, /export declare function verifyRaw\(\{ alg, jwk, signingInput, signature \}: VerifyRawArgs\): boolean;/);
  const cryptoWeb = readFileSync(new URL("../pkg/web/crypto-web.d.ts", import.meta.url), "utf8");
  assert.match(cryptoWeb, /export declare function verifyRaw\(\{ alg, jwk, signingInput, signature \}: VerifyRawArgs\): Promise<boolean>;/);
});

test("every .d.ts in the package is wasm-bindgen's or tsc's", () => {
  // wasm-bindgen: setpoll.d.ts, setpoll_bg.wasm.d.ts; tsc: one per js/*.ts
  // module (the entry as index) and, with allowJs, inline.js's two files.
  const generated = {
    node: ["async", "crypto", "crypto-node", "index", "setpoll", "setpoll_bg.wasm"],
    "web-receiver": ["async", "crypto", "crypto-web", "index", "inline", "setpoll", "setpoll_bg.wasm", "setpoll_bg_wasm", "unlzma"],
  };
  generated.web = [...generated["web-receiver"], "web-receiver"];
  generated["web-portable"] = generated.web;
  for (const [dir, names] of Object.entries(generated)) {
    const found = readdirSync(new URL(`../pkg/${dir}/`, import.meta.url)).filter((f) => f.endsWith(".d.ts")).sort();
    assert.deepStrictEqual(found, names.map((n) => `${n}.d.ts`).sort(), dir);
  }
  const inline = readFileSync(new URL("../pkg/web/setpoll_bg_wasm.d.ts", import.meta.url), "utf8");
  assert.match(inline, /^export const wasmSize: number;$/m);
  assert.match(inline, /^export const wasmLzmaBase64: string;$/m);
});
