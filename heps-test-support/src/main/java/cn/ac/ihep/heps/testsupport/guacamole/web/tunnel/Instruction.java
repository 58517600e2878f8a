package cn.ac.ihep.heps.testsupport.guacamole.web.tunnel;

import java.util.List;
import java.util.Objects;

/**
 * One Guacamole protocol instruction: an opcode and its arguments. On the wire each element is
 * its length in Unicode code points, a dot and the value; elements are separated by commas and
 * the instruction ends with a semicolon ({@code 4.sync,8.12345678;}).
 */
public record Instruction(String opcode, List<String> args) {

    /** The WebSocket tunnel's own instructions have an empty opcode (Guacamole's INTERNAL_DATA_OPCODE). */
    public static final String INTERNAL_OPCODE = "";

    public Instruction {
        Objects.requireNonNull(opcode, "opcode");
        args = List.copyOf(args);
    }

    public static Instruction of(String opcode, Object... args) {
        return new Instruction(opcode, java.util.Arrays.stream(args).map(String::valueOf).toList());
    }

    public boolean isInternal() {
        return opcode.isEmpty();
    }

    public String arg(int index) {
        if (index >= args.size()) {
            throw new GuacamoleProtocolException("\"" + opcode + "\" needs at least " + (index + 1)
                    + " arguments, got " + args.size());
        }
        return args.get(index);
    }

    public int intArg(int index) {
        String value = arg(index);
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new GuacamoleProtocolException("Argument " + index + " of \"" + opcode
                    + "\" is not an integer: \"" + abbreviate(value) + "\"");
        }
    }

    public long longArg(int index) {
        String value = arg(index);
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new GuacamoleProtocolException("Argument " + index + " of \"" + opcode
                    + "\" is not an integer: \"" + abbreviate(value) + "\"");
        }
    }

    /** The instruction as it travels on the wire. */
    public String encode() {
        StringBuilder out = new StringBuilder();
        appendElement(out, opcode);
        for (String arg : args) {
            out.append(',');
            appendElement(out, arg);
        }
        return out.append(';').toString();
    }

    private static void appendElement(StringBuilder out, String value) {
        out.append(value.codePointCount(0, value.length())).append('.').append(value);
    }

    private static String abbreviate(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "…";
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(opcode.isEmpty() ? "(internal)" : opcode);
        for (String arg : args) {
            out.append(' ').append(abbreviate(arg));
        }
        return out.toString();
    }
}
