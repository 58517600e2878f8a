package cn.ac.ihep.heps.common.log;

/**
 * Makes a value that came from outside (a request, a token, a directory, a VM) safe to put
 * in a log line: control characters (CR and LF among them, so no forged lines) and other
 * invisible or line-breaking characters are escaped as {@code \\uXXXX}, and the value is cut
 * after {@value #MAXIMUM} characters (so no 200,000-character lines).
 */
public final class LogSafe {

    public static final int MAXIMUM = 128;

    private LogSafe() {
    }

    /** An outside name or id: escaped, at most {@value #MAXIMUM} characters. */
    public static String text(Object value) {
        return text(value, MAXIMUM);
    }

    /** An error message from another server (LDAP, OpenStack, a webhook): escaped, at most 1000 characters. */
    public static String message(Object value) {
        return text(value, 1000);
    }

    private static String text(Object value, int maximum) {
        if (value == null) {
            return "null";
        }
        String text = value.toString();
        StringBuilder safe = new StringBuilder(Math.min(text.length(), maximum) + 16);
        for (int i = 0; i < text.length() && i < maximum; i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || Character.getType(c) == Character.FORMAT) {
                safe.append(String.format("\\u%04x", (int) c));
            } else {
                safe.append(c);
            }
        }
        if (text.length() > maximum) {
            safe.append("…(").append(text.length()).append(" chars)");
        }
        return safe.toString();
    }
}
