package cn.ac.ihep.heps.bench.display;

import java.awt.Color;
import java.awt.Frame;
import java.awt.Graphics2D;
import java.awt.GraphicsEnvironment;
import java.awt.Rectangle;
import java.awt.Toolkit;
import java.awt.image.BufferStrategy;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The desktop of the frame-rate benchmark: paints the whole screen of the X display in
 * {@code $DISPLAY} anew at a fixed rate and counts the frames it got to the X server. Each
 * frame is a test card (colour bars, a ramp, a field of blocks, a moving bar) whose colours all
 * turn a step further every frame: every pixel changes, in place, so guacd cannot send a frame
 * as a scroll ({@code copy}) and must encode the whole screen, as with a video or a 3D view.
 * With {@code --content testsrc2} it paints ffmpeg's moving test pattern instead ({@link TestSource}),
 * where only part of the screen changes between frames. Every 100 ms it writes
 * {@code <frames> <nanoTime of the last frame>} to the progress file, so the benchmark can count
 * the frames painted during its measurement, at the source.
 *
 * <pre>java ... ScreenPainter --fps 60 [--content cards|testsrc2] --progress /tmp/painter.progress</pre>
 */
public final class ScreenPainter {

    /** Distinct test cards painted in turn (made once: painting is then a copy in the X server). */
    static final int CYCLE = 12;

    /** What the painter paints. */
    enum Content {
        /** Its own test cards: every pixel changes every frame (the worst case for guacd). */
        CARDS("the painter's test cards, every pixel changing every frame"),
        /** ffmpeg's testsrc2: part of the screen moves, as in a video or a turning 3D view. */
        TESTSRC2("ffmpeg's testsrc2, part of the screen moving");

        /** What a report says was painted. */
        final String description;

        Content(String description) {
            this.description = description;
        }

        static Content parse(String name) {
            for (Content content : values()) {
                if (content.name().equalsIgnoreCase(name)) {
                    return content;
                }
            }
            throw new IllegalArgumentException("unknown content '" + name + "': cards or testsrc2");
        }

        String option() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private ScreenPainter() {
    }

    public static void main(String[] args) throws Exception {
        int fps = 60;
        Path progress = null;
        Content content = Content.CARDS;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--fps" -> fps = Integer.parseInt(args[i + 1]);
                case "--content" -> content = Content.parse(args[i + 1]);
                case "--progress" -> progress = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException(
                        "usage: ScreenPainter --fps N [--content cards|testsrc2] --progress FILE");
            }
        }
        if (progress == null) {
            throw new IllegalArgumentException("--progress FILE is required");
        }
        Rectangle screen = GraphicsEnvironment.getLocalGraphicsEnvironment().getDefaultScreenDevice()
                .getDefaultConfiguration().getBounds();
        Frame frame = new Frame("heps-bench-painter");
        frame.setUndecorated(true);
        frame.setBounds(screen);
        frame.setIgnoreRepaint(true);
        frame.setVisible(true);
        frame.createBufferStrategy(2);
        BufferStrategy strategy = frame.getBufferStrategy();
        List<BufferedImage> cards = frames(content, screen.width, screen.height, fps);

        long period = 1_000_000_000L / fps;
        long next = System.nanoTime();
        long frames = 0;
        long lastWrite = 0;
        while (true) {
            Graphics2D g = (Graphics2D) strategy.getDrawGraphics();
            g.drawImage(cards.get((int) (frames % cards.size())), 0, 0, null);
            g.dispose();
            strategy.show();
            Toolkit.getDefaultToolkit().sync();
            frames++;
            long now = System.nanoTime();
            if (now - lastWrite >= 100_000_000L) {
                write(progress, frames + " " + now + "\n");
                lastWrite = now;
            }
            next += period;
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                LockSupport.parkNanos(sleep);
            } else if (sleep < -period) {
                next = System.nanoTime(); // fell behind: do not try to catch up in a burst
            }
        }
    }

    private static List<BufferedImage> frames(Content content, int width, int height, int fps)
            throws IOException, InterruptedException {
        if (content == Content.TESTSRC2) {
            return TestSource.render(width, height, fps);
        }
        List<BufferedImage> cards = new ArrayList<>(CYCLE);
        for (int i = 0; i < CYCLE; i++) {
            cards.add(card(width, height, i));
        }
        return cards;
    }

    private static void write(Path progress, String line) throws IOException {
        Path temporary = progress.resolveSibling(progress.getFileName() + ".tmp");
        Files.writeString(temporary, line);
        Files.move(temporary, progress, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Test card number {@code step} of the cycle: every colour turned by {@code step / CYCLE} of the hue circle. */
    static BufferedImage card(int width, int height, int step) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        float turn = (float) step / CYCLE;
        int bars = 8;
        int barWidth = Math.max(1, width / bars);
        for (int i = 0; i < bars; i++) {
            g.setColor(Color.getHSBColor((float) i / bars + turn, 0.9f, 0.95f));
            g.fillRect(i * barWidth, 0, barWidth, height / 3);
        }
        for (int x = 0; x < width; x++) {
            g.setColor(Color.getHSBColor((float) x / width + turn, 0.6f, 0.5f + 0.5f * x / width));
            g.drawLine(x, height / 3, x, height / 2);
        }
        int block = Math.max(8, width / 80);
        for (int y = height / 2; y < height; y += block) {
            for (int x = 0; x < width; x += block) {
                float hue = ((x * 31 + y * 17) % 997) / 997f + turn;
                g.setColor(Color.getHSBColor(hue, 0.7f, 0.85f));
                g.fillRect(x, y, block - 2, block - 2);
            }
        }
        g.setColor(Color.WHITE);
        g.fillRect(step * width / CYCLE, height / 3, width / (2 * CYCLE), height - height / 3);
        g.dispose();
        return image;
    }
}
