package cn.ac.ihep.heps.bench.display;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A desktop of the benchmark's own: Xvfb at the chosen size and depth 24, the
 * {@link ScreenPainter} repainting it at a fixed rate with the chosen content, and x11vnc serving it on a loopback port
 * with a password. Everything stops with {@link #close()}.
 */
final class LocalDesktop implements AutoCloseable {

    final int width;
    final int height;
    final int vncPort;
    private final Path progress;
    private final ChildProcess xvfb;
    private final ChildProcess painter;
    private final ChildProcess x11vnc;

    private LocalDesktop(int width, int height, int vncPort, Path progress, ChildProcess xvfb, ChildProcess painter,
            ChildProcess x11vnc) {
        this.width = width;
        this.height = height;
        this.vncPort = vncPort;
        this.progress = progress;
        this.xvfb = xvfb;
        this.painter = painter;
        this.x11vnc = x11vnc;
    }

    /** @param x11vncOptions x11vnc options beyond the port, password and display (a guest image's own, say) */
    static LocalDesktop start(int width, int height, int fps, ScreenPainter.Content content, List<String> x11vncOptions,
            int vncPort, String password, Path work) {
        int display = freeDisplay();
        Path progress = work.resolve("painter-" + display + ".progress");
        try {
            Files.deleteIfExists(progress); // a painter of an earlier run on the same display number
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChildProcess xvfb = ChildProcess.start("xvfb-" + display, List.of("Xvfb", ":" + display, "-screen", "0",
                width + "x" + height + "x24", "-nolisten", "tcp", "-noreset"), Map.of(), work);
        ChildProcess painter = null;
        try {
            xvfb.awaitReady("X display :" + display, Duration.ofSeconds(20),
                    () -> Files.exists(Path.of("/tmp/.X11-unix/X" + display)));
            painter = ChildProcess.start("painter-" + display, List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1500m",
                    "-cp", System.getProperty("java.class.path"), ScreenPainter.class.getName(),
                    "--fps", Integer.toString(fps), "--content", content.option(), "--progress", progress.toString()),
                    Map.of("DISPLAY", ":" + display), work);
            // testsrc2's frames are rendered by ffmpeg before the first one is painted.
            painter.awaitReady("first painted frames", Duration.ofSeconds(120), () -> Files.exists(progress));
            Path passwordFile = work.resolve("vncpasswd-" + display);
            storePassword(password, passwordFile, work);
            List<String> command = new ArrayList<>(List.of("x11vnc", "-display", ":" + display,
                    "-rfbport", Integer.toString(vncPort), "-rfbauth", passwordFile.toString(), "-localhost",
                    "-forever", "-shared", "-quiet", "-noxrecord"));
            command.addAll(x11vncOptions);
            ChildProcess x11vnc = ChildProcess.start("x11vnc-" + display, command, Map.of(), work);
            x11vnc.awaitReady("VNC on port " + vncPort, Duration.ofSeconds(30), () -> ChildProcess.listening(vncPort));
            return new LocalDesktop(width, height, vncPort, progress, xvfb, painter, x11vnc);
        } catch (RuntimeException e) {
            if (painter != null) {
                painter.close();
            }
            xvfb.close();
            throw e;
        }
    }

    /** What the painter has reported: frames painted so far and {@link System#nanoTime()} of the last one. */
    record Painted(long frames, long atNanos) {
    }

    Painted painted() {
        try {
            String[] fields = Files.readString(progress).trim().split(" ");
            return new Painted(Long.parseLong(fields[0]), Long.parseLong(fields[1]));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long x11vncPid() {
        return x11vnc.pid();
    }

    long painterPid() {
        return painter.pid();
    }

    @Override
    public void close() {
        x11vnc.close();
        painter.close();
        xvfb.close();
    }

    private static void storePassword(String password, Path file, Path work) {
        ChildProcess store = ChildProcess.start("x11vnc-storepasswd", List.of("x11vnc", "-storepasswd", password,
                file.toString()), Map.of(), work);
        store.awaitReady("password file", Duration.ofSeconds(10), () -> !store.isAlive() && Files.exists(file));
    }

    private static int freeDisplay() {
        for (int display = 90; display < 200; display++) {
            if (!Files.exists(Path.of("/tmp/.X11-unix/X" + display)) && !Files.exists(Path.of("/tmp/.X" + display + "-lock"))) {
                return display;
            }
        }
        throw new IllegalStateException("no free X display number between :90 and :199");
    }
}
