package cn.ac.ihep.heps.testsupport.guacd;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes Guacamole protocol instructions ({@code 6.select,3.vnc;}): each element
 * is its length in Unicode code points, a dot and the value; elements are separated by
 * commas and an instruction ends with a semicolon. The first element is the opcode.
 */
final class GuacamoleInstructionCodec {

    /** guacd refuses instructions longer than this; so do we. */
    private static final int MAX_ELEMENT_LENGTH = 8192;

    private GuacamoleInstructionCodec() {
    }

    /** The next instruction, or null at end of stream. */
    static List<String> read(Reader reader) throws IOException {
        List<String> elements = new ArrayList<>();
        while (true) {
            int length = 0;
            int c = reader.read();
            if (c == -1 && elements.isEmpty()) {
                return null;
            }
            int digits = 0;
            while (c >= '0' && c <= '9') {
                length = length * 10 + (c - '0');
                if (++digits > 5 || length > MAX_ELEMENT_LENGTH) {
                    throw new IOException("Element length exceeds " + MAX_ELEMENT_LENGTH);
                }
                c = reader.read();
            }
            if (c != '.' || digits == 0) {
                throw new IOException("Malformed instruction: expected a length and '.', got "
                        + (c == -1 ? "end of stream" : "'" + (char) c + "'"));
            }
            StringBuilder value = new StringBuilder(length);
            for (int codePoints = 0; codePoints < length; codePoints++) {
                int unit = reader.read();
                if (unit == -1) {
                    throw new IOException("End of stream inside an element");
                }
                value.append((char) unit);
                if (Character.isHighSurrogate((char) unit)) {
                    int low = reader.read();
                    if (low == -1) {
                        throw new IOException("End of stream inside a surrogate pair");
                    }
                    value.append((char) low);
                }
            }
            elements.add(value.toString());
            int terminator = reader.read();
            if (terminator == ';') {
                return elements;
            }
            if (terminator != ',') {
                throw new IOException("Malformed instruction: expected ',' or ';' after an element");
            }
        }
    }

    static void write(Writer writer, String opcode, List<String> args) throws IOException {
        StringBuilder out = new StringBuilder();
        append(out, opcode);
        for (String arg : args) {
            out.append(',');
            append(out, arg);
        }
        out.append(';');
        writer.write(out.toString());
        writer.flush();
    }

    private static void append(StringBuilder out, String value) {
        out.append(value.codePointCount(0, value.length())).append('.').append(value);
    }
}
