package cn.ac.ihep.heps.agent.reconcile;

import static cn.ac.ihep.heps.testsupport.time.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cn.ac.ihep.heps.agent.api.ApiServer;
import cn.ac.ihep.heps.agent.cli.HepsCli;
import cn.ac.ihep.heps.agent.images.RecipeFixtures;
import cn.ac.ihep.heps.agent.images.base.BaseImageBuilder;
import cn.ac.ihep.heps.agent.images.base.BaseImageInGlance;
import cn.ac.ihep.heps.agent.images.catalog.BuildImageProperties;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.common.desktop.ImageProperties;
import cn.ac.ihep.heps.common.desktop.VncPasswordDerivation;
import cn.ac.ihep.heps.testsupport.desktop.RfbClient;
import cn.ac.ihep.heps.testsupport.desktop.ScreenPixels;
import cn.ac.ihep.heps.testsupport.openstack.OpenStackTestBed;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real guests end to end, as an operator drives them, on the test bed's QEMU host (Nova's libvirt
 * driver on plain emulation): {@code heps images base upload} puts the Debian base image into
 * Glance; {@code heps images build} builds a beamline image on it through Nova (linux-vnc's steps
 * run in the guest, with Debian's packages through the bed's package proxy), validates it with a
 * second boot and makes it current; {@code heps desktops create} boots a member's desktop from
 * it with the agent's user data. Inside the guest, cloud-init reads its config drive, the
 * enrollment step fetches the VNC secret from this test's agent over heps-br0 and starts the VNC
 * server; the test sees the painted screen with the derived password. {@code heps desktops shelve}
 * takes the guest and its Placement allocation away; {@code heps desktops start} brings the same
 * desktop back without a second enrollment. Needs root, the running test bed and what
 * {@code heps images base build} needs; skips with the reason when a build tool is missing.
 */
class RealGuestDesktopIT {
    private static final String SITE_SECRET = "a-site-secret-of-at-least-16-bytes";
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String BEAMLINE = "real-" + RUN;
    private static final String PROPOSAL = "REAL-" + RUN;
    private static final String MEMBER = "hana";
    /** Boot to enrollment under emulation: about 90 s on an idle 2-core machine; the limit is for a loaded CI. */
    private static final Duration ENROLLED = Duration.ofMinutes(10);
    private static final Duration DESKTOP_UP = Duration.ofMinutes(5);
    private static final Duration PROBE = Duration.ofSeconds(10);
    /** More colours than a blank or single-colour screen: the greeter's text and widgets are anti-aliased. */
    private static final int PAINTED_COLOURS = 16;

    @TempDir
    Path temp;

    private OpenStackTestBed bed;
    private CloudProvider cloud;
    private TestDatabase db;
    private ApiServer api;
    private HepsCli heps;
    private String serverId;

    @BeforeEach
    void start() throws IOException {
        Optional<String> missing = BaseImageBuilder.missingPrerequisite();
        assumeTrue(missing.isEmpty(), () -> "skipped: " + missing.orElseThrow());
        bed = OpenStackTestBed.find();
        cloud = bed.provider();
        db = TestDatabase.create(RealGuestDesktopIT.class);
        api = GatewayEnrollmentApi.start(db, SITE_SECRET);
        Path config = Files.writeString(temp.resolve("agent.properties"), String.join("\n",
                "database-url=" + db.url(), "database-user=" + TestDatabase.USER, "beamlines=" + BEAMLINE,
                "api-tokens=real-guest-token", "vnc-site-secret=" + SITE_SECRET,
                "guacd-cidrs=" + OpenStackTestBed.GUACD_CIDR, "agent-url=" + api.baseUri(false)));
        heps = new HepsCli(cloud, config);
    }

