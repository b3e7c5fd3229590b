// The async forms both entries export (node.d.ts and web.d.ts include this).
import type { HeaderProfile, Keyring, ReceiverBatch, SetClaims, SigningKey, VerifiedSet, VerifyPolicy } from "./setpoll.js";

/** verifySet with the signature checked by the platform's crypto; rejects with a VerifyError. */
export declare function verifySetAsync(token: string, keyring: Keyring, policy: VerifyPolicy, nowMs: number): Promise<VerifiedSet>;
/** signSet with the signature made by the platform's crypto; rejects with a SignError. */
export declare function signSetAsync(claims: SetClaims, key: SigningKey, nowMs: number, profile: HeaderProfile): Promise<string>;
/** The crypto the package uses: "node:crypto" (Node), "webcrypto" (browsers), "portable" (neither). */
export declare const platformCrypto: "node:crypto" | "webcrypto" | "portable";

declare module "./setpoll.js" {
  interface Receiver {
    /** handleResponse with every SET's signature checked by the platform's crypto first. */
    handleResponseAsync(id: number, status: number, body: string, nowMs: number, retryAfter?: string): Promise<ReceiverBatch>;
  }
}
