package cn.ac.ihep.heps.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.images.catalog.CurrentImageRule;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.desktop.ImageProperties;
import cn.ac.ihep.heps.testsupport.demo.AgentApiClient;
import cn.ac.ihep.heps.testsupport.demo.AgentApiClient.AgentDesktop;
import cn.ac.ihep.heps.testsupport.demo.AgentApiClient.ExperimentRequest;
import cn.ac.ihep.heps.testsupport.desktop.ScreenPixels;
import cn.ac.ihep.heps.testsupport.openstack.OpenStackTestBed;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
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
        Assumptions.assumeTrue(env.demo.beamlines().contains(BEAMLINE)
                && CurrentImageRule.current(BEAMLINE, env.cloud.listImages(Map.of(ImageProperties.BEAMLINE, BEAMLINE)))
                        .isPresent(),
                () -> "the demo has no image for " + BEAMLINE + " (dev/demo builds it where the base image can be built)");

        AgentApiClient agent = env.demo.agent();
        String member = "e2e" + env.run + "r";
        Instant starts = Instant.now().minus(5, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
        ExperimentRequest experiment = new ExperimentRequest("E2E-" + env.run.toUpperCase(Locale.ROOT) + "-R", BEAMLINE,
                null, starts, starts.plus(3, ChronoUnit.HOURS), List.of(member), "linux", 0,
                OpenStackTestBed.QEMU_FLAVOR, null);
        Instant applied = Instant.now();
        agent.putExperiment(experiment);
        try {
            AgentDesktop desktop = agent.awaitDesktops(experiment.proposalId(), desktops -> desktops.size() == 1
                    && desktops.get(0).isRunningWithAddress(), RUNNING).get(0);
            CloudServer server = env.cloud.findServer(desktop.serverId()).orElseThrow();
            assertTrue(OpenStackTestBed.QEMU_HOST.equals(server.host()), () -> "a real guest, not " + server.host());
            DesktopUser user = new DesktopUser(member, desktop.proposalId(), desktop.serverId(), desktop.address(), "vnc");
            E2eEnvironment.awaitPort(user);
            long toPort = Duration.between(applied, Instant.now()).toSeconds();

            Path screenshot = E2eEnvironment.output().resolve("real-guest-" + user.serverId() + ".png");
            PortalBrowser.screenshot(env, member, screenshot, profile, report);
            Measurements.record(report, "real guest", "experiment applied -> VNC port " + toPort + " s -> browser shows it "
                    + Duration.between(applied, Instant.now()).toSeconds() + " s");

            BufferedImage shot = ImageIO.read(screenshot.toFile());
            int[] pixels = shot.getRGB(0, 0, shot.getWidth(), shot.getHeight(), null, 0, shot.getWidth());
            long dark = count(pixels, 0x30);
            long light = pixels.length - count(pixels, 0xd0);
            assertTrue(ScreenPixels.colours(pixels) > 16, () -> "the screenshot " + screenshot + " has anti-aliased text");
            assertTrue(dark > pixels.length / 2, () -> "the greeter's background is dark: " + dark + " of " + pixels.length
                    + " pixels of " + screenshot);
            assertTrue(light > pixels.length / 100 && light < pixels.length / 4, () -> "a login box, not a white page: "
                    + light + " of " + pixels.length + " pixels of " + screenshot + " are light");
        } finally {
            agent.removeMember(experiment.proposalId(), member);
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
