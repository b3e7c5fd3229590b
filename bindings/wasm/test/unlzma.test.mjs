// The LZMA decoder of the ready-on-import entries (js/unlzma.ts): every
// stream liblzma writes (through Python's lzma module, the encoder the build
// uses) decodes byte for byte, whatever its lc/lp/pb; a damaged stream is an
// LzmaError (or, LZMA carrying no checksum, bytes of the expected length that
// WebAssembly then refuses), never another exception and never a hang.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { unlzma, LzmaError } from "../pkg/web/unlzma.js";
import { wasmLzmaBase64, wasmSize } from "../pkg/web/setpoll_bg_wasm.js";

/** `data` as an LZMA "alone" stream from liblzma, with the given filter options. */
function lzma(data, options = "preset=9 | lzma.PRESET_EXTREME") {
  const script =
    "import lzma,sys; d=sys.stdin.buffer.read(); " +
    `sys.stdout.buffer.write(lzma.compress(d, format=lzma.FORMAT_ALONE, filters=[dict(id=lzma.FILTER_LZMA1, ${options})]))`;
  return execFileSync("python3", ["-c", script], { input: data, maxBuffer: 64 << 20 });
}

// A deterministic generator, so a failure names a reproducible case.
function seeded(seed) {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const rand = seeded(7);
const text = Buffer.from("POST /events {\"maxEvents\":10,\"ack\":[\"4d3559ec\"]} ".repeat(3000));
const alphabet = Buffer.from(Array.from({ length: 150_000 }, () => "abc".charCodeAt(Math.floor(rand() * 3))));
// Runs and repeats at many distances: every match, rep and short-rep path.
const patterned = Buffer.concat(Array.from({ length: 400 }, (_, i) => Buffer.alloc(1 + (i % 37), i % 251)));
const wasm = readFileSync(new URL("../pkg/web/setpoll_bg.wasm", import.meta.url));
const cases = {
  empty: Buffer.alloc(0),
  "one byte": Buffer.from([0x2a]),
  text,
  "three letters": alphabet,
  patterned,
  random: randomBytes(70_000),
  "the .wasm": wasm,
};

test("liblzma's streams decode byte for byte", () => {
  for (const [name, data] of Object.entries(cases)) {
    const out = unlzma(lzma(data), data.length);
    assert.ok(out instanceof Uint8Array, name);
    assert.equal(Buffer.compare(Buffer.from(out), data), 0, name);
  }
});

test("lc/lp/pb at the edges liblzma allows (lc + lp <= 4) decode", () => {
  for (const [lc, lp, pb] of [[0, 0, 0], [3, 0, 2], [0, 4, 4], [4, 0, 0], [1, 2, 3], [2, 2, 1]]) {
    for (const [name, data] of Object.entries({ text, patterned, "the .wasm": wasm })) {
      const packed = lzma(data, `preset=6, lc=${lc}, lp=${lp}, pb=${pb}`);
      assert.equal(packed[0], (pb * 5 + lp) * 9 + lc, "properties byte");
      const out = unlzma(packed, data.length);
      assert.equal(Buffer.compare(Buffer.from(out), data), 0, `${name} lc=${lc} lp=${lp} pb=${pb}`);
    }
  }
});

test("the inlined .wasm unpacks to the package's .wasm", () => {
  const packed = Buffer.from(wasmLzmaBase64, "base64");
  assert.ok(packed.length < wasm.length * 0.4, `LZMA stream ${packed.length} B for a ${wasm.length} B .wasm`);
  assert.equal(wasmSize, wasm.length);
  assert.equal(Buffer.compare(Buffer.from(unlzma(packed, wasmSize)), wasm), 0);
});

test("malformed streams are LzmaErrors naming the problem", () => {
  const good = lzma(text);
  const bad = (bytes, size, pattern) => assert.throws(() => unlzma(bytes, size), (e) => e instanceof LzmaError && pattern.test(e.message));
  bad(good.subarray(0, 10), text.length, /too short/);
  bad(good.subarray(0, good.length >> 1), text.length, /ends early/);
  bad(good, text.length + 1, /ended after|ends early/);
  bad(good, text.length - 1, /longer than the expected/);
  const props = Buffer.from(good);
  props[0] = 225;
  bad(props, text.length, /properties/);
  const first = Buffer.from(good);
  first[13] = 1;
  bad(first, text.length, /first byte/);
  // A header that states its size must state the one expected.
  const stated = Buffer.from(good);
  stated.writeBigUInt64LE(BigInt(text.length + 5), 5);
  bad(stated, text.length, /header states/);
  stated.writeBigUInt64LE(BigInt(text.length), 5);
  assert.equal(Buffer.compare(Buffer.from(unlzma(stated, text.length)), text), 0);
});

test("a damaged stream never escapes as another error or another length", () => {
  const r = seeded(11);
  for (const data of [patterned, alphabet]) {
    const good = lzma(data);
    for (let round = 0; round < 300; round++) {
      const damaged = Buffer.from(good);
      const flips = 1 + Math.floor(r() * 3);
      for (let f = 0; f < flips; f++) damaged[14 + Math.floor(r() * (good.length - 14))] ^= 1 << Math.floor(r() * 8);
      try {
        const out = unlzma(damaged, data.length);
        assert.equal(out.length, data.length);
      } catch (e) {
        assert.ok(e instanceof LzmaError, `round ${round}: ${e}`);
      }
    }
  }
});
