// The browser entry of `setpoll` (also Deno, Bun, workers, bundlers): the
// wasm core with signatures on WebCrypto. WebCrypto is asynchronous, so the
// crypto-bearing calls have async forms: verifySetAsync, signSetAsync and
// Receiver#handleResponseAsync. Two builds share this file: web/ (the
// default) has no pure-Rust P-256/RSA code, so there the synchronous forms
// refuse with a typed error (ArgumentError `async_only`; signSet, key
// generation and PEM import: `backend_unavailable`); web-portable/ keeps
// that code and the synchronous forms use it.
import wasmInit, * as setpoll from "./setpoll.js";
import * as web from "./crypto-web.js";

export * from "./setpoll.js";

/** Which crypto the async calls use. */
export const platformCrypto = web.available ? "webcrypto" : "portable";

function install() {
  if (web.available) setpoll.installPlatformCrypto(web.provider);
}

const asyncOnly = (call, instead) =>
  setpoll.platformError(
    "argument",
    "async_only",
    `${call} needs the pure-Rust crypto, which this build leaves out: use ${instead}, or import setpoll/web-portable`,
  );

/**
 * verifySet, synchronous: on the pure-Rust code, so only in web-portable/;
 * in web/ an ArgumentError `async_only` (use verifySetAsync).
 */
export function verifySet(token, keyring, policy, nowMs) {
  if (!setpoll.hasPortableCrypto()) throw asyncOnly("verifySet", "verifySetAsync");
  return setpoll.verifySet(token, keyring, policy, nowMs);
}

// Receiver#handleResponse(Bytes) of a 200 would verify the batch's SETs
// synchronously: without the pure-Rust code (web/) there is nothing to verify
// them with, and refusing every SET would report them all to the ASPSP as
// bad, so it throws instead (handleResponseAsync verifies first).
let verdictsReady = false;
for (const name of ["handleResponse", "handleResponseBytes"]) {
  const sync = setpoll.Receiver.prototype[name];
  setpoll.Receiver.prototype[name] = function (id, status, ...rest) {
    if (status === 200 && !verdictsReady && !setpoll.hasPortableCrypto()) {
      throw asyncOnly(`Receiver#${name}`, "handleResponseAsync");
    }
    return sync.call(this, id, status, ...rest);
  };
}

let ready;
/** Load the module (once; later calls return the same promise), then install WebCrypto. */
export default function init(input) {
  ready ??= wasmInit(input).then((out) => {
    install();
    return out;
  });
  return ready;
}

/** Load the module synchronously from its bytes, then install WebCrypto. */
export function initSync(module) {
  const out = setpoll.initSync(module);
  install();
  return out;
}

// Public keys imported into WebCrypto, by algorithm and public JWK (bounded).
const publicKeys = new Map();
function publicKey(alg, jwkJson) {
  const id = `${alg} ${jwkJson}`;
  let key = publicKeys.get(id);
  if (key === undefined) {
    if (publicKeys.size >= 256) publicKeys.clear();
    key = web.importPublic(alg, JSON.parse(jwkJson));
    key.catch(() => publicKeys.delete(id));
    publicKeys.set(id, key);
  }
  return key;
}

// The platform's verdict on a prepared SET, a promise of a boolean (false
// for anything it refuses): the keyring's own key, imported once (by handle),
// else the key's JWK. Few crossings into wasm and no async layers of its own:
// this is most of what setpoll adds to WebCrypto's time. A signature of the
// wrong length needs no check here: the core refuses it whatever the verdict.
function verdict(p) {
  const h = p.keyHandle;
  const alg = (h !== undefined && web.algForHandle(h)) || p.alg;
  const key = (h !== undefined && web.keyForHandle(h)) || publicKey(alg, p.publicJwk);
  return web.verifyKey(alg, key, p.signingInput, p.signature);
}

/**
 * verifySet with the signature checked by WebCrypto: the core prepares
 * (limits, parsing, header, algorithm, key selection), WebCrypto verifies,
 * the core finishes (claims, policy). Rejects with a VerifyError.
 */
