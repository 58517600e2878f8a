package cn.ac.ihep.heps.guacamole.resolver.activity;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.guacamole.protocol.GuacamoleInstruction;
import org.junit.jupiter.api.Test;

class InputScannerTest {

    private static boolean scan(InputScanner scanner, String text) {
        char[] chars = text.toCharArray();
        return scanner.scan(chars, 0, chars.length);
    }

    @Test
    void findsMouseKeyAndTouchButNotWhatTheBrowserSendsByItself() {
        assertTrue(scan(new InputScanner(), "5.mouse,3.100,3.200,1.0;"));
        assertTrue(scan(new InputScanner(), "3.key,5.65307,1.1;"));
        assertTrue(scan(new InputScanner(), new GuacamoleInstruction("touch", "0", "1", "2", "3", "4", "0", "1").toString()));
        assertFalse(scan(new InputScanner(), "4.sync,13.1733140000000;3.nop;4.size,4.1920,4.1080;"));
        // "mouse" as an argument is not an instruction.
        assertFalse(scan(new InputScanner(), "9.clipboard,5.mouse;4.blob,1.0,5.mouse;"));
    }

    @Test
    void anInstructionSplitAnywhereBetweenChunksIsStillFound() {
        String text = "4.sync,3.123;5.mouse,2.10,2.20,1.1;";
        for (int split = 0; split <= text.length(); split++) {
            InputScanner scanner = new InputScanner();
            boolean first = scan(scanner, text.substring(0, split));
            boolean second = scan(scanner, text.substring(split));
            assertTrue(first || second, "split at " + split);
        }
    }

    @Test
    void lengthsCountCodePointsNotChars() {
        // An emoji is one code point in two chars: the next opcode must still be found.
        String text = new GuacamoleInstruction("blob", "0", "\uD83D\uDE00ab").toString() + "3.key,2.65,1.1;";
        InputScanner scanner = new InputScanner();
        assertTrue(scan(scanner, text));
    }

    @Test
    void textThatIsNotTheProtocolStopsTheScan() {
        InputScanner scanner = new InputScanner();
        assertFalse(scan(scanner, "GET / HTTP/1.1\r\n"));
        assertFalse(scan(scanner, "5.mouse,1.1,1.1,1.0;"));
    }
}
