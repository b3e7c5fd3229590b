// setpoll/crypto-node: SET signature arithmetic on node:crypto (OpenSSL),
// synchronous. The core (wasm) validates and selects every key and makes
// every decision; this module only verifies and signs bytes.
import * as crypto from "node:crypto";
import type { KeyObject } from "node:crypto";
import { jwkOf, publicMembers, type VerifyRawArgs } from "./crypto.js";
import type { PlatformProvider } from "./setpoll.js";

export type { VerifyRawArgs } from "./crypto.js";

const { RSA_PKCS1_PSS_PADDING, RSA_PKCS1_PADDING } = crypto.constants;

// Per algorithm: the node:crypto options around a KeyObject. ES256 signatures
// are IEEE P1363 (r || s, 64 bytes) as JWS uses; PS256 is RSA-PSS with
// SHA-256, MGF1-SHA-256 and a 32-byte salt, exactly (RFC 7518 §3.5).
type Options = (key: KeyObject) => crypto.SignKeyObjectInput & crypto.VerifyKeyObjectInput;
const OPTIONS: Record<string, Options | undefined> = {
  ES256: (key) => ({ key, dsaEncoding: "ieee-p1363" }),
  PS256: (key) => ({ key, padding: RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
  RS256: (key) => ({ key, padding: RSA_PKCS1_PADDING }),
};
const KTY: Record<string, string | undefined> = { ES256: "EC", PS256: "RSA", RS256: "RSA" };

/** A public JWK (its public members only) imported into node:crypto for `alg`. */
export function publicKey(alg: string, jwk: object): KeyObject {
  const k = OPTIONS[alg] && jwkOf(jwk, KTY[alg]);
  if (!k) throw new TypeError(`no ${alg} public key`);
  return crypto.createPublicKey({ key: publicMembers(k) as crypto.JsonWebKey, format: "jwk" });
}

/** A private JWK imported into node:crypto (a KeyObject). */
export function privateKey(alg: string, jwk: object): KeyObject {
  const k = OPTIONS[alg] && jwkOf(jwk, KTY[alg]);
  if (!k) throw new TypeError(`no ${alg} private key`);
  return crypto.createPrivateKey({ key: k as crypto.JsonWebKey, format: "jwk" });
}

function verifyWith(options: Options, key: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return crypto.verify("sha256", message, options(key), signature);
  } catch {
    return false; // a malformed signature is one that does not verify
  }
}

/**
 * Verify `signature` over `signingInput` with the public `jwk` under `alg`
 * ("ES256" | "PS256" | "RS256"). A malformed key or signature gives false.
 */
export function verifyRaw({ alg, jwk, signingInput, signature }: VerifyRawArgs): boolean {
  const options = OPTIONS[alg];
  let key: KeyObject;
  try {
    key = publicKey(alg, jwk);
  } catch {
    return false;
  }
  return options !== undefined && verifyWith(options, key, signingInput, signature);
}

/** Sign `signingInput` with a private KeyObject under `alg` (ES256: 64-byte r || s). */
export function signRaw({ alg, key, signingInput }: { alg: string; key: KeyObject; signingInput: Uint8Array }): Uint8Array {
  const options = OPTIONS[alg];
  if (!options) throw new TypeError(`unsupported alg ${alg}`);
  return new Uint8Array(crypto.sign("sha256", signingInput, options(key)));
}

// The provider the wasm core calls (installPlatformCrypto): keys are
// imported once per prepared key and live in this table under a handle.
const keys = new Map<number, { alg: string; key: KeyObject; options: Options }>();
let next = 0;
const counts = { verify: 0, sign: 0 };
function keep(alg: string, key: KeyObject): number {
  const options = OPTIONS[alg];
  if (!options) throw new TypeError(`unsupported alg ${alg}`);
  const handle = next++;
  keys.set(handle, { alg, key, options });
  return handle;
}

/** The provider `setpoll/node` installs, with two counters for tests. */
export const provider: PlatformProvider & {
  /** How many keys are imported. */
  size(): number;
  /** Calls made so far. */
  counts(): { verify: number; sign: number };
} = {
  importPublic: (alg, jwk) => keep(alg, publicKey(alg, JSON.parse(jwk))),
  importPrivate: (alg, jwk) => keep(alg, privateKey(alg, JSON.parse(jwk))),
  verify(handle, message, signature) {
    const k = keys.get(handle);
    counts.verify++;
    return k === undefined ? false : verifyWith(k.options, k.key, message, signature);
  },
  sign(handle, message) {
    const k = keys.get(handle);
    if (k === undefined) throw new Error("unknown key handle");
    counts.sign++;
    return new Uint8Array(crypto.sign("sha256", message, k.options(k.key)));
  },
  release(handle) {
    keys.delete(handle);
  },
  size: () => keys.size,
  counts: () => ({ ...counts }),
};

/** node:crypto answers synchronously. */
export const synchronous = true;
