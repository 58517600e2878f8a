package cn.ac.ihep.heps.testsupport.guacamole.web.tunnel;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Turns the text of a Guacamole connection, in whatever pieces it arrives, into instructions.
 * WebSocket messages need not end on an instruction boundary: one message may hold many
 * instructions, an instruction (even one element, even a surrogate pair) may be split across
 * messages. Element lengths count Unicode code points, as Guacamole's own parsers do.
 *
 * <p>Not thread-safe: one parser per connection, fed from one thread.
 */
public final class InstructionParser {

    /** Longer than any element guacd sends (its blobs are a few kilobytes). */
    public static final int DEFAULT_MAX_ELEMENT_LENGTH = 1 << 20;

    private static final int MAX_LENGTH_DIGITS = 9;

    private final int maxElementLength;
    private final StringBuilder buffer = new StringBuilder();
    private final List<String> elements = new ArrayList<>();

    /** Start of the element being read (its length prefix), in {@link #buffer}. */
    private int elementStart;
    /** Once the length prefix is read: its value, where the value starts, how far it is scanned. */
    private int elementLength = -1;
    private int valueStart;
    private int scanIndex;
    private int codePointsScanned;

    public InstructionParser() {
        this(DEFAULT_MAX_ELEMENT_LENGTH);
    }

    public InstructionParser(int maxElementLength) {
        if (maxElementLength < 1) {
            throw new IllegalArgumentException("maxElementLength must be positive");
        }
        this.maxElementLength = maxElementLength;
    }

    /**
     * Reads the next piece of the connection and passes each instruction it completes to the
     * sink, in order. A partial instruction at the end is kept for the next piece.
     *
     * @throws GuacamoleProtocolException when the text is not the Guacamole protocol or an
     *     element is longer than the limit; the parser is unusable afterwards
     */
    public void receive(CharSequence piece, Consumer<Instruction> sink) {
        buffer.append(piece);
        while (true) {
            if (elementLength < 0 && !readLengthPrefix()) {
                break;
            }
            if (!scanValue()) {
                break;
            }
            String value = buffer.substring(valueStart, scanIndex);
            char terminator = buffer.charAt(scanIndex);
            elements.add(value);
            elementStart = scanIndex + 1;
            elementLength = -1;
            if (terminator == ';') {
                Instruction instruction = new Instruction(elements.get(0), elements.subList(1, elements.size()));
                elements.clear();
                sink.accept(instruction);
            } else if (terminator != ',') {
                throw new GuacamoleProtocolException("Expected ',' or ';' after an element, got '"
                        + terminator + "'");
            }
        }
        compact();
    }

    /** True when nothing of a started instruction is waiting for more text. */
    public boolean isAtInstructionBoundary() {
        return elements.isEmpty() && elementStart == buffer.length();
    }

    private boolean readLengthPrefix() {
        int length = 0;
        int index = elementStart;
        while (index < buffer.length()) {
            char c = buffer.charAt(index);
            if (c == '.') {
                if (index == elementStart) {
                    throw new GuacamoleProtocolException("An element starts with '.' instead of its length");
                }
                elementLength = length;
                valueStart = index + 1;
                scanIndex = valueStart;
                codePointsScanned = 0;
                return true;
            }
            if (c < '0' || c > '9') {
                throw new GuacamoleProtocolException("Expected the length of an element, got '" + c + "'");
            }
            if (index - elementStart >= MAX_LENGTH_DIGITS) {
                throw new GuacamoleProtocolException("An element length has more than " + MAX_LENGTH_DIGITS + " digits");
            }
            length = length * 10 + (c - '0');
            if (length > maxElementLength) {
                throw new GuacamoleProtocolException("An element of " + length + "+ code points exceeds the limit of "
                        + maxElementLength);
            }
            index++;
        }
        return false;
    }

    /** Advances over the element's value; true once the value and its terminator are in the buffer. */
    private boolean scanValue() {
        while (codePointsScanned < elementLength) {
            if (scanIndex >= buffer.length()) {
                return false;
            }
            char c = buffer.charAt(scanIndex);
            if (Character.isHighSurrogate(c)) {
                if (scanIndex + 1 >= buffer.length()) {
                    return false;
                }
                scanIndex += Character.isLowSurrogate(buffer.charAt(scanIndex + 1)) ? 2 : 1;
            } else {
                scanIndex++;
            }
            codePointsScanned++;
        }
        return scanIndex < buffer.length();
    }

    /** Drops what has been read, keeping the element in progress. */
    private void compact() {
        if (elementStart == 0) {
            return;
        }
        buffer.delete(0, elementStart);
        if (elementLength >= 0) {
            valueStart -= elementStart;
            scanIndex -= elementStart;
        }
        elementStart = 0;
    }
}
