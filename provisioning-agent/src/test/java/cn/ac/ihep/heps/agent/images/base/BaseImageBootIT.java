package cn.ac.ihep.heps.agent.images.base;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cn.ac.ihep.heps.agent.images.RecipeFixtures;
import cn.ac.ihep.heps.agent.images.recipe.BaseImageParser;
import cn.ac.ihep.heps.agent.images.recipe.BaseImageRecipe;
import cn.ac.ihep.heps.testsupport.desktop.RfbClient;
import cn.ac.ihep.heps.testsupport.desktop.ScreenPixels;
import cn.ac.ihep.heps.testsupport.vm.NoCloudSeed;
import cn.ac.ihep.heps.testsupport.vm.QemuGuest;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian base image for real: built by the image pipeline with mmdebstrap (or taken from
 * the cache when its recipe is unchanged), booted under QEMU emulation with a cloud-init NoCloud
 * seed whose user data does what a desktop's does with the VNC secret (writes it with
 * {@code vncpasswd -f}, then starts x11vnc on LightDM's display), and looked at through the
 * forwarded VNC port: the server greets with an RFB banner, accepts the password and sends a
 * painted screen (saved as {@code target/base-image-boot.png}). Needs root, mmdebstrap, qemu-system-x86 and genisoimage; skips otherwise.
 * The cache is {@code $HEPS_BASE_IMAGE_CACHE} (default {@code ~/.cache/heps/base-images}).
 */
class BaseImageBootIT {

    private static final Duration BOOT_LIMIT = Duration.ofMinutes(12);
    private static final Duration DESKTOP_WAIT = Duration.ofMinutes(10);
    private static final Duration PAINT_WAIT = Duration.ofSeconds(90);
    /** More colours than a blank or single-colour screen has: the greeter's text and widgets are anti-aliased. */
    private static final int PAINTED_COLOURS = 16;
    private static final String VNC_PASSWORD = "base-it";
    private static final String USER_DATA = """
            #cloud-config
            # What a desktop's user data does once it has its VNC secret: the password file, then the
            # server on LightDM's display (its X server keeps one authority file from greeter to session).
            # The server's log goes to the console, where a failed test shows it.
            runcmd:
              - install -d -m 0700 /etc/heps
              - sh -c 'printf "%%s\\n" "%s" | vncpasswd -f > /etc/heps/vncpasswd'
              - chmod 0600 /etc/heps/vncpasswd
              - systemd-run --unit=heps-vnc --property=Restart=always --property=RestartSec=2 /usr/bin/x11vnc -display :0 -auth /var/run/lightdm/root/:0 -forever -shared -noxdamage -rfbport 5900 -rfbauth /etc/heps/vncpasswd -o /var/log/heps-vnc.log
              - systemd-run --unit=heps-vnc-log sh -c 'tail -n +1 -F /var/log/heps-vnc.log > /dev/ttyS0'
              - echo "HEPS-BASE-IT vnc started" > /dev/ttyS0
            """.formatted(VNC_PASSWORD);

    @TempDir
    Path dir;

    @Test
    void theBaseImageBootsWithItsUserDataAndShowsAPaintedDesktopOverVnc() throws Exception {
        Optional<String> missing = BaseImageBuilder.missingPrerequisite().or(QemuGuest::missingPrerequisite);
        assumeTrue(missing.isEmpty(), () -> "skipped: " + missing.orElseThrow());

        BaseImageRecipe recipe = new BaseImageParser().load(
                RecipeFixtures.repositoryImages().resolve("base").resolve("debian-12-desktop.yaml"));
        BuiltBaseImage image = new BaseImageBuilder(BaseImageBuilder.defaultCacheDir())
                .build(recipe, false, line -> System.out.println("base image: " + line));
        System.out.printf("base image %s: %s in %d s, %d MiB%n", image.name(), image.cached() ? "cached" : "built",
                image.elapsed().toSeconds(), image.sizeBytes() >> 20);

        Path seed = NoCloudSeed.write(dir.resolve("seed.iso"), "base-it-" + System.nanoTime(), "heps-base-it", USER_DATA);
        Instant booted = Instant.now();
        try (QemuGuest guest = QemuGuest.boot(image.qcow2(), dir, seed, 5900, BOOT_LIMIT)) {
            InetSocketAddress vnc = guest.forwardedPort();
            String banner = awaitBanner(guest, vnc, booted.plus(DESKTOP_WAIT));
            long toBanner = Duration.between(booted, Instant.now()).toSeconds();
            assertTrue(banner.matches("RFB 003\\.00[378]\n"), () -> "the guest's VNC server greets, not: " + banner);
            assertTrue(guest.serialText().contains("HEPS-BASE-IT vnc started"), "cloud-init ran the NoCloud user data");

            try (RfbClient client = RfbClient.connect(vnc, VNC_PASSWORD, Duration.ofSeconds(60))) {
                RfbClient.ServerInit screen = client.serverInit();
                assertTrue(screen.width() >= 640 && screen.height() >= 480, () -> "a desktop-sized screen, not " + screen);
                // The VNC server can answer before the greeter has drawn: look again until it has.
                Instant paintDeadline = Instant.now().plus(PAINT_WAIT);
                int[] pixels = client.capture(0, 0, screen.width(), screen.height());
                while (ScreenPixels.colours(pixels) <= PAINTED_COLOURS && Instant.now().isBefore(paintDeadline)) {
                    Thread.sleep(2_000);
                    pixels = client.capture(0, 0, screen.width(), screen.height());
                }
                long toPainted = Duration.between(booted, Instant.now()).toSeconds();
                int colours = ScreenPixels.colours(pixels);
                Path screenshot = Path.of("target", "base-image-boot.png");
                ScreenPixels.writePng(screenshot, pixels, screen.width(), screen.height());
                System.out.printf("base image boot: RFB banner after %d s, painted %dx%d screen (%d colours, %s) after %d s%n",
                        toBanner, screen.width(), screen.height(), colours, screenshot, toPainted);
                assertTrue(colours > PAINTED_COLOURS, () -> "the greeter is painted within " + PAINT_WAIT.toSeconds()
                        + " s, not a blank screen: " + colours + " colour(s)");
            }
        }
    }

    /** Reads the server's protocol version, retrying while the guest boots (user-mode networking accepts and closes until then). */
    private static String awaitBanner(QemuGuest guest, InetSocketAddress vnc, Instant deadline) throws InterruptedException {
        IOException last = null;
        while (Instant.now().isBefore(deadline)) {
            assertTrue(guest.isRunning(), () -> "QEMU stopped; the console ends with:\n" + guest.serialTail(40));
            try (Socket socket = new Socket()) {
                socket.connect(vnc, 5_000);
                socket.setSoTimeout(10_000);
                byte[] banner = new byte[12];
                new DataInputStream(socket.getInputStream()).readFully(banner);
                return new String(banner, StandardCharsets.US_ASCII);
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(3_000);
        }
        throw new AssertionError("no VNC server answered on the guest's port 5900 within " + DESKTOP_WAIT.toMinutes()
                + " min (last: " + last + "); the console ends with:\n" + guest.serialTail(60));
    }
}
