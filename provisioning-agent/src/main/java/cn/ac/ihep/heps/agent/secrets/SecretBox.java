package cn.ac.ihep.heps.agent.secrets;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Seals short secrets for the database with AES-256-GCM under the {@link SiteKey}: a version
 * byte, a random 96-bit nonce, then the ciphertext and its 128-bit tag. What a secret is for and
 * whose it is (say {@code account-password} and the username) are authenticated with it, so a
 * sealed value copied to another row does not open there.
 */
public final class SecretBox {
    private static final byte VERSION = 1;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SiteKey key;

    public SecretBox(SiteKey key) {
        this.key = key;
    }

    /** A sealed value the key could not open: another key, another row, or damaged. */
    public static final class UnreadableSecretException extends Exception {
        private static final long serialVersionUID = 1L;

        UnreadableSecretException(String message) {
            super(message);
        }
    }

    public byte[] seal(String purpose, String subject, String secret) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key.key(), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associated(purpose, subject));
            byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(VERSION).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every Java runtime", e);
        }
    }

    public String open(String purpose, String subject, byte[] sealed) throws UnreadableSecretException {
        if (sealed == null || sealed.length < 1 + NONCE_BYTES + TAG_BITS / 8 || sealed[0] != VERSION) {
            throw new UnreadableSecretException("not a sealed value of this agent");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key.key(), new GCMParameterSpec(TAG_BITS, sealed, 1, NONCE_BYTES));
            cipher.updateAAD(associated(purpose, subject));
            return new String(cipher.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES),
                    StandardCharsets.UTF_8);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new UnreadableSecretException("sealed under another site key, or for another " + purpose);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every Java runtime", e);
        }
    }

    private static byte[] associated(String purpose, String subject) {
        return (purpose + "\0" + subject).getBytes(StandardCharsets.UTF_8);
    }
}
