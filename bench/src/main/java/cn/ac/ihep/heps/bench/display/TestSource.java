package cn.ac.ihep.heps.bench.display;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Frames of ffmpeg's {@code testsrc2} pattern (colour bars, a moving gradient, moving shapes and
 * a running clock), the moving picture FACTS measured the real stack with: unlike the benchmark's
 * own test cards, only part of the screen changes from one frame to the next, as on a desktop that
 * plays a video or turns a 3D view in a window. ffmpeg (Debian's package) renders them once, before
 * painting starts, so rendering costs the painter nothing while it paints.
 */
final class TestSource {

    /** Memory the frames may take: at 3840x2160 that is 32 frames, about half a second at 60 Hz. */
    static final long BUDGET_BYTES = 1L << 30;

    private TestSource() {
    }

    /** How many frames are rendered for a screen: two seconds at {@code fps}, within {@link #BUDGET_BYTES}. */
    static int frameCount(int width, int height, int fps) {
        long frameBytes = 4L * width * height;
        return (int) Math.max(2, Math.min(2L * fps, BUDGET_BYTES / frameBytes));
    }

    /** The ffmpeg command that writes {@code frames} frames as 32-bit BGRX, one after the other, to its output. */
    static List<String> command(int width, int height, int fps, int frames) {
        return List.of("ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi",
                "-i", String.format(Locale.ROOT, "testsrc2=size=%dx%d:rate=%d", width, height, fps),
                "-frames:v", Integer.toString(frames), "-f", "rawvideo", "-pix_fmt", "bgr0", "pipe:1");
    }

    static List<BufferedImage> render(int width, int height, int fps) throws IOException, InterruptedException {
        int frames = frameCount(width, height, fps);
        Process ffmpeg = new ProcessBuilder(command(width, height, fps, frames))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<BufferedImage> images = new ArrayList<>(frames);
        byte[] raw = new byte[4 * width * height];
        try (DataInputStream in = new DataInputStream(ffmpeg.getInputStream())) {
            for (int i = 0; i < frames; i++) {
                in.readFully(raw);
                images.add(image(raw, width, height));
            }
        } catch (EOFException e) {
            throw new IOException("ffmpeg ended after " + images.size() + " of " + frames + " testsrc2 frames", e);
        } finally {
            if (!ffmpeg.waitFor(30, TimeUnit.SECONDS)) {
                ffmpeg.destroyForcibly();
            }
        }
        return images;
    }

    /** BGRX bytes are, read as little-endian ints, the 0x00RRGGBB pixels of an RGB image. */
    static BufferedImage image(byte[] bgrx, int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] pixels = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
        ByteBuffer.wrap(bgrx).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(pixels);
        return image;
    }
}
