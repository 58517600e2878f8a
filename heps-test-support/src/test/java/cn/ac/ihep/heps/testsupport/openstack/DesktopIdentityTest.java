package cn.ac.ihep.heps.testsupport.openstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class DesktopIdentityTest {

    @Test
    void theColourIsTheBedsDerivation() {
        String serverId = "3f1e2d4c-5b6a-4978-8c9d-0e1f2a3b4c5d";
        // sha256 of that id starts with ba 18 ac (as the bed's painter computes it in Python):
        // R = 0x40 + (0xba & 0x7f), G = 0x40 + 0x18, B = 0x40 + (0xac & 0x7f).
        assertEquals(new Color(0x7a, 0x58, 0x6c), DesktopIdentity.colourOf(serverId));
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
}
