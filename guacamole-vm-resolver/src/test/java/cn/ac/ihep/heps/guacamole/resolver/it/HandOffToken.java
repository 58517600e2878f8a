package cn.ac.ihep.heps.guacamole.resolver.it;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A portal hand-off token (CONTRACTS §1a) signed with a shared HS256 secret, as a portal
 * would mint it for guacamole-auth-heps.
 */
final class HandOffToken {

    static final String ISSUER = "https://token.heps.example";
    static final String AUDIENCE = "guacamole";
    static final String SHARED_SECRET = "a-shared-secret-of-at-least-32-bytes!";

    private HandOffToken() {
    }

    static String mint(String username, List<String> groups) {
        long now = Instant.now().getEpochSecond();
        String header = "{\"alg\":\"HS256\",\"kid\":\"portal-hs-1\",\"typ\":\"heps-desktop+jwt\"}";
        String claims = "{\"iss\":\"" + ISSUER + "\",\"aud\":\"" + AUDIENCE + "\",\"sub\":\"" + username
                + "\",\"iat\":" + now + ",\"exp\":" + (now + 60) + ",\"jti\":\"" + UUID.randomUUID()
                + "\",\"groups\":[" + groups.stream().map(g -> "\"" + g + "\"").collect(Collectors.joining(","))
                + "]}";
        String signingInput = base64(header.getBytes(StandardCharsets.UTF_8)) + "."
                + base64(claims.getBytes(StandardCharsets.UTF_8));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(SHARED_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return signingInput + "." + base64(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String base64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
