// The argument of `verifyRaw` in setpoll/crypto-node (synchronous: boolean)
// and setpoll/crypto-web (Promise<boolean>).

/** A raw signature check: `signature` over `signingInput` under the public `jwk`. */
export interface VerifyRawArgs {
  /** "ES256" | "PS256" | "RS256" */
  alg: string;
  /** A public JWK (EC P-256: kty, crv, x, y; RSA: kty, n, e). */
  jwk: object;
  signingInput: Uint8Array;
  /** ES256: the 64-byte IEEE P1363 r || s; RSA: modulus length. */
  signature: Uint8Array;
}

/** The members of a JWK the adapters read (public and private). */
export interface JwkFields {
  kty?: string;
  crv?: string;
  x?: string;
  y?: string;
  d?: string;
  n?: string;
  e?: string;
  p?: string;
  q?: string;
  dp?: string;
  dq?: string;
  qi?: string;
}

/** `jwk` as an object whose `kty` is `kty`, else undefined. */
export function jwkOf(jwk: unknown, kty: string | undefined): JwkFields | undefined {
  return jwk !== null && typeof jwk === "object" && (jwk as JwkFields).kty === kty ? (jwk as JwkFields) : undefined;
}

/** Only the public members of a JWK, so `use`, `alg` or `key_ops` never get in the way. */
export function publicMembers(jwk: JwkFields): JwkFields {
  return jwk.kty === "EC" ? { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: jwk.kty, n: jwk.n, e: jwk.e };
}
