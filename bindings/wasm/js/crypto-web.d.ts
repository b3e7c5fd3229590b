import type { VerifyRawArgs } from "./crypto.js";
export type { VerifyRawArgs } from "./crypto.js";
/** Whether this runtime has WebCrypto. */
export declare const available: boolean;
/** Verify on WebCrypto; false for a bad signature or a malformed key or signature. */
export declare function verifyRaw(args: VerifyRawArgs): Promise<boolean>;
/** Sign on WebCrypto (ES256: 64-byte r || s). */
export declare function signRaw(args: { alg: string; key: CryptoKey; signingInput: Uint8Array }): Promise<Uint8Array>;
export declare function importPublic(alg: string, jwk: object): Promise<CryptoKey>;
/** Non-extractable. */
export declare function importPrivate(alg: string, jwk: object): Promise<CryptoKey>;
export declare const synchronous: false;
