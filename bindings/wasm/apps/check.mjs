// The work every app does, however it loads setpoll: verify the golden-vector
// SETs it is given (and one that must fail), read poll responses, parse poll
// requests where the entry has the ASPSP side (not the default browser
// entry, the receiver's), and return what came out, with which side the
// entry offers. scripts/wasm/bundlers.mjs compares that with the vectors.
// Every call is awaited, so the same code runs whether a call returns its
// value or a Promise of it; signatures go through `verifySetAsync` (the
// platform's crypto) where the package has it.
export async function check(setpoll, vectors) {
  const verifySet = setpoll.verifySetAsync ?? setpoll.verifySet;
  const out = { version: await setpoll.version(), verify: [], requests: [] };
  out.crypto = setpoll.platformCrypto ?? "none named"; // which crypto verified (reported, not compared)
  for (const c of vectors.verify) {
    const { typ, ...rest } = c.policy;
    const policy = { ...rest, acceptJwtTyp: typ?.acceptJwt, requireTyp: typ?.requireTyp };
    const keyring = await setpoll.Keyring.fromJwks(c.jwksJson);
    try {
      const v = await verifySet(c.token, keyring, policy, c.now);
      out.verify.push({ name: c.name, claimsJson: await v.claims.toJson(), alg: v.alg, kid: v.kid ?? null });
    } catch (e) {
      if (!(e instanceof setpoll.VerifyError)) throw e;
      out.verify.push({ name: c.name, error: { code: e.code, setErrObie: e.setErr } });
    }
  }
  out.responses = [];
  for (const c of vectors.responses) {
    const response = await setpoll.parseResponse(c.body);
    out.responses.push({ name: c.name, sets: response.sets.map((e) => [e.jti, e.token]), moreAvailable: response.moreAvailable });
  }
  out.side = typeof setpoll.MemoryTransmitter === "function" && typeof setpoll.parseRequest === "function" ? "full" : "receiver";
  if (out.side === "full") {
    for (const c of vectors.requests) {
      const request = await setpoll.parseRequest(c.body, c.rejectUnknownMembers, "error-id");
      out.requests.push({ name: c.name, requestJson: await setpoll.requestToJson(request) });
    }
  }
  return out;
}

/** Browser apps: the verdict goes where scripts/wasm/bundlers.mjs reads it. */
export function report(work) {
  work.then(
    (result) => (globalThis.__setpollResult = { result }),
    (e) => (globalThis.__setpollResult = { error: `${e?.name}: ${e?.message}` }),
  );
}
