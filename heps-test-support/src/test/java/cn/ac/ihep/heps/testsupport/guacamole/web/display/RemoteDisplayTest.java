package cn.ac.ihep.heps.testsupport.guacamole.web.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.GuacamoleProtocolException;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.Instruction;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Drawing as guacd draws a desktop: PNG and JPEG streams in blobs, solid fills, copies, frames. */
class RemoteDisplayTest {

    private static final int OVER = 0xE;
    private static final int SRC = 0xC;
    private long clock = 1_000;

    private final RemoteDisplay display = new RemoteDisplay(DisplayOptions.defaults());

    @Test
    void rectAndCfillPaintTheScreenAndSyncCompletesAFrame() {
        apply("size", 0, 320, 200);
        apply("rect", 0, 0, 0, 320, 200);
        apply("cfill", OVER, 0, 0x5a, 0x81, 0xc3, 255);
        assertEquals(0, display.frames().count());
        assertTrue(apply("sync", 100, 1));

        BufferedImage screen = display.snapshot();
        assertEquals(320, screen.getWidth());
        assertEquals(200, screen.getHeight());
        assertEquals(0xff5a81c3, screen.getRGB(0, 0));
        assertEquals(0xff5a81c3, screen.getRGB(319, 199));
        assertEquals(1, display.frames().count());
        assertEquals(1_000 + 3, display.frames().firstFrameNanos().getAsLong());
    }

    @Test
    void aSyncWithoutDrawingOrAfterDrawingOnlyOffScreenIsNotAFrame() {
        apply("size", 0, 64, 64);
        assertFalse(apply("sync", 1, 0));
        apply("rect", -1, 0, 0, 64, 64);
        apply("cfill", OVER, -1, 1, 2, 3, 255);
        assertFalse(apply("sync", 2, 0));
        assertEquals(0, display.frames().count());
        assertEquals(2, display.frames().syncs());
    }

    @Test
    void severalRectsMakeOnePathThatOneCfillFills() {
        apply("size", 0, 10, 10);
        apply("rect", 0, 0, 0, 2, 2);
        apply("rect", 0, 8, 8, 2, 2);
        apply("cfill", SRC, 0, 255, 0, 0, 255);
        apply("rect", 0, 4, 4, 1, 1);
        apply("cfill", SRC, 0, 0, 0, 255, 255);
        BufferedImage screen = display.snapshot();
        assertEquals(0xffff0000, screen.getRGB(1, 1));
        assertEquals(0xffff0000, screen.getRGB(9, 9));
        assertEquals(0xff0000ff, screen.getRGB(4, 4));
        assertEquals(0, screen.getRGB(5, 5));
    }

