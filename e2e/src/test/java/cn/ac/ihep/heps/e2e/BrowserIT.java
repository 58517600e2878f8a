package cn.ac.ihep.heps.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.testsupport.openstack.DesktopIdentity;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real browser: Debian's Chromium, driven by playwright-core (e2e/browser), opens the portal URL
 * and shows the user's desktop. The screenshot (target/e2e) must not be blank and must show the
 * desktop's identity colour.
 */
@ExtendWith(E2eEnvironment.Extension.class)
class BrowserIT {

    @Test
    void thePortalUrlOpensTheDesktopInChromium(E2eEnvironment env, TestReporter report, @TempDir Path profile)
            throws IOException, InterruptedException {
        DesktopUser user = env.linux;
        Path screenshot = E2eEnvironment.output().resolve("browser-" + user.serverId() + ".png");
        PortalBrowser.screenshot(env, user.username(), screenshot, profile, report);

        BufferedImage shot = ImageIO.read(screenshot.toFile());
        assertTrue(distinctColours(shot) > 1, "the screenshot " + screenshot + " is blank");
        long near = DesktopIdentity.pixelsNear(shot, user.identityColour(), DesktopScreens.TOLERANCE);
        long pixels = (long) shot.getWidth() * shot.getHeight();
        assertTrue(near > pixels / 4, () -> "only " + near + " of " + pixels + " pixels of " + screenshot + " are "
                + DesktopIdentity.hex(user.identityColour()) + ", the desktop's identity colour");
    }

    private static int distinctColours(BufferedImage image) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 4) {
            for (int x = 0; x < image.getWidth(); x += 4) {
                colours.add(image.getRGB(x, y));
                if (colours.size() > 1) {
                    return colours.size();
                }
            }
        }
        return colours.size();
    }
}
