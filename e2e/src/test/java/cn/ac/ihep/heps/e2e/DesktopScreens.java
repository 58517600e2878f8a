package cn.ac.ihep.heps.e2e;

import cn.ac.ihep.heps.testsupport.guacamole.web.AuthenticatedSession;
import cn.ac.ihep.heps.testsupport.guacamole.web.GuacamoleWebClient;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelParameters;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelSession;
import cn.ac.ihep.heps.testsupport.openstack.DesktopIdentity;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.imageio.ImageIO;

/** Opening a user's desktop the way the browser does, and looking at what it shows. */
final class DesktopScreens {

    /** The resolver's data source: its connection identifiers are Nova server ids. */
    static final String RESOLVER = "heps-vm-resolver";

    /**
     * A colour depth below 24 bits rounds channels (16-bit colour keeps 5 or 6 bits of each),
     * and JPEG tiles are close to, not at, the colour: a few units either way.
     */
    static final int TOLERANCE = 8;

    private DesktopScreens() {
    }

    /** The portal hand-off for this user: {@code POST /api/tokens} with a fresh portal token. */
    static AuthenticatedSession login(E2eEnvironment env, String username, String... groups) {
        GuacamoleWebClient web = env.guacamole.web();
        return web.loginWithPortalToken(env.portalToken(username, groups)).orThrow();
    }

    static TunnelParameters parameters(String serverId) {
        return TunnelParameters.connection(RESOLVER, serverId).withSize(1920, 1080);
    }

    /**
     * Waits until the screen's four corners are the colour, looking again after each frame and
     * at least twice a second (a resize or a late tile can land between frames); the mismatches
     * of the last look when they are not within the timeout.
     */
    static List<String> awaitCorners(TunnelSession tunnel, Color colour, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> mismatches = DesktopIdentity.cornerMismatches(tunnel.display().snapshot(), colour, TOLERANCE);
        while (!mismatches.isEmpty() && System.nanoTime() < deadline) {
            long wait = Math.min(Duration.ofMillis(500).toNanos(), Math.max(1, deadline - System.nanoTime()));
            tunnel.awaitFrames(tunnel.frames().count() + 1, Duration.ofNanos(wait));
            mismatches = DesktopIdentity.cornerMismatches(tunnel.display().snapshot(), colour, TOLERANCE);
        }
        return mismatches;
    }

    static Path save(BufferedImage image, String name) {
        Path file = E2eEnvironment.output().resolve(name + ".png");
        try {
            ImageIO.write(image, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    static long millis(long fromNanos, long toNanos) {
        return Duration.ofNanos(toNanos - fromNanos).toMillis();
    }
}
