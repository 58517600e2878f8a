package cn.ac.ihep.heps.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.testsupport.demo.AgentApiClient.IdleLimits;
import cn.ac.ihep.heps.testsupport.desktop.ScreenPixels;
import cn.ac.ihep.heps.testsupport.guacamole.web.AuthenticatedSession;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.FrameWait;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.RetryPolicy;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelClient;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * Then the member leaves: the experiment's shelve limit (one minute) makes the agent shelve the
 * idle guest, Nova offloads it, and the member's next login wakes it: the resolver unshelves the
 * same server, the front end's retries end in its greeter again.
 */
@ExtendWith(E2eEnvironment.Extension.class)
class RealGuestBrowserIT {
    private static final String BEAMLINE = "demo-real-guest";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Scheduling, the image's copy to the QEMU host, boot and enrollment under emulation. */
    private static final Duration RUNNING = Duration.ofMinutes(10);
    /** The one-minute limit, the agent's pass and Nova's snapshot of the guest's disk. */
    private static final Duration SHELVED = Duration.ofMinutes(6);

    @Test
    void thePortalUrlOpensARealGuestsDesktopInChromiumAndALoginWakesItFromTheShelf(E2eEnvironment env, TestReporter report, @TempDir Path profile)
            throws IOException, InterruptedException {
        PortalBrowser.requireBrowser();
        RealGuestExperiment.assumeImage(env, BEAMLINE, "dev/demo builds it where the base image can be built");

        try (RealGuestExperiment experiment = RealGuestExperiment.apply(env, BEAMLINE, "R")) {
            DesktopUser user = experiment.awaitDesktop(env, RUNNING);
            long toPort = experiment.secondsSinceApplied();
            String member = experiment.member;

            Path screenshot = E2eEnvironment.output().resolve("real-guest-" + user.serverId() + ".png");
            JsonNode shown = JSON.readTree(PortalBrowser.screenshot(env, member, screenshot, profile, report));
            // A user's browser is open already (the portal's page): from the URL to the painted
            // display is what they wait once the desktop answers; Chromium's own start is not.
            long fromUrlMs = shown.path("fromUrlMs").asLong();
            Measurements.record(report, "real guest", "experiment applied -> VNC port " + toPort + " s -> painted "
                    + fromUrlMs + " ms after the URL opened: " + Math.round(toPort + fromUrlMs / 1000.0)
                    + " s to the first frame in an open browser (" + experiment.secondsSinceApplied()
                    + " s with Chromium's start and the screenshot)");

            assertEquals(List.of(), greeterFaults(ImageIO.read(screenshot.toFile())), () -> "the screenshot " + screenshot);

            // The member has left: a minute later the idle guest is shelved, then offloaded.
            long left = System.nanoTime();
            experiment.idleLimits(new IdleLimits(null, "PT1M"));
            assertEquals(user.serverId(), experiment.awaitState("SHELVED_IDLE", SHELVED).serverId());
            env.awaitServerState(user.serverId(), ServerState.SHELVED_OFFLOADED, Duration.ofMinutes(3));
            Measurements.record(report, "real guest", "left -> shelved and offloaded "
                    + Duration.ofNanos(System.nanoTime() - left).toSeconds() + " s");

            long login = System.nanoTime();
            AuthenticatedSession session = DesktopScreens.login(env, member);
            TunnelClient.Attempts attempts = env.guacamole.tunnel().openUntilFrame(session.authToken(),
                    DesktopScreens.parameters(user.serverId()), RetryPolicy.frontEnd(RUNNING), Duration.ofSeconds(40));
            try (TunnelSession tunnel = attempts.session()) {
                assertInstanceOf(FrameWait.Frames.class, attempts.outcome(), () -> "after " + attempts.failed() + ": "
                        + attempts.outcome());
                Measurements.record(report, "real guest", "login on the shelved desktop -> first frame "
                        + Duration.ofNanos(System.nanoTime() - login).toSeconds() + " s, after " + attempts.failed().size()
                        + " unavailable answers");
                assertTrue(attempts.failed().stream().allMatch(RetryPolicy::retries), attempts.failed()::toString);
                List<String> faults = awaitGreeter(tunnel, Duration.ofSeconds(60));
                Path woken = DesktopScreens.save(tunnel.display().snapshot(), "real-guest-woken-" + user.serverId());
                assertEquals(List.of(), faults, () -> "the woken desktop " + woken);
            }
            assertEquals(user.serverId(), experiment.awaitState("RUNNING", Duration.ofMinutes(1)).serverId());
        }
    }

    /** The greeter's frame once the display shows it, else what the last one lacked. */
    private static List<String> awaitGreeter(TunnelSession tunnel, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> faults = greeterFaults(tunnel.display().snapshot());
        while (!faults.isEmpty() && System.nanoTime() < deadline) {
            tunnel.awaitFrames(tunnel.frames().count() + 1, Duration.ofSeconds(1));
            faults = greeterFaults(tunnel.display().snapshot());
        }
        return faults;
    }

    /** What keeps the picture from being LightDM's greeter: a light login box on a dark screen, with text. */
    private static List<String> greeterFaults(BufferedImage shot) {
        int[] pixels = shot.getRGB(0, 0, shot.getWidth(), shot.getHeight(), null, 0, shot.getWidth());
        long dark = count(pixels, 0x30);
        long light = pixels.length - count(pixels, 0xd0);
        List<String> faults = new ArrayList<>();
        if (ScreenPixels.colours(pixels) <= 16) {
            faults.add("no anti-aliased text");
        }
        if (dark <= pixels.length / 2) {
            faults.add("the background is not dark: " + dark + " of " + pixels.length + " pixels");
        }
        if (light <= pixels.length / 100 || light >= pixels.length / 4) {
            faults.add("no login box: " + light + " of " + pixels.length + " pixels are light");
        }
        return faults;
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
