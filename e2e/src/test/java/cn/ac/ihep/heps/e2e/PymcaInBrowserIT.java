package cn.ac.ihep.heps.e2e;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A beamline scientist's first minutes on a real desktop: a member of an experiment at the X-ray
 * absorption spectroscopy beamline, whose image the pipeline built through Nova from the
 * repository's recipe (dev/demo), gets a desktop on the test bed's QEMU host. The guest joins the
 * Samba AD test bed's domain with its pre-staged computer account, LightDM logs the member in,
 * and Chromium opens the member's portal URL: Guacamole, guacd and the guest's VNC server show the
 * member's Xfce session. There the member starts PyMca as anyone would (Alt+F2, "pymca", Enter),
 * and the screenshots are read until PyMca's main window is on the screen.
 */
@ExtendWith(E2eEnvironment.Extension.class)
class PymcaInBrowserIT {
    private static final String BEAMLINE = "xray-absorption-spectroscopy";
    /** Scheduling, the image's copy to the QEMU host, boot, enrollment and the domain join under emulation. */
    private static final Duration RUNNING = Duration.ofMinutes(10);
    /**
     * x11vnc sends its whole first frame 2 s after the portal URL (a capture on the bed's bridge),
     * but while the member's first Xfce session starts the screen is black, and guacd sends only
     * what differs from the display it last sent, which starts black too. The browser's first
     * painted pixel comes with the desktop's first change: 24-51 s after the URL in eight runs on
     * an idle machine, more than 60 s in a CI run.
     */
    private static final Duration FIRST_FRAME = Duration.ofMinutes(3);
    /** PyMca's first start under emulation: Python, Qt, NumPy, Matplotlib's font cache. */
    private static final Duration WINDOW = Duration.ofMinutes(8);

    @Test
    void aMemberStartsPymcaOnTheirRealDesktopInChromium(E2eEnvironment env, TestReporter report, @TempDir Path profile)
            throws IOException, InterruptedException {
        PortalBrowser.requireBrowser();
        Optional<String> noOcr = ScreenText.missingPrerequisite();
        Assumptions.assumeTrue(noOcr.isEmpty(), () -> "skipped: " + noOcr.orElseThrow());
        RealGuestExperiment.assumeImage(env, BEAMLINE, "dev/demo builds it where the base image can be built and"
                + " the Samba AD test bed is up");

        try (RealGuestExperiment experiment = RealGuestExperiment.apply(env, BEAMLINE, "XAS")) {
            DesktopUser user = experiment.awaitDesktop(env, RUNNING);
            long toPort = experiment.secondsSinceApplied();
            String member = experiment.member;

            Path shots = E2eEnvironment.output().resolve("pymca-" + user.serverId());
            // The session is the member's once the panel names them (Xfce's action buttons).
            ProgramLaunch.Launch launch = ProgramLaunch.run(env, member, "pymca", shots, profile, FIRST_FRAME, WINDOW,
                    shot -> namesTheMember(ScreenText.read(shot), member), PymcaInBrowserIT::showsPymca, report);
            assertNotNull(launch.launched(), () -> "the member's session never came up in the browser: " + launch.result());
            assertNotNull(launch.window(), () -> "no screenshot in " + shots + " shows PyMca's main window within "
                    + WINDOW.toMinutes() + " min of starting it: " + launch.result());
            Measurements.record(report, "pymca", "experiment applied -> VNC port " + toPort + " s; portal URL opened -> "
                    + "first frame " + launch.launched().path("paintedMs").asLong() / 1000 + " s -> member's session "
                    + launch.launched().path("sessionMs").asLong() / 1000 + " s -> PyMca's window "
                    + launch.windowMs() / 1000 + " s (" + (launch.windowMs() - launch.launched().path("launchedMs").asLong())
                    / 1000 + " s after Alt+F2 pymca)");

            // The window covers a good part of the desktop the member saw before starting it.
            double changed = changedShare(launch.desktop(), launch.window());
            assertTrue(changed > 0.10, () -> "PyMca's window should cover more than a tenth of the desktop: "
                    + Math.round(changed * 100) + " % of the pixels changed between " + launch.desktop() + " and "
                    + launch.window());
        }
    }

    /**
     * Whether the text names the member: the panel's small letters and digits are misread (a 6 as
     * an é, a 1 as an l, a 9 as a G), so both sides are cut to a username's characters and the
     * glyphs Tesseract confuses are folded together, and a word within a quarter of the name's
     * length in edits counts (3 of the test members' 14 characters).
     */
    static boolean namesTheMember(String text, String member) {
        String name = folded(member);
        for (String read : text.split("\\s+")) {
            String word = folded(read);
            if (Math.abs(word.length() - name.length()) <= name.length() / 4 && edits(word, name) <= name.length() / 4) {
                return true;
            }
        }
        return false;
    }

    private static String folded(String text) {
        String word = text.replaceAll("[^A-Za-z0-9._-]", "").toLowerCase(java.util.Locale.ROOT);
        return word.replaceAll("[1i|]", "l").replace('0', 'o').replace('9', 'g').replace('6', 'b').replace('5', 's');
    }

    private static int edits(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** PyMca's main window: its title and its menus (the run dialog's "pymca" is lower case and has no menus). */
    private static boolean showsPymca(Path screenshot) throws IOException, InterruptedException {
        String text = ScreenText.read(screenshot);
        return text.contains("PyMca") && text.contains("Tools") && text.contains("Help");
    }

    private static double changedShare(Path before, Path after) throws IOException {
        BufferedImage a = ImageIO.read(before.toFile());
        BufferedImage b = ImageIO.read(after.toFile());
        int width = Math.min(a.getWidth(), b.getWidth());
        int height = Math.min(a.getHeight(), b.getHeight());
        long changed = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                int distance = Math.abs((p >> 16 & 0xff) - (q >> 16 & 0xff)) + Math.abs((p >> 8 & 0xff) - (q >> 8 & 0xff))
                        + Math.abs((p & 0xff) - (q & 0xff));
                if (distance > 48) {
                    changed++;
                }
            }
        }
        return (double) changed / ((long) width * height);
    }
}
