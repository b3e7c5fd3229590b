// setpoll/crypto-web: SET signature arithmetic on WebCrypto (crypto.subtle),
// asynchronous: browsers, Deno, Bun, workers (and Node's globalThis.crypto).
// The core (wasm) validates and selects every key and makes every decision;
// this module only verifies and signs bytes.

const subtle = globalThis.crypto?.subtle;

// Per algorithm: WebCrypto's import and operation parameters. ECDSA gives and
// takes IEEE P1363 (r || s, 64 bytes for P-256), as JWS uses; PS256 is
// RSA-PSS with SHA-256 (MGF1-SHA-256) and a 32-byte salt (RFC 7518 §3.5).
const PARAMS = {
  ES256: { key: { name: "ECDSA", namedCurve: "P-256" }, op: { name: "ECDSA", hash: "SHA-256" }, kty: "EC" },
  PS256: { key: { name: "RSA-PSS", hash: "SHA-256" }, op: { name: "RSA-PSS", saltLength: 32 }, kty: "RSA" },
  RS256: { key: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, op: { name: "RSASSA-PKCS1-v1_5" }, kty: "RSA" },
};

/** Whether this runtime has WebCrypto. */
export const available = subtle !== undefined;

function params(alg, jwk) {
  const p = PARAMS[alg];
  if (!p || jwk === null || typeof jwk !== "object" || jwk.kty !== p.kty) throw new TypeError(`no ${alg} key`);
  return p;
}

/** A public JWK (its public members only) imported for `alg`. */
export function importPublic(alg, jwk) {
  const p = params(alg, jwk);
  const pub = jwk.kty === "EC" ? { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: jwk.kty, n: jwk.n, e: jwk.e };
  return subtle.importKey("jwk", pub, p.key, false, ["verify"]);
}

/** A private JWK imported for `alg`, non-extractable. */
export function importPrivate(alg, jwk) {
  const p = params(alg, jwk);
  const { kty, crv, x, y, d, n, e, p: p1, q, dp, dq, qi } = jwk;
  const priv = kty === "EC" ? { kty, crv, x, y, d } : { kty, n, e, d, p: p1, q, dp, dq, qi };
  return subtle.importKey("jwk", priv, p.key, false, ["sign"]);
}

/**
 * Verify `signature` over `signingInput` with the public `jwk` under `alg`
 * ("ES256" | "PS256" | "RS256"). A malformed key or signature gives false.
 * @param {{alg: string, jwk: object, signingInput: Uint8Array, signature: Uint8Array}} args
 * @returns {Promise<boolean>}
 */
export async function verifyRaw({ alg, jwk, signingInput, signature }) {
  try {
    const key = await importPublic(alg, jwk);
    return await subtle.verify(PARAMS[alg].op, key, signature, signingInput);
  } catch {
    return false;
  }
}

/**
 * Sign `signingInput` with a private CryptoKey under `alg` (ES256: 64-byte r || s).
 * @returns {Promise<Uint8Array>}
 */
export async function signRaw({ alg, key, signingInput }) {
  const p = PARAMS[alg];
  if (!p) throw new TypeError(`unsupported alg ${alg}`);
  return new Uint8Array(await subtle.sign(p.op, key, signingInput));
}

// The provider the wasm core calls (installPlatformCrypto). WebCrypto cannot
// answer synchronously, so verify() only returns verdicts computed ahead by
// the async calls (remember()); anything else is `undefined`, and the core
// then uses its own code. Verdicts are bound to the exact key, algorithm,
// signing input and signature.
const latin1 = new TextDecoder("latin1");
const handles = new Map();
const verdicts = new Map();
let next = 0;
const verdictKey = (alg, jwk, message, signature) =>
  `${alg}\n${jwk}\n${latin1.decode(message)}\n${latin1.decode(signature)}`;

/** Record a verdict for the core's next synchronous check of the same bytes. */
export function remember(alg, jwkJson, message, signature, verdict) {
  verdicts.set(verdictKey(alg, jwkJson, message, signature), verdict);
}
/** The CryptoKey behind a provider handle (imported on first use), or undefined. */
export function keyForHandle(handle) {
  const k = handles.get(handle);
  if (k === undefined) return undefined;
  if (k.key === undefined) {
    k.key = importPublic(k.alg, JSON.parse(k.jwk));
    k.key.then((key) => (k.key = key), () => (k.key = undefined)); // later calls get the CryptoKey itself
  }
  return k.key;
}

/** The algorithm a provider handle was imported for, or undefined. */
export function algForHandle(handle) {
  return handles.get(handle)?.alg;
}

/**
 * WebCrypto's verify on a CryptoKey (or a promise of one): a promise of the
 * verdict, false for anything it refuses (never a rejection).
 */
export function verifyKey(alg, key, signingInput, signature) {
  try {
    const run = (k) => subtle.verify(PARAMS[alg].op, k, signature, signingInput);
    return (key instanceof Promise ? key.then(run) : run(key)).catch(() => false);
  } catch {
    return Promise.resolve(false);
  }
}
/** Forget every recorded verdict. */
export function forget() {
  verdicts.clear();
}

export const provider = {
  importPublic(alg, jwk) {
    const handle = next++;
    handles.set(handle, { alg, jwk });
    return handle;
  },
  importPrivate: () => -1, // WebCrypto cannot sign synchronously
  verify(handle, message, signature) {
    if (verdicts.size === 0) return undefined;
    const k = handles.get(handle);
    return k === undefined ? undefined : verdicts.get(verdictKey(k.alg, k.jwk, message, signature));
  },
  sign: () => undefined,
  release(handle) {
    handles.delete(handle);
  },
  size: () => handles.size,
};

export const synchronous = false;
