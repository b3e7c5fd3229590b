// The Node entry of `setpoll`: the wasm core with signatures on node:crypto
// (OpenSSL), synchronous. The async forms exist so that code written for
// browsers (verifySetAsync, signSetAsync, Receiver#handleResponseAsync) runs
// unchanged. (Compiled to CommonJS whose `exports.x =` and `__exportStar`
// lines Node's ESM loader reads, so every named export imports.)
import { provider } from "./crypto-node.js";
import {
  installPlatformCrypto,
  Receiver,
  signSet,
  verifySetWith,
  type HeaderProfile,
  type Keyring,
  type SetClaims,
  type SigningKey,
  type VerifiedSet,
} from "./setpoll.js";
import { policyOf, type PlatformCrypto, type PolicyArg } from "./async.js";

export * from "./setpoll.js";
export type { PlatformCrypto, PolicyArg } from "./async.js";

installPlatformCrypto(provider);

/**
 * verifySet as a promise (node:crypto verifies synchronously); rejects with
 * a VerifyError. `policy` objects are read once, when first used: pass a new
 * object, or a `compilePolicy()` result, to change the policy.
 */
export async function verifySetAsync(token: string, keyring: Keyring, policy: PolicyArg, nowMs: number): Promise<VerifiedSet> {
  return verifySetWith(token, keyring, policyOf(policy), nowMs);
}

/** signSet as a promise (node:crypto signs synchronously); rejects with a SignError. */
export async function signSetAsync(claims: SetClaims, key: SigningKey, nowMs: number, profile: HeaderProfile): Promise<string> {
  return signSet(claims, key, nowMs, profile);
}

/** The crypto the package uses here: node:crypto. */
export const platformCrypto: PlatformCrypto = "node:crypto";

// (Typed by the declaration in async.ts.)
Receiver.prototype.handleResponseAsync = async function (this: Receiver, id, status, body, nowMs, retryAfter) {
  return this.handleResponse(id, status, body, nowMs, retryAfter);
};

// Receiver#handleResponse with a string body crosses as UTF-8 bytes:
// wasm-bindgen copies a string argument into wasm one character at a time
// in JavaScript, while TextEncoder encodes natively (a 200 KB body: about
// half the time of the whole call). Both forms end in the same host call,
// so the outcome is the same (a lone surrogate is U+FFFD either way). A
// body longer than a third of the argument limit (16 Mi) keeps the string
// form: its UTF-8 could pass that limit, which the string form measures in
// UTF-16 units, so the byte form could refuse what the string form reads.
const utf8 = new TextEncoder();
const BYTES_FORM_MAX = (16 << 20) / 3;
const handleText = Receiver.prototype.handleResponse;
Receiver.prototype.handleResponse = function (this: Receiver, id, status, body, nowMs, retryAfter) {
  if (typeof body === "string" && body.length <= BYTES_FORM_MAX) {
    return this.handleResponseBytes(id, status, utf8.encode(body), nowMs, retryAfter);
  }
  return handleText.call(this, id, status, body, nowMs, retryAfter);
};
