package cn.ac.ihep.heps.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.testsupport.desktop.ScreenPixels;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real guest in a real browser: the demo's beamline {@code demo-real-guest}, whose image the
 * image pipeline built through Nova (dev/demo), gets an experiment with the QEMU flavor; the agent
 * boots the member's desktop on the test bed's QEMU host, the guest enrolls and starts its VNC
 * server, and Chromium opens the member's portal URL: the token goes to the real Guacamole, the
 * resolver offers the guest, guacd connects to its VNC server, and the page shows the guest's
 * LightDM greeter: a light login box in the middle of a dark screen, with anti-aliased text.
 */
@ExtendWith(E2eEnvironment.Extension.class)
class RealGuestBrowserIT {
    private static final String BEAMLINE = "demo-real-guest";
    /** Scheduling, the image's copy to the QEMU host, boot and enrollment under emulation. */
    private static final Duration RUNNING = Duration.ofMinutes(10);

    @Test
    void thePortalUrlOpensARealGuestsDesktopInChromium(E2eEnvironment env, TestReporter report, @TempDir Path profile)
            throws IOException, InterruptedException {
        PortalBrowser.requireBrowser();
        RealGuestExperiment.assumeImage(env, BEAMLINE, "dev/demo builds it where the base image can be built");

        try (RealGuestExperiment experiment = RealGuestExperiment.apply(env, BEAMLINE, "R")) {
            DesktopUser user = experiment.awaitDesktop(env, RUNNING);
            long toPort = experiment.secondsSinceApplied();
            String member = experiment.member;

            Path screenshot = E2eEnvironment.output().resolve("real-guest-" + user.serverId() + ".png");
            PortalBrowser.screenshot(env, member, screenshot, profile, report);
            Measurements.record(report, "real guest", "experiment applied -> VNC port " + toPort + " s -> browser shows it "
                    + experiment.secondsSinceApplied() + " s");

            BufferedImage shot = ImageIO.read(screenshot.toFile());
            int[] pixels = shot.getRGB(0, 0, shot.getWidth(), shot.getHeight(), null, 0, shot.getWidth());
            long dark = count(pixels, 0x30);
            long light = pixels.length - count(pixels, 0xd0);
            assertTrue(ScreenPixels.colours(pixels) > 16, () -> "the screenshot " + screenshot + " has anti-aliased text");
            assertTrue(dark > pixels.length / 2, () -> "the greeter's background is dark: " + dark + " of " + pixels.length
                    + " pixels of " + screenshot);
            assertTrue(light > pixels.length / 100 && light < pixels.length / 4, () -> "a login box, not a white page: "
                    + light + " of " + pixels.length + " pixels of " + screenshot + " are light");
        }
    }

    /** Pixels whose every channel is below {@code below}. */
    private static long count(int[] pixels, int below) {
        long count = 0;
        for (int pixel : pixels) {
            if ((pixel >> 16 & 0xff) < below && (pixel >> 8 & 0xff) < below && (pixel & 0xff) < below) {
                count++;
            }
        }
        return count;
    }
}
