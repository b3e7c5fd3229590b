// The generated TypeScript declarations (wasm-bindgen + tsify) read as the
// Rust docs are written and follow JS casing: no `r"` left from a doc
// comment that went through a macro (bindings/wasm/src `getters!`), and no
// snake_case parameter name (each is renamed with `js_name`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

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
