// A synchronous LZMA decoder for the "alone" (.lzma) format: what the
// ready-on-import entries (inline.js) unpack their inlined .wasm with.
// base64 of the raw .wasm gzips to 1.4x the .wasm's own gzipped size; base64
// of its LZMA stream gzips to about 0.8x, so the default browser entry is
// downloaded in 60% of the bytes it took before. Written from the format's
// description (a range coder over adaptive binary probabilities, literals,
// matches and four repeated distances); it decodes into one buffer of the
// size the caller expects and refuses anything else with an Error.

/** A stream that is not a well-formed LZMA stream of the expected size. */
export class LzmaError extends Error {
  constructor(detail: string) {
    super(`inlined .wasm: ${detail}`);
    this.name = "LzmaError";
  }
}

const PROB_INIT = 1024; // half of 2^11: "either bit equally likely"
const STATES = 12;
const POS_STATES_MAX = 16;
const END_POS_MODEL = 14;
const FULL_DISTANCES = 128;
const HEADER = 13; // properties (1), dictionary size (4), unpacked size (8)

/** Range decoder over `input` from `pos`. */
class Ranges {
  private range = 0xffffffff;
  private code = 0;
  private pos: number;
  constructor(
    private readonly input: Uint8Array,
    start: number,
  ) {
    if (input[start] !== 0) throw new LzmaError("the range coder's first byte is not 0");
    this.pos = start + 1;
    for (let i = 0; i < 4; i++) this.code = ((this.code << 8) | this.byte()) >>> 0;
    if (this.code === this.range) throw new LzmaError("corrupt range coder start");
  }

  private byte(): number {
    if (this.pos >= this.input.length) throw new LzmaError("stream ends early");
    return this.input[this.pos++]!;
  }

  private normalize(): void {
    if (this.range < 0x1000000) {
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.byte()) >>> 0;
    }
  }

  /** One bit under the adaptive probability `probs[i]` (updated). */
  bit(probs: Uint16Array, i: number): number {
    const p = probs[i]!;
    const bound = (this.range >>> 11) * p;
    let b: number;
    if (this.code < bound) {
      this.range = bound;
      probs[i] = p + ((2048 - p) >>> 5);
      b = 0;
    } else {
      this.range -= bound;
      this.code -= bound;
      probs[i] = p - (p >>> 5);
      b = 1;
    }
    this.normalize();
    return b;
  }

  /** `count` bits of equal probability, most significant first. */
  direct(count: number): number {
    let res = 0;
    for (let i = 0; i < count; i++) {
      this.range >>>= 1;
      let b = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        b = 1;
      }
      this.normalize();
      res = res * 2 + b;
    }
    return res;
  }

  /** A `bits`-bit number from the tree of probabilities `probs[base + 1 .. base + 2^bits]`. */
  tree(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    for (let i = 0; i < bits; i++) m = (m << 1) | this.bit(probs, base + m);
    return m - (1 << bits);
  }

  /** As `tree`, least significant bit first. */
  reverse(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    let res = 0;
    for (let i = 0; i < bits; i++) {
      const b = this.bit(probs, base + m);
      m = (m << 1) | b;
      res |= b << i;
    }
    return res;
  }
}

/** Match and repeat lengths: 0..271 (add 2 for the length in bytes). */
class Lengths {
  // choice, choice2, low (16 x 8), mid (16 x 8), high (256)
  private readonly probs = new Uint16Array(2 + 2 * POS_STATES_MAX * 8 + 256).fill(PROB_INIT);
  read(rc: Ranges, posState: number): number {
    const p = this.probs;
    if (rc.bit(p, 0) === 0) return rc.tree(p, 2 + posState * 8, 3);
    if (rc.bit(p, 1) === 0) return 8 + rc.tree(p, 2 + POS_STATES_MAX * 8 + posState * 8, 3);
    return 16 + rc.tree(p, 2 + 2 * POS_STATES_MAX * 8, 8);
  }
}

/**
 * Decode an LZMA "alone" stream (`lzma --format=alone`, Python's
 * `lzma.FORMAT_ALONE`) into exactly `size` bytes. The header's unpacked
 * size, when stated, must equal `size`; a stream that ends early, refers
 * back past its start or would outgrow `size` is an `LzmaError`.
 */
