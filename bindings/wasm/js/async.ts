// What both entries (node.ts, web.ts) share: the async forms' declarations
// on Receiver and the policy cache of verifySetAsync.
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
