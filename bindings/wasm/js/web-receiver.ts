// The default browser entry of `setpoll` (also workers and bundlers): the
// receiver's side of the wasm core (the TPP's: polling, verification, keys,
// the wire format), with signatures on WebCrypto. WebCrypto is
// asynchronous, so the crypto-bearing calls have async forms: verifySetAsync
// and Receiver#handleResponseAsync. The builds web-receiver/ (this file as
// the entry) and web/ (web.ts, which adds the ASPSP side: the transmitter
// and SET signing) have no pure-Rust P-256/RSA code, so there the core
// refuses the synchronous forms with a typed error (ArgumentError
// `async_only`; key generation and PEM import: `backend_unavailable`);
// web-portable/ keeps that code and the synchronous forms use it.
import wasmInit, * as setpoll from "./setpoll.js";
import type {
  InitInput,
  InitOutput,
  Keyring,
  PreparedSet,
  ReceiverBatch,
  SyncInitInput,
  VerifiedSet,
  VerifyPolicy,
} from "./setpoll.js";
import * as web from "./crypto-web.js";
import { bodyForm, policyOf, type PlatformCrypto, type PolicyArg } from "./async.js";

export * from "./setpoll.js";
export type { PlatformCrypto, PolicyArg } from "./async.js";

/** Which crypto the async calls use. */
export const platformCrypto: PlatformCrypto = web.available ? "webcrypto" : "portable";

function install(): void {
  if (web.available) setpoll.installPlatformCrypto(web.provider);
}

let ready: Promise<InitOutput> | undefined;

/** Load the module once (later calls return the same promise) and install WebCrypto. */
export default function init(
  input?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,
): Promise<InitOutput> {
  ready ??= wasmInit(input).then((out) => {
    install();
    return out;
  });
  return ready;
}

/** Load the module synchronously from its bytes and install WebCrypto. */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput {
  const out = setpoll.initSync(module);
  install();
  return out;
}

// Public keys imported into WebCrypto, by algorithm and public JWK (bounded).
const publicKeys = new Map<string, Promise<CryptoKey>>();
function publicKey(alg: string, jwkJson: string): Promise<CryptoKey> {
  const id = `${alg} ${jwkJson}`;
  let key = publicKeys.get(id);
  if (key === undefined) {
    if (publicKeys.size >= 256) publicKeys.clear();
    key = web.importPublic(alg, JSON.parse(jwkJson));
    key.catch(() => publicKeys.delete(id));
    publicKeys.set(id, key);
  }
  return key;
}

// The platform's verdict on a prepared SET, a promise of a boolean (false
// for anything it refuses): the keyring's own key, imported once (by handle),
// else the key's JWK. A signature of the wrong length needs no check here:
// the core refuses it whatever the verdict.
function verdict(p: PreparedSet): Promise<boolean> {
  const h = p.keyHandle;
  const alg = (h !== undefined && web.algForHandle(h)) || p.alg;
  const key = (h !== undefined && web.keyForHandle(h)) || publicKey(alg, p.publicJwk);
  return web.verifyKey(alg, key, p.signingInput, p.signature);
}

// verifySetAsync's token bytes: one buffer, reused (a fresh ArrayBuffer per
// token costs more than encoding it). Its contents only have to last until
// WebCrypto's verify returns, which copies them.
const utf8 = new TextEncoder();
let scratch = new Uint8Array(2048);

/** `token` as UTF-8 in `scratch`, or the string itself when very long (the core refuses it by size). */
function tokenBytes(token: string): Uint8Array | string {
  if (token.length > 1 << 20) return token;
  if (token.length * 3 > scratch.length) scratch = new Uint8Array(Math.max(token.length * 3, scratch.length * 2));
  return scratch.subarray(0, utf8.encodeInto(token, scratch).written);
}

// WebCrypto's answer on a SET prepared from `bytes` (tokenBytes' of
// `token`), which may reject. With the keyring's own CryptoKey at hand and
// an ASCII token (every compact JWS is; one byte per character), the
// signing input is the bytes up to the last "." (what the core checked),
// found in the string (a typed array's lastIndexOf is many times slower),
// and no copy is made; otherwise the core's copies.
function start(p: PreparedSet, token: string, bytes: Uint8Array | string): Promise<boolean> {
  const h = p.keyHandle;
  const alg = h !== undefined ? web.algForHandle(h) : undefined;
  const key = h !== undefined ? web.keyForHandle(h) : undefined;
  const dot = typeof bytes !== "string" && bytes.length === token.length ? token.lastIndexOf(".") : -1;
  if (alg === undefined || key === undefined || key instanceof Promise || dot < 0) return verdict(p);
  return web.verifyNow(alg, key, (bytes as Uint8Array).subarray(0, dot), p.signature);
}

