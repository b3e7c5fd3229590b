// setpoll <-> Nimbus JOSE+JWT (Maven Central), both directions (driven by
// scripts/interop/test.sh; run as a single-file program: java -cp NIMBUS_JAR Interop.java WORK).
//
// Reads WORK/context.json, WORK/setpoll-jwks.json and WORK/setpoll-tokens.tsv
// (written by the runner with the setpoll CLI), then
// 1. parses setpoll's public JWK Set and verifies every setpoll-signed SET
//    (ES256, PS256, RS256; OBIE and RFC 8417 headers), checking header and
//    claims; an OBIE token must be refused while the OBIE `crit` names are not
//    declared (RFC 7515 §4.1.11) and accepted once they are (the verifiers'
//    "deferred critical headers" constructor argument);
// 2. generates its own keys and signs the same claims with both header
//    profiles, writing WORK/nimbus-jwks.json and WORK/nimbus-tokens.tsv for the
//    runner to verify with `setpoll verify`.

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

public class Interop {
    static final String OBIE_IAT = "http://openbanking.org.uk/iat";
    static final String OBIE_ISS = "http://openbanking.org.uk/iss";
    static final String OBIE_TAN = "http://openbanking.org.uk/tan";
    static final List<String> OBIE_CRIT = List.of(OBIE_IAT, OBIE_ISS, OBIE_TAN);

    static int passed = 0;
    static int failed = 0;

    interface Check {
        void run() throws Exception;
    }

    static void check(String name, Check c) {
        try {
            c.run();
            passed++;
            System.out.println("ok   " + name);
        } catch (Exception | AssertionError e) {
            failed++;
            System.out.println("FAIL " + name + ": " + e);
        }
    }

    static void expect(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    /** A verifier for `jwk`; `crit` names the critical headers the caller handles. */
    static JWSVerifier verifier(JWK jwk, Set<String> crit) throws Exception {
        if (jwk instanceof ECKey ec) {
            return new ECDSAVerifier(ec.toECPublicKey(), crit);
        }
        return new RSASSAVerifier(jwk.toRSAKey().toRSAPublicKey(), crit);
    }

    static JWSSigner signer(JWK jwk) throws Exception {
        return jwk instanceof ECKey ec ? new ECDSASigner(ec) : new RSASSASigner(jwk.toRSAKey());
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        Map<String, Object> ctx = JSONObjectUtils.parse(Files.readString(work.resolve("context.json")));
        Map<String, Object> claims = JSONObjectUtils.getJSONObject(ctx, "claims");
        String iss = (String) ctx.get("iss");
        String aud = (String) ctx.get("aud");
        long now = ((Number) ctx.get("now")).longValue();
        String orgId = (String) ctx.get("orgId");
        String trustAnchor = (String) ctx.get("trustAnchor");
        JWKSet setpollKeys = JWKSet.parse(Files.readString(work.resolve("setpoll-jwks.json")));
        System.out.println("# Nimbus JOSE+JWT " + JWSObject.class.getPackage().getImplementationVersion());

        DefaultJWTClaimsVerifier<?> claimsVerifier = new DefaultJWTClaimsVerifier<>(
            aud, new JWTClaimsSet.Builder().issuer(iss).build(), Set.of("jti", "iat", "events"));

        for (String line : Files.readAllLines(work.resolve("setpoll-tokens.tsv"))) {
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\t");
            String alg = f[0], profile = f[1], token = f[2];
            check("Nimbus verifies setpoll " + alg + " " + profile, () -> {
                JWSObject jws = JWSObject.parse(token);
                JWSHeader h = jws.getHeader();
                // Nimbus verifiers take any algorithm of their family: the
                // allow-list is the caller's check.
                expect(h.getAlgorithm().getName().equals(alg), "alg " + h.getAlgorithm());
                expect(h.getKeyID().equals("setpoll-" + alg.toLowerCase()), "kid " + h.getKeyID());
                JWK jwk = setpollKeys.getKeyByKeyId(h.getKeyID());
                if (profile.equals("obie")) {
                    expect(!jws.verify(verifier(jwk, Set.of())), "OBIE crit accepted undeclared");
                    expect(h.getType().toString().equals("JOSE"), "typ " + h.getType());
                    expect(h.getCriticalParams().equals(Set.copyOf(OBIE_CRIT)), "crit " + h.getCriticalParams());
                    expect(((Number) h.getCustomParam(OBIE_IAT)).longValue() == now, "OBIE iat");
                    expect(orgId.equals(h.getCustomParam(OBIE_ISS)), "OBIE iss");
                    expect(trustAnchor.equals(h.getCustomParam(OBIE_TAN)), "OBIE tan");
                } else {
                    expect(h.getType().toString().equals("secevent+jwt"), "typ " + h.getType());
                    expect(h.getCriticalParams() == null, "crit " + h.getCriticalParams());
                }
                expect(jws.verify(verifier(jwk, Set.copyOf(OBIE_CRIT))), "signature");
                Map<String, Object> got = jws.getPayload().toJSONObject();
                expect(got.equals(claims), "claims " + got);
                claimsVerifier.verify(JWTClaimsSet.parse(got), null);
            });
        }

        check("Nimbus signs with its own keys", () -> {
            List<JWK> keys = new ArrayList<>();
            List<String> lines = new ArrayList<>();
            Payload payload = new Payload(JSONObjectUtils.toJSONString(claims));
            for (String name : List.of("ES256", "PS256", "RS256")) {
                JWSAlgorithm alg = JWSAlgorithm.parse(name);
                String kid = "nimbus-" + name.toLowerCase();
                JWK jwk = name.equals("ES256")
                    ? new ECKeyGenerator(Curve.P_256).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(alg).generate()
                    : new RSAKeyGenerator(2048).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(alg).generate();
                keys.add(jwk);
                JWSHeader obie = new JWSHeader.Builder(alg).keyID(kid).type(JOSEObjectType.JOSE)
                    .criticalParams(Set.copyOf(OBIE_CRIT))
                    .customParam(OBIE_IAT, now).customParam(OBIE_ISS, orgId).customParam(OBIE_TAN, trustAnchor)
                    .build();
                JWSHeader rfc = new JWSHeader.Builder(alg).keyID(kid).type(new JOSEObjectType("secevent+jwt")).build();
                for (var entry : List.of(Map.entry("obie", obie), Map.entry("rfc8417", rfc))) {
                    JWSObject jws = new JWSObject(entry.getValue(), payload);
                    jws.sign(signer(jwk));
                    lines.add(name + "\t" + entry.getKey() + "\t" + jws.serialize());
                }
            }
            Files.writeString(work.resolve("nimbus-jwks.json"), new JWKSet(keys).toPublicJWKSet().toString());
            Files.writeString(work.resolve("nimbus-tokens.tsv"), String.join("\n", lines) + "\n");
        });

        System.out.println("java interop: " + passed + " passed, " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }
}
