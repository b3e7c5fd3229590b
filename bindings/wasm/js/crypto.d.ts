// setpoll/crypto-node (synchronous: boolean) and setpoll/crypto-web (Promise<boolean>).
export interface VerifyRawArgs {
  /** "ES256" | "PS256" | "RS256" */
  alg: string;
  /** A public JWK (EC P-256: kty, crv, x, y; RSA: kty, n, e). */
  jwk: object;
  signingInput: Uint8Array;
  /** ES256: the 64-byte IEEE P1363 r || s; RSA: modulus length. */
  signature: Uint8Array;
}
