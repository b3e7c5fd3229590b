// What a TypeScript app sees through a bundler (`moduleResolution: "bundler"`,
// the `default` export condition): the declarations of the default entry,
// and of `setpoll/full`.
// scripts/wasm/bundlers.mjs type-checks this with `tsc --strict`.
import init, * as setpoll from "setpoll";
import * as full from "setpoll/full";

await init(); // optional on the default entry, still declared
export function code(token: string, jwksJson: string): string | undefined {
  try {
    setpoll.verifySet(token, setpoll.Keyring.fromJwks(jwksJson), { issuer: "https://examplebank.com/", audience: "tpp" }, Date.now());
    return undefined;
  } catch (e) {
    if (e instanceof setpoll.VerifyError) return e.code;
    throw e;
  }
}

// The default browser entry is the receiver's side: the ASPSP side (the
// transmitter, SET signing) is not in its declarations, and `setpoll/full`'s
// declarations have it.
// @ts-expect-error: not in the default browser entry (setpoll/full has it)
export const absent: unknown = setpoll.MemoryTransmitter;
export function transmitter(): full.MemoryTransmitter {
  return new full.MemoryTransmitter();
}
