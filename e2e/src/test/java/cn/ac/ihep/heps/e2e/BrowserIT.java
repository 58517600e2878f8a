package cn.ac.ihep.heps.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.testsupport.openstack.DesktopIdentity;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
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

    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("HEPS_CHROMIUM", "/usr/bin/chromium"));
    private static final long TIMEOUT_MS = 60_000;

    @Test
    void thePortalUrlOpensTheDesktopInChromium(E2eEnvironment env, TestReporter report, @TempDir Path profile)
            throws IOException, InterruptedException {
        Path browser = Path.of(System.getProperty("heps.e2e.browser", "browser"));
        Assumptions.assumeTrue(Files.isDirectory(browser.resolve("node_modules/playwright-core")),
                () -> "playwright-core is not installed: run `npm ci` in " + browser.toAbsolutePath().normalize());
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), () -> "no Chromium at " + CHROMIUM + " (apt-get install chromium)");

        DesktopUser user = env.linux;
        Path screenshot = E2eEnvironment.output().resolve("browser-" + user.serverId() + ".png");
        Files.deleteIfExists(screenshot);
        Process node = new ProcessBuilder("node", "portal-screenshot.mjs",
                "--url", env.guacamole.portalUrl(env.portalToken(user.username())).toString(),
                "--out", screenshot.toString(), "--user-data-dir", profile.toString(),
                "--timeout-ms", Long.toString(TIMEOUT_MS), "--chromium", CHROMIUM.toString())
                .directory(browser.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!node.waitFor(TIMEOUT_MS + 30_000, TimeUnit.MILLISECONDS)) {
            node.descendants().forEach(ProcessHandle::destroyForcibly);
            node.destroyForcibly();
            throw new AssertionError("the browser did not finish within " + (TIMEOUT_MS + 30_000) + " ms");
        }
        String result = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        Measurements.record(report, "browser", result);
        assertEquals(0, node.exitValue(), () -> "the browser says " + result + "; screenshot " + screenshot);

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
