// setpoll/crypto-node: SET signature arithmetic on node:crypto (OpenSSL),
// synchronous. The core (wasm) validates and selects every key and makes
// every decision; this module only verifies and signs bytes.
"use strict";
const crypto = require("node:crypto");

const { RSA_PKCS1_PSS_PADDING, RSA_PKCS1_PADDING } = crypto.constants;

// Per algorithm: the node:crypto options around a KeyObject. ES256 signatures
// are IEEE P1363 (r || s, 64 bytes) as JWS uses; PS256 is RSA-PSS with
// SHA-256, MGF1-SHA-256 and a 32-byte salt, exactly (RFC 7518 §3.5).
const OPTIONS = {
  ES256: (key) => ({ key, dsaEncoding: "ieee-p1363" }),
  PS256: (key) => ({ key, padding: RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
  RS256: (key) => ({ key, padding: RSA_PKCS1_PADDING }),
};
const KTY = { ES256: "EC", PS256: "RSA", RS256: "RSA" };

/** Only the public members of a JWK, so `use`, `alg` or `key_ops` never get in the way. */
function publicMembers(jwk) {
  return jwk.kty === "EC" ? { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: jwk.kty, n: jwk.n, e: jwk.e };
}

function publicKey(alg, jwk) {
  if (!OPTIONS[alg] || jwk === null || typeof jwk !== "object" || jwk.kty !== KTY[alg]) {
    throw new TypeError(`no ${alg} public key`);
  }
  return crypto.createPublicKey({ key: publicMembers(jwk), format: "jwk" });
}

function verifyWith(alg, key, message, signature) {
  try {
    return crypto.verify("sha256", message, OPTIONS[alg](key), signature);
  } catch {
    return false; // a malformed signature is one that does not verify
  }
}

/**
 * Verify `signature` over `signingInput` with the public `jwk` under `alg`
 * ("ES256" | "PS256" | "RS256"). A malformed key or signature gives false.
 * @param {{alg: string, jwk: object, signingInput: Uint8Array, signature: Uint8Array}} args
 * @returns {boolean}
 */
function verifyRaw({ alg, jwk, signingInput, signature }) {
  let key;
  try {
    key = publicKey(alg, jwk);
  } catch {
    return false;
  }
  return verifyWith(alg, key, signingInput, signature);
}

/**
 * Sign `signingInput` with a private KeyObject under `alg` (ES256: 64-byte r || s).
 * @returns {Uint8Array}
 */
function signRaw({ alg, key, signingInput }) {
  const options = OPTIONS[alg];
  if (!options) throw new TypeError(`unsupported alg ${alg}`);
  return new Uint8Array(crypto.sign("sha256", signingInput, options(key)));
}

/** A private JWK imported into node:crypto (a KeyObject). */
function privateKey(alg, jwk) {
  if (!OPTIONS[alg] || jwk === null || typeof jwk !== "object" || jwk.kty !== KTY[alg]) {
    throw new TypeError(`no ${alg} private key`);
  }
  return crypto.createPrivateKey({ key: jwk, format: "jwk" });
}

// The provider the wasm core calls (installPlatformCrypto): keys are
// imported once per prepared key and live in this table under a handle.
const keys = new Map();
let next = 0;
const counts = { verify: 0, sign: 0 };
function keep(alg, key) {
  const handle = next++;
  keys.set(handle, { alg, key });
  return handle;
}
const provider = {
  importPublic: (alg, jwk) => keep(alg, publicKey(alg, JSON.parse(jwk))),
  importPrivate: (alg, jwk) => keep(alg, privateKey(alg, JSON.parse(jwk))),
  verify(handle, message, signature) {
    const k = keys.get(handle);
    counts.verify++;
    return k === undefined ? false : verifyWith(k.alg, k.key, message, signature);
  },
  sign(handle, message) {
    const k = keys.get(handle);
    if (k === undefined) throw new Error("unknown key handle");
    counts.sign++;
    return signRaw({ alg: k.alg, key: k.key, signingInput: message });
  },
  release(handle) {
    keys.delete(handle);
  },
  /** How many keys are imported, and calls made (for tests). */
  size: () => keys.size,
  counts: () => ({ ...counts }),
};

module.exports = { verifyRaw, signRaw, publicKey, privateKey, provider, synchronous: true };