    @AfterEach
    void stop() {
        if (serverId != null && cloud.findServer(serverId).isPresent()) {
            heps.run("desktops", "delete", PROPOSAL + "/" + MEMBER, "--timeout", "PT5M", "-o", "json");
        }
        if (cloud != null) {
            for (CloudImage image : cloud.listImages(Map.of(ImageProperties.BEAMLINE, BEAMLINE))) {
                cloud.deleteImage(image.id());
            }
        }
        if (api != null) {
            api.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void aBeamlineImageBuiltThroughNovaBootsAMembersDesktopThatEnrollsAndSurvivesShelveAndStart() throws Exception {
        BaseImageInGlance.ensure(cloud, temp);
        Path images = beamlineRecipe();

        Instant building = Instant.now();
        JsonNode built = heps.ok("images", "build", BEAMLINE, "--images", images.toString(),
                "--flavor", OpenStackTestBed.QEMU_FLAVOR, "--network", OpenStackTestBed.NETWORK,
                "--package-proxy", OpenStackTestBed.PACKAGE_PROXY, "-o", "json").json();
        assertEquals("built", built.get(0).path("status").asText(), built.toString());
        String imageId = built.get(0).path("imageId").asText();
        CloudImage image = cloud.findImage(imageId).orElseThrow();
        assertEquals("true", image.properties().get(BuildImageProperties.CURRENT), "validated and current: " + image.properties());
        System.out.printf("RealGuestDesktopIT: beamline image built through Nova, validated and current in %d s%n",
                secondsBetween(building, Instant.now()));

        Instant now = Instant.now();
        Path experiment = Files.writeString(temp.resolve("experiment.json"), "{\"proposalId\": \"" + PROPOSAL
                + "\", \"beamline\": \"" + BEAMLINE + "\", \"startsAt\": \"" + now.minus(Duration.ofMinutes(5))
                + "\", \"endsAt\": \"" + now.plus(Duration.ofHours(2)) + "\", \"members\": [], \"desktop\": {\"os\": "
                + "\"linux\", \"gpus\": 0, \"flavor\": \"" + OpenStackTestBed.QEMU_FLAVOR + "\"}}");
        heps.ok("experiments", "apply", "-f", experiment.toString(), "-o", "json");

        Instant requested = Instant.now();
        JsonNode created = heps.ok("desktops", "create", "--experiment", PROPOSAL, "--user", MEMBER,
                "--timeout", "PT10M", "-o", "json").json();
        serverId = created.path("serverId").asText();
        CloudServer server = bed.adminProvider().findServer(serverId).orElseThrow();
        assertEquals(OpenStackTestBed.QEMU_HOST, server.host(), "the QEMU flavor lands on the QEMU host");
        assertEquals(imageId, server.imageId(), "booted from the beamline's current image");
        String address = server.fixedAddressOn(OpenStackTestBed.NETWORK).orElseThrow();

        Instant enrolled = await("the guest to enroll with the agent", ENROLLED, Duration.ofSeconds(2),
                this::enrolledAt, at -> at != null);
        String password = new VncPasswordDerivation(SITE_SECRET).passwordFor(serverId);
        InetSocketAddress vnc = new InetSocketAddress(address, OpenStackTestBed.VNC_PORT);
        int[] screen = awaitPaintedScreen(vnc, password, "real-guest-desktop.png");
        System.out.printf("RealGuestDesktopIT: heps desktops create -> enrolled %d s, -> painted desktop over VNC %d s"
                + " (%d colours)%n", secondsBetween(requested, enrolled), secondsBetween(requested, Instant.now()),
                ScreenPixels.colours(screen));

        Instant shelving = Instant.now();
        JsonNode shelved = heps.ok("desktops", "shelve", PROPOSAL + "/" + MEMBER, "--timeout", "PT10M", "-o", "json")
                .json();
        assertEquals("SHELVED", shelved.path("state").asText(), shelved.toString());
        await("the guest to be offloaded", Duration.ofMinutes(5), Duration.ofSeconds(2),
                () -> cloud.findServer(serverId).orElseThrow().state(), s -> s == ServerState.SHELVED_OFFLOADED);
        System.out.printf("RealGuestDesktopIT: shelved and offloaded in %d s%n", secondsBetween(shelving, Instant.now()));
        assertEquals(Map.of(), await("Placement to release the shelved guest", Duration.ofSeconds(30),
                () -> bed.placementAllocations(serverId), Map::isEmpty), "a shelved desktop holds nothing");
        IOException gone = assertThrows(IOException.class, () -> connect(vnc));
        assertInstanceOf(NoRouteToHostException.class, gone, "the guest and its route are gone: " + gone);

        Instant waking = Instant.now();
        heps.ok("desktops", "start", serverId, "--timeout", "PT10M", "-o", "json");
        assertEquals(OpenStackTestBed.QEMU_HOST, bed.adminProvider().findServer(serverId).orElseThrow().host());
        awaitPaintedScreen(vnc, password, "real-guest-unshelved.png");
        System.out.printf("RealGuestDesktopIT: heps desktops start (unshelve) -> painted desktop over VNC %d s%n",
                secondsBetween(waking, Instant.now()));
        assertEquals(enrolled, enrolledAt(), "the disk kept the VNC secret: no second enrollment");
    }

    /** A beamline with linux-vnc (the repository's component) on the base image, in a scratch images directory. */
    private Path beamlineRecipe() throws IOException {
        Path images = temp.resolve("images");
        Files.createDirectories(images.resolve("components"));
        Files.createDirectories(images.resolve("beamlines"));
        Files.copy(RecipeFixtures.repositoryImages().resolve("components/linux-vnc.yaml"),
                images.resolve("components/linux-vnc.yaml"));
        Files.writeString(images.resolve("beamlines/" + BEAMLINE + ".yaml"), """
                id: %s
                base_image: {name: %s, os: linux}
                components: [linux-vnc]
                """.formatted(BEAMLINE, BaseImageInGlance.name()));
        return images;
    }

    private Instant enrolledAt() {
        return db.database().inTransaction(c -> new DesktopRepository().enrollment(c, serverId))
                .map(DesktopRepository.Enrollment::enrolledAt).orElse(null);
    }

    /** The whole screen once the VNC server accepts the derived password and the greeter has drawn; saved under target/. */
    private static int[] awaitPaintedScreen(InetSocketAddress vnc, String password, String file) throws IOException {
        int[][] shot = new int[1][];
        RfbClient.ServerInit[] init = new RfbClient.ServerInit[1];
        await("a painted desktop over VNC at " + vnc, DESKTOP_UP, Duration.ofSeconds(3), () -> {
            try (RfbClient client = RfbClient.connect(vnc, password, PROBE)) {
                init[0] = client.serverInit();
                shot[0] = client.capture(0, 0, init[0].width(), init[0].height());
                return ScreenPixels.colours(shot[0]);
            } catch (RfbClient.AuthenticationFailedException e) {
                throw new AssertionError("the derived password is refused", e);
            } catch (IOException e) {
                return 0;
            }
        }, colours -> colours > PAINTED_COLOURS);
        assertTrue(init[0].width() >= 640 && init[0].height() >= 480, () -> "a desktop-sized screen, not " + init[0]);
        ScreenPixels.writePng(Path.of("target", file), shot[0], init[0].width(), init[0].height());
        return shot[0];
    }

    private static void connect(InetSocketAddress address) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(address, (int) PROBE.toMillis());
        }
    }

    private static long secondsBetween(Instant from, Instant to) {
        return Duration.between(from, to).toSeconds();
    }
}
