package cn.ac.ihep.heps.auth;

/** Makes text from a token safe to put in a log line: control characters escaped, length bounded. */
public final class LogSafe {

    private static final int MAXIMUM = 128;

    private LogSafe() { }

    public static String text(String value) {
        if (value == null)
            return "null";
        StringBuilder safe = new StringBuilder(Math.min(value.length(), MAXIMUM) + 8);
        for (int i = 0; i < value.length() && i < MAXIMUM; i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c))
                safe.append(String.format("\\u%04x", (int) c));
            else
                safe.append(c);
        }
        if (value.length() > MAXIMUM)
            safe.append('…');
        return safe.toString();
    }
}
