package cn.ac.ihep.heps.testsupport.openstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DesktopIdentityTest {

    private static final Path PAINTER = Path.of(System.getProperty("heps.repository.root", ".."))
            .resolve("dev/openstack/lib/heps_desktop_painter.py");

    @Test
    void theColourIsTheBedsDerivation() {
        String serverId = "3f1e2d4c-5b6a-4978-8c9d-0e1f2a3b4c5d";
        // sha256 of that id starts with ba 18 ac (as the bed's painter computes it in Python):
        // R = 0x40 + (0xba & 0x7f), G = 0x40 + 0x18, B = 0x40 + (0xac & 0x7f).
        assertEquals(new Color(0x7a, 0x58, 0x6c), DesktopIdentity.colourOf(serverId));
    }

    @Test
    void aSignedInSessionsColourIsDerivedFromTheIdsItRunsAs() {
        // sha256("session:<id>:47000:100") starts with 16 74 03, as the session painter computes it.
        assertEquals(new Color(0x56, 0xb4, 0x43),
                DesktopIdentity.sessionColourOf("3f1e2d4c-5b6a-4978-8c9d-0e1f2a3b4c5d", 47000, 100));
    }

    @Test
    void cornersAreCheckedWithinTheTolerance() {
        Color identity = new Color(0x60, 0x90, 0xb0);
        BufferedImage screen = new BufferedImage(1920, 1080, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = screen.createGraphics();
        g.setColor(new Color(0x63, 0x8e, 0xb4)); // what 16-bit colour makes of it, about
        g.fillRect(0, 0, 1920, 1080);
        g.setColor(Color.WHITE);
        g.fillRect(560, 440, 800, 200);
        assertEquals(List.of(), DesktopIdentity.cornerMismatches(screen, identity, 6));

        g.fillRect(1900, 1060, 1, 1);
        List<String> mismatches = DesktopIdentity.cornerMismatches(screen, identity, 6);
        assertEquals(1, mismatches.size());
        assertTrue(mismatches.get(0).startsWith("bottom right: pixel (1900,1060) is #ffffff"), mismatches.get(0));
        g.dispose();
    }

    @Test
    void theNotesSquareIsWhereThePainterDrawsIt() throws IOException {
        String painter = Files.readString(PAINTER, StandardCharsets.UTF_8);
        assertEquals(DesktopIdentity.BOX_WIDTH, constant(painter, "BOX_WIDTH"));
        assertEquals(DesktopIdentity.BOX_HEIGHT, constant(painter, "BOX_HEIGHT"));
        assertEquals(DesktopIdentity.NOTES_GAP, constant(painter, "NOTES_GAP"));
        assertEquals(DesktopIdentity.NOTES_HEIGHT, constant(painter, "NOTES_HEIGHT"));
        assertEquals(new Rectangle(560, 660, 60, 60), DesktopIdentity.notesSquare(1920, 1080));
    }

    @Test
    void theNotesColourIsThePaintersForTheSameText() throws Exception {
        String id = "0b5e1c52-6a0b-4d5e-9a55-4f3c2a1d8e77";
        for (String notes : List.of("", "e2e-1a2b shelved", "~!")) {
            Process python = new ProcessBuilder("python3", "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                    + "import heps_desktop_painter as p; print(p.notes_colour(sys.argv[2], sys.argv[3]))",
                    PAINTER.getParent().toString(), id, notes).redirectErrorStream(true).start();
            assertTrue(python.waitFor(30, TimeUnit.SECONDS));
            String printed = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertEquals(0, python.exitValue(), printed);
            Color expected = DesktopIdentity.notesColourOf(id, notes);
            assertEquals(DesktopIdentity.hex(expected), printed, () -> "notes \"" + notes + "\"");
        }
        assertEquals(DesktopIdentity.colourOf(id), DesktopIdentity.notesColourOf(id, ""));
    }

    private static int constant(String source, String name) {
        Matcher matcher = Pattern.compile("(?m)^([A-Z_, ]+)=\\s*([0-9, ]+)$").matcher(source);
        while (matcher.find()) {
            String[] names = matcher.group(1).split(",");
            String[] values = matcher.group(2).split(",");
            for (int i = 0; i < names.length; i++) {
                if (names[i].trim().equals(name)) {
                    return Integer.parseInt(values[i].trim());
                }
            }
        }
        throw new AssertionError(name + " is not in " + PAINTER);
    }
}
