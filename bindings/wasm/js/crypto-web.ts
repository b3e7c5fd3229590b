// setpoll/crypto-web: SET signature arithmetic on WebCrypto (crypto.subtle),
// asynchronous: browsers, Deno, Bun, workers (and Node's globalThis.crypto).
// The core (wasm) validates and selects every key and makes every decision;
// this module only verifies and signs bytes.
import { jwkOf, publicMembers, type VerifyRawArgs } from "./crypto.js";
import type { PlatformProvider } from "./setpoll.js";

export type { VerifyRawArgs } from "./crypto.js";

const subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle;

interface Params {
  key: RsaHashedImportParams | EcKeyImportParams;
  op: RsaPssParams | EcdsaParams | Algorithm;
  kty: string;
}

// Per algorithm: WebCrypto's import and operation parameters. ECDSA gives and
// takes IEEE P1363 (r || s, 64 bytes for P-256), as JWS uses; PS256 is
// RSA-PSS with SHA-256 (MGF1-SHA-256) and a 32-byte salt (RFC 7518 §3.5).
const PARAMS: Record<string, Params | undefined> = {
  ES256: { key: { name: "ECDSA", namedCurve: "P-256" }, op: { name: "ECDSA", hash: "SHA-256" }, kty: "EC" },
  PS256: { key: { name: "RSA-PSS", hash: "SHA-256" }, op: { name: "RSA-PSS", saltLength: 32 }, kty: "RSA" },
  RS256: { key: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, op: { name: "RSASSA-PKCS1-v1_5" }, kty: "RSA" },
};

/** Whether this runtime has WebCrypto. */
export const available: boolean = subtle !== undefined;

function checked(alg: string, jwk: unknown): [Params, JsonWebKey] {
  const p = PARAMS[alg];
  const k = p && subtle && jwkOf(jwk, p.kty);
  if (!p || !k) throw new TypeError(`no ${alg} key`);
  return [p, k as JsonWebKey];
}

/** A public JWK (its public members only) imported for `alg`. */
export function importPublic(alg: string, jwk: object): Promise<CryptoKey> {
  const [p, k] = checked(alg, jwk);
  return subtle!.importKey("jwk", publicMembers(k) as JsonWebKey, p.key, false, ["verify"]);
}

/** A private JWK imported for `alg`, non-extractable. */
export function importPrivate(alg: string, jwk: object): Promise<CryptoKey> {
  const [p, k] = checked(alg, jwk);
  const { kty, crv, x, y, d, n, e, p: p1, q, dp, dq, qi } = k;
  const priv = kty === "EC" ? { kty, crv, x, y, d } : { kty, n, e, d, p: p1, q, dp, dq, qi };
  return subtle!.importKey("jwk", priv, p.key, false, ["sign"]);
}

/**
 * Verify `signature` over `signingInput` with the public `jwk` under `alg`
 * ("ES256" | "PS256" | "RS256"). A malformed key or signature gives false.
 */
export async function verifyRaw({ alg, jwk, signingInput, signature }: VerifyRawArgs): Promise<boolean> {
  try {
    const key = await importPublic(alg, jwk);
    return await subtle!.verify(PARAMS[alg]!.op, key, signature as BufferSource, signingInput as BufferSource);
  } catch {
    return false;
  }
}

/** Sign `signingInput` with a private CryptoKey under `alg` (ES256: 64-byte r || s). */
export async function signRaw({ alg, key, signingInput }: { alg: string; key: CryptoKey; signingInput: Uint8Array }): Promise<Uint8Array> {
  const p = PARAMS[alg];
  if (!p || !subtle) throw new TypeError(`unsupported alg ${alg}`);
  return new Uint8Array(await subtle.sign(p.op, key, signingInput as BufferSource));
}

// The provider the wasm core calls (installPlatformCrypto). WebCrypto cannot
// answer synchronously, so verify() only returns verdicts computed ahead by
// the async calls (remember()); anything else is `undefined`, and the core
// then uses its own code. Verdicts are bound to the exact key, algorithm,
// signing input and signature.
interface Handle {
  alg: string;
  jwk: string;
  /** The CryptoKey once imported; a promise of it while importing. */
  key?: CryptoKey | Promise<CryptoKey>;
}
const latin1 = new TextDecoder("latin1");
const handles = new Map<number, Handle>();
const verdicts = new Map<string, boolean>();
let next = 0;
const verdictKey = (alg: string, jwk: string, message: Uint8Array, signature: Uint8Array): string =>
  `${alg}\n${jwk}\n${latin1.decode(message)}\n${latin1.decode(signature)}`;

/** Record a verdict for the core's next synchronous check of the same bytes. */
export function remember(alg: string, jwkJson: string, message: Uint8Array, signature: Uint8Array, verdict: boolean): void {
  verdicts.set(verdictKey(alg, jwkJson, message, signature), verdict);
}

/** The CryptoKey behind a provider handle (imported on first use), or undefined. */
export function keyForHandle(handle: number): CryptoKey | Promise<CryptoKey> | undefined {
  const k = handles.get(handle);
  if (k === undefined) return undefined;
  if (k.key === undefined) {
    const importing = importPublic(k.alg, JSON.parse(k.jwk));
    k.key = importing;
    importing.then(
      (key) => (k.key = key), // later calls get the CryptoKey itself
      () => (k.key = undefined),
    );
  }
  return k.key;
}

/** The algorithm a provider handle was imported for, or undefined. */
export function algForHandle(handle: number): string | undefined {
  return handles.get(handle)?.alg;
}

/**
 * WebCrypto's verify on a CryptoKey (or a promise of one): a promise of the
 * verdict, false for anything it refuses (never a rejection).
 */
export function verifyKey(alg: string, key: CryptoKey | Promise<CryptoKey>, signingInput: Uint8Array, signature: Uint8Array): Promise<boolean> {
  try {
    const op = PARAMS[alg]!.op;
    const run = (k: CryptoKey) => subtle!.verify(op, k, signature as BufferSource, signingInput as BufferSource);
    return (key instanceof Promise ? key.then(run) : run(key)).catch(() => false);
  } catch {
    return Promise.resolve(false);
  }
}

/**
 * WebCrypto's verify on a CryptoKey, as it answers: a promise of the
 * verdict that rejects for what it refuses (verifyKey's, without the
 * catch). WebCrypto copies the bytes before it returns.
 */
export function verifyNow(alg: string, key: CryptoKey, signingInput: Uint8Array, signature: Uint8Array): Promise<boolean> {
  return subtle!.verify(PARAMS[alg]!.op, key, signature as BufferSource, signingInput as BufferSource);
}

/** Forget every recorded verdict. */
export function forget(): void {
  verdicts.clear();
}

/** The provider `setpoll/web` installs, with a key count for tests. */
export const provider: PlatformProvider & {
  /** How many keys have handles. */
  size(): number;
} = {
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

/** WebCrypto answers asynchronously. */
export const synchronous = false;
