package cn.ac.ihep.heps.agent.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * The API's bearer tokens. Presented tokens are compared by SHA-256 digest with
 * {@link MessageDigest#isEqual}, which takes the same time wherever the bytes differ, and
 * every configured token is checked so the time does not say which one nearly matched.
 */
public final class BearerTokens {
    private final List<byte[]> digests;

    public BearerTokens(List<String> tokens) {
        this.digests = tokens.stream().map(BearerTokens::sha256).toList();
    }

    public boolean isEmpty() {
        return digests.isEmpty();
    }

    /** True when the {@code Authorization} header carries one of the configured tokens. */
    public boolean accepts(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] presented = sha256(authorizationHeader.substring(7).trim());
        boolean matched = false;
        for (byte[] digest : digests) {
            matched |= MessageDigest.isEqual(digest, presented);
        }
        return matched;
    }

    static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
