// The full browser entry (`setpoll/full`, `setpoll/web`, and the
// web-portable/ fallback): everything web-receiver.ts offers (the default
// browser entry) plus the ASPSP side of the wasm core, the transmitter and
// SET signing, with signSetAsync signing on WebCrypto.
import * as setpoll from "./setpoll.js";
import type { HeaderProfile, SetClaims, SigningKey } from "./setpoll.js";
import * as web from "./crypto-web.js";

export * from "./web-receiver.js";
export { default } from "./web-receiver.js";

// Private keys imported into WebCrypto (non-extractable), per SigningKey.
const privateKeys = new WeakMap<SigningKey, Promise<CryptoKey>>();

/** signSet with the signature made by WebCrypto. Rejects with a SignError. */
export async function signSetAsync(claims: SetClaims, key: SigningKey, nowMs: number, profile: HeaderProfile): Promise<string> {
  if (!web.available) return setpoll.signSet(claims, key, nowMs, profile);
  const p = setpoll.prepareSignSet(claims, key, nowMs, profile);
  let signature: Uint8Array;
  try {
    let k = privateKeys.get(key);
    if (k === undefined) {
      k = web.importPrivate(p.alg, JSON.parse(key.toPrivateJwk()));
      privateKeys.set(key, k);
    }
    signature = await web.signRaw({ alg: p.alg, key: await k, signingInput: p.signingInput });
  } catch (e) {
    privateKeys.delete(key);
    const why = e instanceof Error ? e.message : String(e);
    throw setpoll.platformError("sign", "platform_failed", `WebCrypto could not sign: ${why}`);
  }
  return p.assemble(signature);
}
