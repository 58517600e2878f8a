package cn.ac.ihep.heps.common.desktop;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The per-VM VNC password: HMAC-SHA256 of the server id under a site secret.
 *
 * <p>Nova names the server id only after the boot request, so the password cannot be in the
 * user data: at first boot the VM enrolls once with the agent ({@code POST /v1/enrollment},
 * server id and a one-time token from its user data) and receives it, and the VM resolver
 * derives it again at connect time, so no password is stored anywhere. Classic
 * VNC authentication uses only the first eight bytes of a password, so the result is
 * eight characters from an alphabet that survives every VNC server's config syntax.
 */
public final class VncPasswordDerivation {

    /** VNC (RFB "VNC authentication") truncates passwords to eight bytes. */
    public static final int LENGTH = 8;

    private static final String ALPHABET =
            "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    private static final String HMAC = "HmacSHA256";
    private static final int MIN_SECRET_BYTES = 16;

    private final SecretKeySpec key;

    public VncPasswordDerivation(String siteSecret) {
        if (siteSecret == null || siteSecret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException(
                    "The VNC site secret must be at least " + MIN_SECRET_BYTES + " bytes long");
        }
        this.key = new SecretKeySpec(siteSecret.getBytes(StandardCharsets.UTF_8), HMAC);
    }

    public String passwordFor(String serverId) {
        if (serverId == null || serverId.isBlank()) {
            throw new IllegalArgumentException("A server id is required to derive a VNC password");
        }
        StringBuilder password = new StringBuilder(LENGTH);
        // Rejection sampling keeps every character equally likely.
        int limit = 256 - 256 % ALPHABET.length();
        for (int block = 0; password.length() < LENGTH; block++) {
            byte[] digest = hmac((block == 0 ? serverId : serverId + "#" + block).getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < digest.length && password.length() < LENGTH; i++) {
                int value = digest[i] & 0xff;
                if (value < limit) {
                    password.append(ALPHABET.charAt(value % ALPHABET.length()));
                }
            }
        }
        return password.toString();
    }

    private byte[] hmac(byte[] message) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key);
            return mac.doFinal(message);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }
}
