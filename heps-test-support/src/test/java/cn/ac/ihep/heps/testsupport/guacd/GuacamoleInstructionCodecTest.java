package cn.ac.ihep.heps.testsupport.guacd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.List;
import org.apache.guacamole.protocol.GuacamoleInstruction;
import org.junit.jupiter.api.Test;

/** The fake's codec agrees with Guacamole's own instruction encoding, multi-byte text included. */
class GuacamoleInstructionCodecTest {

    @Test
    void readsWhatGuacamoleWrites() throws IOException {
        String wire = new GuacamoleInstruction("name", "云桌面 😀 desktop", "").toString()
                + new GuacamoleInstruction("size", "1920", "1080", "96").toString();
        StringReader reader = new StringReader(wire);
        assertEquals(List.of("name", "云桌面 😀 desktop", ""), GuacamoleInstructionCodec.read(reader));
        assertEquals(List.of("size", "1920", "1080", "96"), GuacamoleInstructionCodec.read(reader));
        assertNull(GuacamoleInstructionCodec.read(reader));
    }

    @Test
    void writesWhatGuacamoleWrites() throws IOException {
        StringWriter out = new StringWriter();
        GuacamoleInstructionCodec.write(out, "args", List.of("VERSION_1_5_0", "hostname", "密码😀"));
        assertEquals(new GuacamoleInstruction("args", "VERSION_1_5_0", "hostname", "密码😀").toString(), out.toString());
    }

    @Test
    void malformedInputIsRefused() {
        assertThrows(IOException.class, () -> GuacamoleInstructionCodec.read(new StringReader("5.size;")));
        assertThrows(IOException.class, () -> GuacamoleInstructionCodec.read(new StringReader("x.size;")));
        assertThrows(IOException.class, () -> GuacamoleInstructionCodec.read(new StringReader("4.size")));
        assertThrows(IOException.class, () -> GuacamoleInstructionCodec.read(new StringReader("999999.x;")));
    }
}
