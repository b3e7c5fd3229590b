// What the entries (node.ts, web-receiver.ts and so web.ts) share: the async
// forms' declarations on Receiver, the policy cache of verifySetAsync, and
// the form a response body crosses into wasm in.
import { CompiledPolicy, compilePolicy, type VerifyPolicy } from "./setpoll.js";

// (Names inside resolve in ./setpoll.js, as ReceiverBatch does.)
declare module "./setpoll.js" {
  interface Receiver {
    /**
     * handleResponse with every SET's signature checked by the platform's
     * crypto first (node:crypto, WebCrypto): the same outcome, state and changes.
     */
    handleResponseAsync(id: number, status: number, body: string, nowMs: number, retryAfter?: string): Promise<ReceiverBatch>;
  }
}

/** The crypto the package uses: "node:crypto" (Node), "webcrypto" (browsers), "portable" (neither). */
export type PlatformCrypto = "node:crypto" | "webcrypto" | "portable";

/** What `verifySetAsync` takes as its policy: an object, or one `compilePolicy` made. */
export type PolicyArg = VerifyPolicy | CompiledPolicy;

// Policy objects are read once, when first used: converting one into the
// wasm heap costs more than the rest of a verification's own work. Pass a
// new object (or a new compilePolicy()) to change the policy.
const compiled = new WeakMap<object, CompiledPolicy>();

/**
 * The compiled form of `policy`: itself when it is a CompiledPolicy, else
 * the one made when this object was first seen. A bad policy throws what
 * `prepareSet` throws for it (TypeError, ArgumentError), and is not kept.
 */
export function policyOf(policy: PolicyArg): CompiledPolicy {
  if (policy instanceof CompiledPolicy) return policy;
  if (policy === null || typeof policy !== "object") return compilePolicy(policy);
  let c = compiled.get(policy);
  if (c === undefined) {
    c = compilePolicy(policy);
    compiled.set(policy, c);
  }
  return c;
}

// A string body crosses into wasm as UTF-8 bytes: wasm-bindgen copies a
// string argument one character at a time in JavaScript, while TextEncoder
// encodes natively (a 200 KB body: about half the time of a whole
// handleResponse). The string and byte forms end in the same host call, so
// the outcome is the same (a lone surrogate is U+FFFD either way). A body
// longer than a third of the argument limit (16 Mi) keeps the string form:
// its UTF-8 could pass that limit, which the string form measures in
// UTF-16 units, so the byte form could refuse what the string form reads.
const utf8 = new TextEncoder();
const BYTES_FORM_MAX = (16 << 20) / 3;

/** `body` as the form it should cross in: its UTF-8 bytes, or itself when very long. */
export function bodyForm(body: string): string | Uint8Array {
  return body.length <= BYTES_FORM_MAX ? utf8.encode(body) : body;
}
