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
import java.util.concurrent.locks.LockSupport;

/**
 * The desktop of the frame-rate benchmark: paints the whole screen of the X display in
 * {@code $DISPLAY} anew at a fixed rate (a moving pattern of colour bars, gradients and blocks,
 * so that every pixel changes every frame) and counts the frames it got to the X server.
 * Every 100 ms it writes {@code <frames> <nanoTime of the last frame>} to the progress file, so
 * the benchmark can count the frames painted during its measurement, at the source.
 *
 * <pre>java ... ScreenPainter --fps 60 --progress /tmp/painter.progress</pre>
 */
public final class ScreenPainter {

    private ScreenPainter() {
    }

    public static void main(String[] args) throws Exception {
        int fps = 60;
        Path progress = null;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--fps" -> fps = Integer.parseInt(args[i + 1]);
                case "--progress" -> progress = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("usage: ScreenPainter --fps N --progress FILE");
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
        BufferedImage pattern = pattern(screen.width * 2, screen.height * 2);

        long period = 1_000_000_000L / fps;
        long next = System.nanoTime();
        long frames = 0;
        long lastWrite = 0;
        while (true) {
            int step = (int) (frames % screen.width);
            Graphics2D g = (Graphics2D) strategy.getDrawGraphics();
            g.drawImage(pattern, -step, -(int) (frames * 3 % screen.height), null);
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

    private static void write(Path progress, String line) throws IOException {
        Path temporary = progress.resolveSibling(progress.getFileName() + ".tmp");
        Files.writeString(temporary, line);
        Files.move(temporary, progress, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Colour bars, a gradient and a field of blocks: a busy screen, like a test card, not noise. */
    static BufferedImage pattern(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        Color[] bars = {Color.WHITE, Color.YELLOW, Color.CYAN, Color.GREEN, Color.MAGENTA, Color.RED, Color.BLUE, Color.BLACK};
        int barWidth = Math.max(1, width / 32);
        for (int x = 0; x < width; x += barWidth) {
            g.setColor(bars[(x / barWidth) % bars.length]);
            g.fillRect(x, 0, barWidth, height / 3);
        }
        for (int x = 0; x < width; x++) {
            int v = x * 255 / width;
            g.setColor(new Color(v, 255 - v, (v * 3) & 0xff));
            g.drawLine(x, height / 3, x, height * 2 / 3);
        }
        int block = 24;
        for (int y = height * 2 / 3; y < height; y += block) {
            for (int x = 0; x < width; x += block) {
                int h = (x * 31 + y * 17) & 0xff;
                g.setColor(new Color(h, (h * 7) & 0xff, (h * 13) & 0xff));
                g.fillRect(x, y, block - 2, block - 2);
            }
        }
        g.dispose();
        return image;
    }
}
