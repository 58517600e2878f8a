package cn.ac.ihep.heps.auth.token;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** A token as the browser presented it, with the safe ways to talk about it in logs. */
public final class PresentedToken {

    private static final Pattern COMPACT_JWS = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");

    private final String value;

    public PresentedToken(String value) {
        this.value = value;
    }

    public String value() {
        return value;
    }

    public int length() {
        return value.length();
    }

    /** Three base64url segments: a compact JWS. Anything else is treated as opaque. */
    public boolean looksLikeJwt() {
        return COMPACT_JWS.matcher(value).matches();
    }

    /** SHA-256 of the token, hex: identifies it in logs and replay stores without revealing it. */
    public String sha256() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(value.getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    /** A short fingerprint for log lines. */
    public String fingerprint() {
        return "sha256:" + sha256().substring(0, 16);
    }

    @Override
    public String toString() {
        return fingerprint();
    }
}
