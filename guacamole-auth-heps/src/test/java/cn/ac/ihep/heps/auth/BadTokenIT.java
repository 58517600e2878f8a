package cn.ac.ihep.heps.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.auth.testing.BuiltExtension;
import cn.ac.ihep.heps.auth.testing.SigningKey;
import cn.ac.ihep.heps.auth.testing.TokenMint;
import cn.ac.ihep.heps.testsupport.guacamole.GuacamoleHarness;
import cn.ac.ihep.heps.testsupport.guacamole.TestRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.guacamole.net.auth.credentials.GuacamoleInvalidCredentialsException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bad token the issue names, one test each, through the built jar: each gets the same
 * "invalid credentials" answer. The good-token tests next to them prove the setup accepts
 * what it should, so the refusals are for the reason named.
 */
class BadTokenIT {

    static final SigningKey ES256 = SigningKey.es256("es-1");
    static final SigningKey RS256 = SigningKey.rs256("rsa-1");
    static final SigningKey ED25519 = SigningKey.ed25519("ed-1");
    static final SigningKey ATTACKER = SigningKey.es256("es-1");
    static GuacamoleHarness guacamole;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        Path keys = dir.resolve("jwks.json");
        Files.writeString(keys, SigningKey.jwks(List.of(ES256, RS256, ED25519)));
        guacamole = GuacamoleHarness.builder()
                .properties(Map.of(
                        "heps-jwt-issuer", TokenMint.ISSUER,
                        "heps-jwt-audience", TokenMint.AUDIENCE,
                        "heps-jwt-keys", keys.toString(),
                        "heps-jwt-max-lifetime", "120",
                        "heps-jwt-clock-skew", "30"))
                .extension(BuiltExtension.jar())
                .start();
    }

    @AfterAll
    static void stop() {
        guacamole.close();
    }

    static void accepted(String token) throws Exception {
        assertEquals("alice", guacamole.login(TestRequest.withParameter("heps_token", token)).user().getIdentifier());
    }

    static void refused(String token) {
        var failure = assertThrows(GuacamoleInvalidCredentialsException.class,
                () -> guacamole.login(TestRequest.withParameter("heps_token", token)));
        assertEquals("Invalid login.", failure.getMessage());
        assertTrue(failure.getCredentialsInfo().getFields().isEmpty());
    }

    static String b64(String json) {
        return TokenMint.segment(json);
    }

    static String payload(String jti) {
        long now = Instant.now().getEpochSecond();
        return "{\"iss\":\"" + TokenMint.ISSUER + "\",\"aud\":\"" + TokenMint.AUDIENCE + "\",\"sub\":\"alice\",\"iat\":"
                + now + ",\"exp\":" + (now + 60) + ",\"jti\":\"" + jti + "\"}";
    }

    @Test
    void es256Rs256AndEdDsaTokensAreAccepted() throws Exception {
        accepted(TokenMint.with(ES256).mint());
        accepted(TokenMint.with(RS256).mint());
        accepted(TokenMint.with(ED25519).mint());
    }

    @Test
    void algNone() {
        String header = b64("{\"alg\":\"none\",\"kid\":\"es-1\",\"typ\":\"heps-desktop+jwt\"}");
        refused(header + "." + b64(payload(UUID.randomUUID().toString())) + ".");
    }

    @Test
    void rs256PublicKeyOfferedAsHs256Secret() throws Exception {
        String header = b64("{\"alg\":\"HS256\",\"kid\":\"rsa-1\",\"typ\":\"heps-desktop+jwt\"}");
        String signingInput = header + "." + b64(payload(UUID.randomUUID().toString()));
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(RS256.pair().getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
        for (byte[] secret : List.of(RS256.pair().getPublic().getEncoded(), pem.getBytes(StandardCharsets.US_ASCII),
                RS256.publicJwk().getBytes(StandardCharsets.UTF_8))) {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            String signature = Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
            refused(signingInput + "." + signature);
        }
    }

    @Test
    void unknownKid() {
        refused(TokenMint.with(ES256).keyId("not-published").mint());
    }

    @Test
    void noKid() {
        refused(TokenMint.with(ES256).keyId(null).mint());
    }

    @Test
    void wrongTyp() {
        refused(TokenMint.with(ES256).type("JWT").mint());
    }

    @Test
    void algorithmThatDoesNotFitTheKeyNamedByKid() {
        // Signed with the RSA key but naming the EC key's kid.
        refused(TokenMint.with(RS256).keyId("es-1").mint());
    }

    @Test
    void expired() {
        refused(TokenMint.with(ES256).issued(Instant.now().minusSeconds(200), Duration.ofSeconds(60)).mint());
    }

    @Test
    void notYetValid() {
        refused(TokenMint.with(ES256).notBefore(Instant.now().plusSeconds(90)).mint());
    }

    @Test
    void issuedAtInTheFuture() {
        refused(TokenMint.with(ES256).issued(Instant.now().plusSeconds(90), Duration.ofSeconds(60)).mint());
    }

    @Test
    void lifetimeOverTheMaximum() {
        refused(TokenMint.with(ES256).issued(Instant.now(), Duration.ofSeconds(121)).mint());
    }

    @Test
    void wrongIssuer() {
        refused(TokenMint.with(ES256).issuer("https://evil.example").mint());
    }

    @Test
    void wrongAudience() {
        refused(TokenMint.with(ES256).audience("some-other-app").mint());
    }

    @Test
    void noJti() {
        refused(TokenMint.with(ES256).tokenId(null).mint());
    }

    @Test
    void replayedJtiOnTheSameNode() throws Exception {
        String token = TokenMint.with(ES256).mint();
        accepted(token);
        refused(token);
        // A fresh token with the same jti is a replay too.
        String jti = UUID.randomUUID().toString();
        accepted(TokenMint.with(ES256).tokenId(jti).mint());
        refused(TokenMint.with(ES256).tokenId(jti).mint());
    }

    @Test
    void tamperedPayload() {
        String[] parts = TokenMint.with(ES256).subject("alice").mint().split("\\.");
        String forged = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).replace("alice", "admin");
        refused(parts[0] + "." + b64(forged) + "." + parts[2]);
    }

    @Test
    void truncated() {
        String token = TokenMint.with(ES256).mint();
        refused(token.substring(0, token.length() - 5));
        refused(token.substring(0, token.lastIndexOf('.')));
    }

    @Test
    void tokenOver8KiB() {
        String big = "x".repeat(9000);
        refused(TokenMint.with(ES256).claim("padding", big).mint());
    }

    @Test
    void randomBytes() {
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < 20; i++) {
            byte[] bytes = new byte[1 + random.nextInt(600)];
            random.nextBytes(bytes);
            refused(new String(bytes, StandardCharsets.ISO_8859_1));
            refused(Base64.getUrlEncoder().encodeToString(bytes));
        }
    }

    @Test
    void keysNamedInsideTheTokenAreIgnored() throws Exception {
        // Signed by someone else's key that reuses our kid and points at itself: refused.
        refused(TokenMint.with(ATTACKER)
                .header("jku", "https://evil.example/jwks.json")
                .header("x5u", "https://evil.example/cert.pem")
                .mint());
        // Our own key with those headers present: accepted, our key decided.
        accepted(TokenMint.with(ES256)
                .header("jku", "https://evil.example/jwks.json")
                .header("x5u", "https://evil.example/cert.pem")
                .mint());
    }

    @Test
    void embeddedJwkHeaderIsIgnored() throws Exception {
        Map<String, Object> attackerJwk = new com.fasterxml.jackson.databind.ObjectMapper()
                .readValue(ATTACKER.publicJwk(), Map.class);
        refused(TokenMint.with(ATTACKER).header("jwk", attackerJwk).mint());
    }
}
