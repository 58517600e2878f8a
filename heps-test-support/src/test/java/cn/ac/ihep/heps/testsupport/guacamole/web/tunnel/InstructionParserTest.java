package cn.ac.ihep.heps.testsupport.guacamole.web.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.guacamole.protocol.GuacamoleInstruction;
import org.junit.jupiter.api.Test;

class InstructionParserTest {

    /** Multi-byte text, a character outside the BMP (a surrogate pair in Java), empty elements. */
    private static final String WIRE = new GuacamoleInstruction("", "8f2a55c1-2b1c-4a57-9d0e-0c5f1f4e6a2b").toString()
            + new GuacamoleInstruction("name", "云桌面 😀 alice").toString()
            + new GuacamoleInstruction("size", "0", "1920", "1080").toString()
            + new GuacamoleInstruction("error", "", "519").toString()
            + new GuacamoleInstruction("sync", "1733480000123", "2").toString();

    private static final List<Instruction> EXPECTED = List.of(
            Instruction.of("", "8f2a55c1-2b1c-4a57-9d0e-0c5f1f4e6a2b"),
            Instruction.of("name", "云桌面 😀 alice"),
            Instruction.of("size", 0, 1920, 1080),
            Instruction.of("error", "", 519),
            Instruction.of("sync", "1733480000123", 2));

    @Test
    void lengthsCountCodePointsAsGuacamoleDoes() {
        String name = "云桌面 😀 alice";
        assertEquals(11, name.codePointCount(0, name.length()));
        assertEquals(12, name.length());
        assertEquals("4.name,11.云桌面 😀 alice;", Instruction.of("name", name).encode());
        assertEquals(new GuacamoleInstruction("name", name).toString(), Instruction.of("name", name).encode());
    }

    @Test
    void manyInstructionsInOneMessage() {
        assertEquals(EXPECTED, parse(List.of(WIRE)));
    }

    @Test
    void instructionsSplitAtEveryPointAcrossTwoMessages() {
        for (int split = 0; split <= WIRE.length(); split++) {
            List<String> pieces = List.of(WIRE.substring(0, split), WIRE.substring(split));
            assertEquals(EXPECTED, parse(pieces), "split at " + split);
        }
    }

    @Test
    void oneCharacterPerMessageSplitsSurrogatePairs() {
        List<String> pieces = new ArrayList<>();
        for (char c : WIRE.toCharArray()) {
            pieces.add(String.valueOf(c));
        }
        assertEquals(EXPECTED, parse(pieces));
    }

    @Test
    void waitsForTheTerminatorBeforeEmitting() {
        InstructionParser parser = new InstructionParser();
        List<Instruction> out = new ArrayList<>();
        parser.receive("4.sync,3.123", out::add);
        assertTrue(out.isEmpty());
        assertFalse(parser.isAtInstructionBoundary());
        parser.receive(";", out::add);
        assertEquals(List.of(Instruction.of("sync", 123)), out);
        assertTrue(parser.isAtInstructionBoundary());
    }

    @Test
    void malformedInputIsRefused() {
        assertThrows(GuacamoleProtocolException.class, () -> parse(List.of("4.sync:3.123;")));
        assertThrows(GuacamoleProtocolException.class, () -> parse(List.of("x.sync;")));
        assertThrows(GuacamoleProtocolException.class, () -> parse(List.of(".sync;")));
        assertThrows(GuacamoleProtocolException.class, () -> parse(List.of("3.sync;")));
        assertThrows(GuacamoleProtocolException.class, () -> parse(List.of("1234567890.x;")));
    }

    @Test
    void anElementOverTheLimitIsRefusedBeforeItIsBuffered() {
        InstructionParser parser = new InstructionParser(1000);
        parser.receive("4.blob,1.1,1000." + "A".repeat(1000) + ";", i -> { });
        GuacamoleProtocolException e = assertThrows(GuacamoleProtocolException.class,
                () -> parser.receive("4.blob,1.1,1001.", i -> { }));
        assertTrue(e.getMessage().contains("1000"), e.getMessage());
    }

    @Test
    void encodingRoundTrips() {
        StringBuilder wire = new StringBuilder();
        EXPECTED.forEach(i -> wire.append(i.encode()));
        assertEquals(WIRE, wire.toString());
    }

    private static List<Instruction> parse(List<String> pieces) {
        InstructionParser parser = new InstructionParser();
        List<Instruction> out = new ArrayList<>();
        pieces.forEach(piece -> parser.receive(piece, out::add));
        assertTrue(parser.isAtInstructionBoundary());
        return out;
    }
}
