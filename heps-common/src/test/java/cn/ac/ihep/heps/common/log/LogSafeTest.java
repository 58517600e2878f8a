package cn.ac.ihep.heps.common.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LogSafeTest {

    @Test
    void lineBreaksAndControlsAreEscaped() {
        assertEquals("abc\\u000d\\u000a2026-01-01 INFO forged", LogSafe.text("abc\r\n2026-01-01 INFO forged"));
        assertEquals("nul\\u0000 bell\\u0007 ls\\u2028 rtl\\u202e", LogSafe.text("nul\0 bell\u0007 ls\u2028 rtl\u202e"));
        assertEquals("null", LogSafe.text(null));
        assertEquals("[g1, g2]", LogSafe.text(List.of("g1", "g2")));
    }

    @Test
    void longValuesAreCut() {
        String safe = LogSafe.text("x".repeat(200_000));
        assertTrue(safe.length() < LogSafe.MAXIMUM + 32, safe);
        assertTrue(safe.endsWith("…(200000 chars)"), safe);
    }
}
