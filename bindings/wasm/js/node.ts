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
import { bodyForm, policyOf, type PlatformCrypto, type PolicyArg } from "./async.js";

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

// Receiver#handleResponse with a string body crosses as UTF-8 bytes
// (bodyForm, async.ts).
const handleText = Receiver.prototype.handleResponse;
Receiver.prototype.handleResponse = function (this: Receiver, id, status, body, nowMs, retryAfter) {
  const form = typeof body === "string" ? bodyForm(body) : undefined;
  if (form instanceof Uint8Array) return this.handleResponseBytes(id, status, form, nowMs, retryAfter);
  return handleText.call(this, id, status, body, nowMs, retryAfter);
};
