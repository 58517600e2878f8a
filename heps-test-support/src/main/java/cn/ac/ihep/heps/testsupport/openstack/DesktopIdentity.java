package cn.ac.ihep.heps.testsupport.openstack;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a test-bed desktop paints (interfaces §1): the whole screen in its identity colour,
 * derived from the Nova server id, with a box in the middle; the four 100×100 corners are always
 * pure identity colour. The same colour is the xrdp login screen's background on Windows desktops.
 */
public final class DesktopIdentity {

    /** The side of the corner squares that are always the identity colour. */
    public static final int CORNER = 100;
    /** The painter's box in the middle of the screen (dev/openstack/lib/heps_desktop_painter.py). */
    static final int BOX_WIDTH = 800;
    static final int BOX_HEIGHT = 200;
    static final int NOTES_GAP = 20;
    static final int NOTES_HEIGHT = 60;

    private DesktopIdentity() {
    }

    /** sha256(server id) → bytes b0, b1, b2; each channel 0x40 + (b & 0x7f). */
    public static Color colourOf(String serverId) {
        return colourOfText(serverId);
    }

    /**
     * The colour of a signed-in session on a Windows test-bed desktop (the session painter, run by
     * the guest's xrdp-sesman as the user who signed in): sha256("session:<server id>:<uid>:<gid>"),
     * with the uid and gid the session process runs as, the same way.
     */
    public static Color sessionColourOf(String serverId, int uid, int gid) {
        return colourOfText("session:" + serverId + ":" + uid + ":" + gid);
    }

    private static Color colourOfText(String text) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return new Color(0x40 + (digest[0] & 0x7f), 0x40 + (digest[1] & 0x7f), 0x40 + (digest[2] & 0x7f));
    }

    /**
     * The colour of the notes square of a desktop whose {@code ~/notes.txt} holds {@code notes}
     * (dev/openstack's painter): the identity rule over {@code "notes:" + notes}; with no notes, the
     * desktop's own identity colour.
     */
    public static Color notesColourOf(String serverId, String notes) {
        return notes.isEmpty() ? colourOf(serverId) : colourOf("notes:" + notes);
    }

    /**
     * The notes square on a screen of that size: {@value #NOTES_HEIGHT} pixels square, under the
     * painter's 800x200 box (centred) at {@value #NOTES_GAP} pixels, at the box's left edge.
     *
     * @return x, y of its top left corner and its side
     */
    public static java.awt.Rectangle notesSquare(int screenWidth, int screenHeight) {
        int left = (screenWidth - BOX_WIDTH) / 2;
        int top = (screenHeight - BOX_HEIGHT) / 2 + BOX_HEIGHT + NOTES_GAP;
        return new java.awt.Rectangle(left, top, NOTES_HEIGHT, NOTES_HEIGHT);
    }

    /** The middle of the notes square, where a colour is read (away from its border and the text). */
    public static Color notesColourOnScreen(BufferedImage screen) {
        java.awt.Rectangle square = notesSquare(screen.getWidth(), screen.getHeight());
        return new Color(screen.getRGB(square.x + square.width / 2, square.y + square.height / 2) & 0xffffff);
    }

    /** Whether two colours are within {@code tolerance} in every channel. */
    public static boolean near(Color a, Color b, int tolerance) {
        return near(0xff000000 | a.getRGB(), b, tolerance);
    }

    /**
     * The corners of the screen that are not the colour, each with the first pixel that differs
     * by more than {@code tolerance} in a channel; empty when all four are. A tolerance of a few
     * units absorbs a reduced colour depth (16-bit colour keeps 5 or 6 bits of a channel).
     */
    public static List<String> cornerMismatches(BufferedImage screen, Color colour, int tolerance) {
        List<String> mismatches = new ArrayList<>();
        int width = screen.getWidth();
        int height = screen.getHeight();
        if (width < 2 * CORNER || height < 2 * CORNER) {
            mismatches.add("the screen is only " + width + "x" + height);
            return mismatches;
        }
        int[][] origins = {{0, 0}, {width - CORNER, 0}, {0, height - CORNER}, {width - CORNER, height - CORNER}};
        String[] names = {"top left", "top right", "bottom left", "bottom right"};
        for (int corner = 0; corner < 4; corner++) {
            String mismatch = firstMismatch(screen, origins[corner][0], origins[corner][1], colour, tolerance);
            if (mismatch != null) {
                mismatches.add(names[corner] + ": " + mismatch);
            }
        }
        return mismatches;
    }

    /** How many pixels of the image are within {@code tolerance} of the colour. */
    public static long pixelsNear(BufferedImage image, Color colour, int tolerance) {
        long count = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if (near(image.getRGB(x, y), colour, tolerance)) {
                    count++;
                }
            }
        }
        return count;
    }

    public static String hex(Color colour) {
        return String.format(Locale.ROOT, "#%02x%02x%02x", colour.getRed(), colour.getGreen(), colour.getBlue());
    }

    private static String firstMismatch(BufferedImage screen, int left, int top, Color colour, int tolerance) {
        for (int y = top; y < top + CORNER; y++) {
            for (int x = left; x < left + CORNER; x++) {
                int argb = screen.getRGB(x, y);
                if (!near(argb, colour, tolerance)) {
                    return String.format(Locale.ROOT, "pixel (%d,%d) is #%06x (alpha %d), expected %s ±%d",
                            x, y, argb & 0xffffff, argb >>> 24, hex(colour), tolerance);
                }
            }
        }
        return null;
    }

    private static boolean near(int argb, Color colour, int tolerance) {
        return argb >>> 24 == 0xff
                && Math.abs((argb >> 16 & 0xff) - colour.getRed()) <= tolerance
                && Math.abs((argb >> 8 & 0xff) - colour.getGreen()) <= tolerance
                && Math.abs((argb & 0xff) - colour.getBlue()) <= tolerance;
    }
}
