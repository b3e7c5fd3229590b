import type { KeyObject } from "node:crypto";
import type { VerifyRawArgs } from "./crypto.js";
export type { VerifyRawArgs } from "./crypto.js";
/** Verify on node:crypto; false for a bad signature or a malformed key or signature. */
export declare function verifyRaw(args: VerifyRawArgs): boolean;
/** Sign on node:crypto (ES256: 64-byte r || s). */
export declare function signRaw(args: { alg: string; key: KeyObject; signingInput: Uint8Array }): Uint8Array;
export declare function publicKey(alg: string, jwk: object): KeyObject;
export declare function privateKey(alg: string, jwk: object): KeyObject;
export declare const synchronous: true;
