package cn.ac.ihep.heps.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.testsupport.openstack.DesktopIdentity;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The user of a recorded desktop is told before the session opens, in a real browser (Debian's
 * Chromium, playwright-core, e2e/browser/recording-notice.mjs): the portal URL of the demo's
 * recorded (Windows) desktop shows Guacamole's dialog "This session is recorded" while no tunnel
 * has been opened and nothing is painted; after "Continue (recorded)" the desktop shows, in its
 * identity colour.
 */
@ExtendWith(E2eEnvironment.Extension.class)
class RecordingNoticeIT {

    @Test
    void theRecordingNoticeComesBeforeTheSessionAndContinueOpensIt(E2eEnvironment env, TestReporter report,
            @TempDir Path profile) throws IOException, InterruptedException {
        PortalBrowser.requireBrowser();
        Assumptions.assumeTrue(env.windows.isPresent(), "the demo has no Windows beamline, the one dev/guacamole records");

        DesktopUser user = env.windows.get();
        // The owner's screen: their signed-in session with single sign-on, else xrdp's login screen.
        java.awt.Color screen = env.ownersScreen(user);
        Path screenshot = E2eEnvironment.output().resolve("recording-notice-" + user.serverId() + ".png");
        String result = PortalBrowser.run("recording-notice.mjs", "recording notice in the browser", env,
                user.username(), screenshot, profile, report, "--expect-colour", DesktopIdentity.hex(screen).substring(1));
        assertTrue(result.contains("\"tunnelsBeforeContinue\":0"), result);

        BufferedImage shot = ImageIO.read(screenshot.toFile());
        long near = DesktopIdentity.pixelsNear(shot, screen, DesktopScreens.TOLERANCE);
        long pixels = (long) shot.getWidth() * shot.getHeight();
        assertTrue(near > pixels / 4, () -> "only " + near + " of " + pixels + " pixels of " + screenshot + " are "
                + DesktopIdentity.hex(screen) + ", the colour of what the desktop's owner sees");
    }
}