    @Test
    void aPngSentInSeveralBlobsIsDrawnWhereTheStreamSays() throws IOException {
        BufferedImage tile = pattern(48, 32);
        apply("size", 0, 100, 80);
        sendImage(3, "image/png", encode(tile, "png"), 20, 10, 3);
        assertTrue(apply("sync", 5, 1));

        BufferedImage screen = display.snapshot();
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 48; x++) {
                assertEquals(tile.getRGB(x, y), screen.getRGB(20 + x, 10 + y), "pixel " + x + "," + y);
            }
        }
        assertEquals(0, screen.getRGB(19, 9));
        assertEquals(1L, display.imagesByType().get("image/png"));
    }

    @Test
    void aJpegIsDrawnWithinJpegTolerance() throws IOException {
        BufferedImage solid = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = solid.createGraphics();
        g.setColor(new Color(0x40, 0xa0, 0x70));
        g.fillRect(0, 0, 64, 64);
        g.dispose();
        apply("size", 0, 64, 64);
        sendImage(1, "image/jpeg", encode(solid, "jpg"), 0, 0, 2);
        Color pixel = new Color(display.snapshot().getRGB(32, 32), true);
        assertTrue(Math.abs(pixel.getRed() - 0x40) <= 3 && Math.abs(pixel.getGreen() - 0xa0) <= 3
                && Math.abs(pixel.getBlue() - 0x70) <= 3, pixel.toString());
    }

    @Test
    void copyMovesPixelsWithinALayerAndFromAnOffScreenBuffer() throws IOException {
        BufferedImage tile = pattern(16, 16);
        apply("size", 0, 64, 64);
        sendImage(1, "image/png", encode(tile, "png"), 0, 0, 1);
        // Overlapping copy within the screen: the source is read before the destination is written.
        apply("copy", 0, 0, 0, 16, 16, OVER, 0, 8, 8);
        // A buffer grows to hold what is drawn into it, then is copied to the screen.
        sendImage(2, "image/png", encode(tile, "png"), 0, 0, 1, -1);
        apply("copy", -1, 0, 0, 16, 16, OVER, 0, 40, 40);

        BufferedImage screen = display.snapshot();
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                assertEquals(tile.getRGB(x, y), screen.getRGB(8 + x, 8 + y));
                assertEquals(tile.getRGB(x, y), screen.getRGB(40 + x, 40 + y));
            }
        }
    }

    @Test
    void transferCombinesBitsAndDisposeDropsABuffer() {
        apply("size", 0, 4, 4);
        apply("rect", 0, 0, 0, 4, 4);
        apply("cfill", SRC, 0, 0x0f, 0xf0, 0xff, 255);
        apply("rect", -2, 0, 0, 4, 4);
        apply("cfill", SRC, -2, 0xff, 0xff, 0x00, 255);
        apply("transfer", -2, 0, 0, 4, 4, 0x6, 0, 0, 0); // XOR
        assertEquals(0x00f00fff, display.snapshot().getRGB(1, 1));
        apply("transfer", -2, 0, 0, 4, 4, 0x3, 0, 0, 0); // SRC
        assertEquals(0xffffff00, display.snapshot().getRGB(1, 1));
        apply("dispose", -2);
        apply("transfer", -2, 0, 0, 4, 4, 0x3, 0, 0, 0); // a new, empty buffer: nothing to copy
        assertEquals(0xffffff00, display.snapshot().getRGB(1, 1));
    }

    @Test
    void resizingKeepsWhatIsDrawn() {
        apply("size", 0, 8, 8);
        apply("rect", 0, 0, 0, 8, 8);
        apply("cfill", OVER, 0, 9, 9, 9, 255);
        apply("size", 0, 16, 4);
        BufferedImage screen = display.snapshot();
        assertEquals(16, screen.getWidth());
        assertEquals(0xff090909, screen.getRGB(7, 3));
        assertEquals(0, screen.getRGB(8, 3));
    }

    @Test
    void imageTypesThatWereNotAdvertisedAndOversizedStreamsAreRefused() throws IOException {
        apply("size", 0, 8, 8);
        GuacamoleProtocolException webp = assertThrows(GuacamoleProtocolException.class,
                () -> apply("img", 1, OVER, 0, "image/webp", 0, 0));
        assertTrue(webp.getMessage().contains("image/webp"), webp.getMessage());

        RemoteDisplay small = new RemoteDisplay(DisplayOptions.defaults().withMaxImageBytes(100));
        small.apply(Instruction.of("img", 1, OVER, 0, "image/png", 0, 0), 0);
        small.apply(Instruction.of("blob", 1, Base64.getEncoder().encodeToString(new byte[60])), 0);
        GuacamoleProtocolException big = assertThrows(GuacamoleProtocolException.class,
                () -> small.apply(Instruction.of("blob", 1, Base64.getEncoder().encodeToString(new byte[60])), 0));
        assertTrue(big.getMessage().contains("100 bytes"), big.getMessage());
    }

    @Test
    void countingOnlyCountsFramesWithoutDecoding() {
        RemoteDisplay counting = new RemoteDisplay(DisplayOptions.countingOnly());
        counting.apply(Instruction.of("size", 0, 8, 8), 0);
        counting.apply(Instruction.of("img", 1, OVER, 0, "image/png", 0, 0), 0);
        counting.apply(Instruction.of("blob", 1, Base64.getEncoder().encodeToString("not a png".getBytes())), 0);
        counting.apply(Instruction.of("end", 1), 0);
        assertTrue(counting.apply(Instruction.of("sync", 1, 3), 0));
        assertEquals(1, counting.frames().count());
        assertEquals(3, counting.frames().framesAtSource());
        assertEquals(9, counting.imageBytes());
    }

    @Test
    void countingOnlyKnowsTheDecodedLengthFromTheBase64() {
        for (int length = 0; length < 10; length++) {
            String base64 = Base64.getEncoder().encodeToString(new byte[length]);
            assertEquals(length, ImageStream.decodedLength(base64), base64);
        }
    }

    @Test
    void anImageThatDoesNotDecodeIsReported() {
        apply("size", 0, 8, 8);
        apply("img", 1, OVER, 0, "image/png", 0, 0);
        apply("blob", 1, Base64.getEncoder().encodeToString("not a png".getBytes()));
        GuacamoleProtocolException e = assertThrows(GuacamoleProtocolException.class, () -> apply("end", 1));
        assertTrue(e.getMessage().contains("image/png"), e.getMessage());
    }

    private boolean apply(String opcode, Object... args) {
        return display.apply(Instruction.of(opcode, args), clock++);
    }

    /** Streams an image as guacd does: raw bytes cut into chunks, each chunk its own base64 blob. */
    private void sendImage(int stream, String mimetype, byte[] data, int x, int y, int chunks) {
        sendImage(stream, mimetype, data, x, y, chunks, 0);
    }

    private void sendImage(int stream, String mimetype, byte[] data, int x, int y, int chunks, int layer) {
        apply("img", stream, OVER, layer, mimetype, x, y);
        for (byte[] chunk : split(data, chunks)) {
            apply("blob", stream, Base64.getEncoder().encodeToString(chunk));
        }
        apply("end", stream);
    }

    private static List<byte[]> split(byte[] data, int chunks) {
        List<byte[]> out = new ArrayList<>();
        int size = (data.length + chunks - 1) / chunks;
        for (int start = 0; start < data.length; start += size) {
            out.add(Arrays.copyOfRange(data, start, Math.min(data.length, start + size)));
        }
        return out;
    }

    private static BufferedImage pattern(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, 0xff000000 | (x * 5 & 0xff) << 16 | (y * 7 & 0xff) << 8 | ((x ^ y) * 3 & 0xff));
            }
        }
        return image;
    }

    private static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, format, out)) {
            throw new IOException("no ImageIO writer for " + format);
        }
        return out.toByteArray();
    }
}