export function unlzma(input: Uint8Array, size: number): Uint8Array {
  if (input.length < HEADER + 5) throw new LzmaError("stream too short");
  let props = input[0]!;
  if (props >= 9 * 5 * 5) throw new LzmaError("bad properties byte");
  const lc = props % 9;
  props = (props / 9) | 0;
  const lp = props % 5;
  const pb = (props / 5) | 0;
  let stated = 0;
  let known = false;
  for (let i = 12; i >= 5; i--) {
    if (input[i] !== 0xff) known = true;
    stated = stated * 256 + input[i]!;
  }
  if (known && stated !== size) throw new LzmaError(`header states ${stated} bytes, expected ${size}`);

  const rc = new Ranges(input, HEADER);
  const out = new Uint8Array(size);
  const isMatch = new Uint16Array(STATES << 4).fill(PROB_INIT);
  const isRep = new Uint16Array(STATES).fill(PROB_INIT);
  const isRepG0 = new Uint16Array(STATES).fill(PROB_INIT);
  const isRepG1 = new Uint16Array(STATES).fill(PROB_INIT);
  const isRepG2 = new Uint16Array(STATES).fill(PROB_INIT);
  const isRep0Long = new Uint16Array(STATES << 4).fill(PROB_INIT);
  const literals = new Uint16Array(0x300 << (lc + lp)).fill(PROB_INIT);
  const slots = new Uint16Array(4 << 6).fill(PROB_INIT);
  const special = new Uint16Array(1 + FULL_DISTANCES - END_POS_MODEL).fill(PROB_INIT);
  const align = new Uint16Array(16).fill(PROB_INIT);
  const matchLen = new Lengths();
  const repLen = new Lengths();
  const pbMask = (1 << pb) - 1;
  const lpMask = (1 << lp) - 1;

  let state = 0;
  let rep0 = 0;
  let rep1 = 0;
  let rep2 = 0;
  let rep3 = 0;
  let pos = 0;
  while (pos < size) {
    const posState = pos & pbMask;
    if (rc.bit(isMatch, (state << 4) + posState) === 0) {
      const prev = pos > 0 ? out[pos - 1]! : 0;
      const base = 0x300 * (((pos & lpMask) << lc) + (prev >>> (8 - lc)));
      let symbol = 1;
      if (state >= 7) {
        // After a match: the byte at rep0 guides the first bits.
        if (rep0 >= pos) throw new LzmaError("distance past the start");
        let matchByte = out[pos - rep0 - 1]!;
        while (symbol < 0x100) {
          const matchBit = (matchByte >>> 7) & 1;
          matchByte <<= 1;
          const b = rc.bit(literals, base + ((1 + matchBit) << 8) + symbol);
          symbol = (symbol << 1) | b;
          if (b !== matchBit) break;
        }
      }
      while (symbol < 0x100) symbol = (symbol << 1) | rc.bit(literals, base + symbol);
      out[pos++] = symbol & 0xff;
      state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
      continue;
    }
    let len: number;
    if (rc.bit(isRep, state) === 0) {
      rep3 = rep2;
      rep2 = rep1;
      rep1 = rep0;
      len = matchLen.read(rc, posState);
      state = state < 7 ? 7 : 10;
      const slot = rc.tree(slots, (len < 3 ? len : 3) << 6, 6);
      if (slot < 4) {
        rep0 = slot;
      } else {
        const bits = (slot >>> 1) - 1;
        let dist = (2 | (slot & 1)) * 2 ** bits;
        if (slot < END_POS_MODEL) {
          dist += rc.reverse(special, dist - slot, bits);
        } else {
          dist += rc.direct(bits - 4) * 16;
          dist += rc.reverse(align, 0, 4);
        }
        if (dist === 0xffffffff) break; // end marker
        rep0 = dist;
      }
    } else {
      if (rc.bit(isRepG0, state) === 0) {
        if (rc.bit(isRep0Long, (state << 4) + posState) === 0) {
          // One byte from rep0.
          if (rep0 >= pos) throw new LzmaError("distance past the start");
          state = state < 7 ? 9 : 11;
          out[pos] = out[pos - rep0 - 1]!;
          pos++;
          continue;
        }
      } else {
        let dist: number;
        if (rc.bit(isRepG1, state) === 0) {
          dist = rep1;
        } else {
          if (rc.bit(isRepG2, state) === 0) {
            dist = rep2;
          } else {
            dist = rep3;
            rep3 = rep2;
          }
          rep2 = rep1;
        }
        rep1 = rep0;
        rep0 = dist;
      }
      len = repLen.read(rc, posState);
      state = state < 7 ? 8 : 11;
    }
    len += 2;
    if (rep0 >= pos) throw new LzmaError("distance past the start");
    if (pos + len > size) throw new LzmaError(`longer than the expected ${size} bytes`);
    for (let from = pos - rep0 - 1; len > 0; len--) out[pos++] = out[from++]!;
  }
  if (pos !== size) throw new LzmaError(`ended after ${pos} of ${size} bytes`);
  return out;
}
