// What a TypeScript app sees through a bundler (`moduleResolution: "bundler"`,
// the `default` export condition): the declarations of the default entry.
// scripts/wasm/bundlers.mjs type-checks this with `tsc --strict`.
import init, * as setpoll from "setpoll";

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