// Policies converted once, by object (and its JSON, so a changed object is
// converted again); anything unusual goes to prepareSet, which reports it.
const policies = new WeakMap();
function prepare(token, keyring, policy) {
  let json;
  try {
    json = JSON.stringify(policy);
  } catch {
    return setpoll.prepareSet(token, keyring, policy);
  }
  let c = policy !== null && typeof policy === "object" ? policies.get(policy) : undefined;
  if (c === undefined || c.json !== json) {
    try {
      c = { json, compiled: setpoll.compilePolicy(policy) };
    } catch {
      return setpoll.prepareSet(token, keyring, policy);
    }
    if (policy !== null && typeof policy === "object") policies.set(policy, c);
  }
  return setpoll.prepareSetWith(token, keyring, c.compiled);
}

export function verifySetAsync(token, keyring, policy, nowMs) {
  if (!web.available) return new Promise((resolve) => resolve(verifySet(token, keyring, policy, nowMs)));
  let p, ok;
  try {
    p = prepare(token, keyring, policy);
    // WebCrypto verifies off the main thread: start it, check the claims
    // meanwhile, then settle with its verdict (finishSet's outcome either way).
    ok = verdict(p);
    p.checkAhead(nowMs);
  } catch (e) {
    p?.free();
    return Promise.reject(e);
  }
  return ok.then((verdictOk) => {
    try {
      return p.settle(verdictOk);
    } finally {
      p.free();
    }
  });
}

// Private keys imported into WebCrypto (non-extractable), per SigningKey.
const privateKeys = new WeakMap();

/** signSet with the signature made by WebCrypto. Rejects with a SignError. */
export async function signSetAsync(claims, key, nowMs, profile) {
  if (!web.available) return setpoll.signSet(claims, key, nowMs, profile);
  const p = setpoll.prepareSignSet(claims, key, nowMs, profile);
  let signature;
  try {
    let k = privateKeys.get(key);
    if (k === undefined) {
      k = web.importPrivate(p.alg, JSON.parse(key.toPrivateJwk()));
      privateKeys.set(key, k);
    }
    signature = await web.signRaw({ alg: p.alg, key: await k, signingInput: p.signingInput });
  } catch (e) {
    privateKeys.delete(key);
    throw setpoll.platformError("sign", "platform_failed", `WebCrypto could not sign: ${e?.message ?? e}`);
  }
  return p.assemble(signature);
}

// Keyrings for receivers' key sets, by JWK Set text (one per receiver).
const rings = new WeakMap();
function ringOf(rx) {
  const jwks = rx.config().jwksJson;
  let r = rings.get(rx);
  if (r === undefined || r.jwks !== jwks) {
    r = { jwks, ring: setpoll.Keyring.fromJwks(jwks) };
    rings.set(rx, r);
  }
  return r.ring;
}
// Prepare only: the receiver applies its own policy when it finishes.
const ANY = { algorithms: ["ES256", "PS256", "RS256"], acceptJwtTyp: true, requireTyp: false };

/**
 * handleResponse with every SET's signature checked by WebCrypto first:
 * the core prepares each SET of the batch, WebCrypto verifies them all,
 * then the receiver decides as handleResponse does (the same outcome,
 * state and changes).
 */
setpoll.Receiver.prototype.handleResponseAsync = async function (id, status, body, nowMs, retryAfter) {
  if (web.available && status === 200 && typeof body === "string") {
    let sets = [];
    try {
      sets = setpoll.parseResponse(body).sets;
    } catch {
      // the receiver reports the bad body itself
    }
    let ring;
    try {
      ring = sets.length > 0 ? ringOf(this) : undefined;
    } catch {
      sets = []; // no usable key set: the receiver decides without verdicts
    }
    await Promise.all(
      sets.map(async ({ token }) => {
        let p;
        try {
          p = setpoll.prepareSet(token, ring, ANY);
        } catch {
          return; // refused before the signature: the receiver says why
        }
        const ok = await verdict(p);
        web.remember(p.alg, p.publicJwk, p.signingInput, p.signature, ok);
        p.free();
      }),
    );
  }
  verdictsReady = web.available;
  try {
    return this.handleResponse(id, status, body, nowMs, retryAfter);
  } finally {
    verdictsReady = false;
    web.forget();
  }
};
