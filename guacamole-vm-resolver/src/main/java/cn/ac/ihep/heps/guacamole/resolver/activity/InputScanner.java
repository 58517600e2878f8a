package cn.ac.ihep.heps.guacamole.resolver.activity;

import java.util.Set;

/**
 * Finds user input ({@code mouse}, {@code key}, {@code touch} instructions) in Guacamole
 * protocol text as the browser sends it, chunk by chunk: an instruction may be split anywhere
 * between two chunks (the HTTP tunnel writes whatever the request body held). Element lengths
 * count Unicode code points, as the protocol defines them. The text itself passes on untouched;
 * on text that is not the protocol the scanner gives up and reports nothing more.
 */
final class InputScanner {

    static final Set<String> INPUT_OPCODES = Set.of("mouse", "key", "touch");

    private enum State { LENGTH, CONTENT, TERMINATOR, BROKEN }

    private State state = State.LENGTH;
    private int remaining;
    private boolean opcode = true;
    private final StringBuilder current = new StringBuilder(8);

    /** Whether an input instruction ends in this chunk. */
    boolean scan(char[] chunk, int offset, int length) {
        boolean input = false;
        for (int i = offset; i < offset + length && state != State.BROKEN; i++) {
            char c = chunk[i];
            switch (state) {
                case LENGTH -> {
                    if (c >= '0' && c <= '9' && remaining < 100_000) {
                        remaining = remaining * 10 + (c - '0');
                    } else if (c == '.') {
                        state = remaining == 0 ? State.TERMINATOR : State.CONTENT;
                    } else {
                        state = State.BROKEN;
                    }
                }
                case CONTENT -> {
                    if (opcode && current.length() < 8) {
                        current.append(c);
                    }
                    // A high surrogate and its low surrogate are one code point.
                    if (!Character.isHighSurrogate(c)) {
                        remaining--;
                    }
                    if (remaining == 0) {
                        state = State.TERMINATOR;
                    }
                }
                case TERMINATOR -> {
                    if (c != ',' && c != ';') {
                        state = State.BROKEN;
                        break;
                    }
                    if (opcode && INPUT_OPCODES.contains(current.toString())) {
                        input = true;
                    }
                    current.setLength(0);
                    opcode = c == ';';
                    remaining = 0;
                    state = State.LENGTH;
                }
                default -> {
                    // Broken: nothing more is reported.
                }
            }
        }
        return input;
    }
}
