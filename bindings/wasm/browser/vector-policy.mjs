// A verify vector's policy (tests/vectors/verify.json) as the package's
// VerifyPolicy; shared by the browser page and test/platform.test.mjs.
export const nul = (v) => (v === undefined ? null : v);
export const policyOf = (p) => ({
  issuer: nul(p.issuer) ?? undefined,
  audience: nul(p.audience) ?? undefined,
  algorithms: p.algorithms,
  maxSkewSecs: p.maxSkewSecs,
  maxTokenBytes: p.maxTokenBytes,
  maxAgeSecs: p.maxAgeSecs ?? undefined,
  acceptJwtTyp: p.typ?.acceptJwt,
  requireTyp: p.typ?.requireTyp,
});
