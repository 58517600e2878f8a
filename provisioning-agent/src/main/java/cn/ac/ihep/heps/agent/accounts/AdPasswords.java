package cn.ac.ihep.heps.agent.accounts;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/** Random AD passwords, and AD's way of writing one ({@code unicodePwd}). */
public final class AdPasswords {
    private static final String CHARACTERS =
            "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.:!+*%";
    private static final SecureRandom RANDOM = new SecureRandom();

    private AdPasswords() {
    }

    /** 40 random characters (about 236 bits) from four classes, so any AD complexity policy accepts it. */
    public static String random() {
        StringBuilder password = new StringBuilder("Aa1-");
        for (int i = 0; i < 36; i++) {
            password.append(CHARACTERS.charAt(RANDOM.nextInt(CHARACTERS.length())));
        }
        return password.toString();
    }

    /** AD's unicodePwd: the password in double quotes, encoded UTF-16LE. */
    static byte[] quotedUtf16(String password) {
        return ("\"" + password + "\"").getBytes(StandardCharsets.UTF_16LE);
    }
}