/**
 * verifySet with the signature checked by WebCrypto: the core prepares
 * (limits, parsing, header, algorithm, key selection), WebCrypto verifies,
 * the core finishes (claims, policy). Rejects with a VerifyError.
 *
 * `policy` objects are read once, when first used (converting one costs
 * more than the rest of the core's work): pass a new object, or a
 * `compilePolicy()` result, to change the policy.
 */
export function verifySetAsync(token: string, keyring: Keyring, policy: PolicyArg, nowMs: number): Promise<VerifiedSet> {
  if (!web.available) return new Promise((resolve) => resolve(setpoll.verifySetWith(token, keyring, policyOf(policy), nowMs)));
  let p: PreparedSet | undefined;
  let pending: Promise<boolean>;
  try {
    // The token as UTF-8 bytes: they cross into wasm as one native copy
    // (a string crosses one character at a time, the largest cost here).
    const bytes = typeof token === "string" ? tokenBytes(token) : token;
    p = setpoll.prepareSetWith(bytes, keyring, policyOf(policy));
    // WebCrypto verifies (on its own thread where the browser has one):
    // start it, check the claims meanwhile, then settle with its verdict
    // (finishSet's outcome either way; a refusal is a false verdict).
    pending = typeof token === "string" ? start(p, token, bytes) : verdict(p);
    p.checkAhead(nowMs);
  } catch (e) {
    p?.free();
    return Promise.reject(e);
  }
  const prepared = p;
  const settle = (ok: boolean): VerifiedSet => {
    try {
      return prepared.settle(ok);
    } finally {
      prepared.free();
    }
  };
  return pending.then(settle, () => settle(false));
}

// Keyrings for receivers' key sets, by JWK Set text (one per receiver).
const rings = new WeakMap<setpoll.Receiver, { jwks: string; ring: Keyring }>();
function ringOf(rx: setpoll.Receiver): Keyring {
  const jwks = rx.config().jwksJson;
  let r = rings.get(rx);
  if (r === undefined || r.jwks !== jwks) {
    r = { jwks, ring: setpoll.Keyring.fromJwks(jwks) };
    rings.set(rx, r);
  }
  return r.ring;
}

// Prepare only: the receiver applies its own policy when it finishes.
let anyPolicy: setpoll.CompiledPolicy | undefined;
const ANY: VerifyPolicy = {
  issuer: undefined,
  audience: undefined,
  algorithms: ["ES256", "PS256", "RS256"],
  acceptJwtTyp: true,
  requireTyp: false,
};

/** The wasm method handleResponseAsync ends with (not declared: not for direct use). */
interface Verified {
  handleResponseVerified(id: number, status: number, body: string | Uint8Array, nowMs: number, retryAfter?: string): ReceiverBatch;
}

// (Typed by the declaration in async.ts.)
setpoll.Receiver.prototype.handleResponseAsync = async function (this: setpoll.Receiver, id, status, body, nowMs, retryAfter) {
  // Without WebCrypto (or for anything but a 200 with a text body) there
  // is nothing to verify ahead: handleResponse decides (and, in web/,
  // refuses a 200 as async_only).
  if (!web.available || status !== 200 || typeof body !== "string") {
    return this.handleResponse(id, status, body, nowMs, retryAfter);
  }
  const raw = bodyForm(body); // for both calls into wasm below
  let sets: { token: string }[] = [];
  try {
    sets = (typeof raw === "string" ? setpoll.parseResponse(raw) : setpoll.parseResponseBytes(raw)).sets;
  } catch {
    // the receiver reports the bad body itself
  }
  let ring: Keyring | undefined;
  try {
    ring = sets.length > 0 ? ringOf(this) : undefined;
  } catch {
    sets = []; // no usable key set: the receiver decides without verdicts
  }
  anyPolicy ??= setpoll.compilePolicy(ANY);
  const policy = anyPolicy;
  await Promise.all(
    sets.map(async ({ token }) => {
      let p: PreparedSet;
      try {
        p = setpoll.prepareSetWith(tokenBytes(token), ring!, policy); // copied by the core at once
      } catch {
        return; // refused before the signature: the receiver says why
      }
      const ok = await verdict(p);
      web.remember(p.alg, p.publicJwk, p.signingInput, p.signature, ok);
      p.free();
    }),
  );
  try {
    return (this as unknown as Verified).handleResponseVerified(id, status, raw, nowMs, retryAfter);
  } finally {
    web.forget();
  }
};
