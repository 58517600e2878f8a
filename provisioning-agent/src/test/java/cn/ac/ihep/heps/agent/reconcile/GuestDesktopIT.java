package cn.ac.ihep.heps.agent.reconcile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static cn.ac.ihep.heps.testsupport.time.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import cn.ac.ihep.heps.agent.api.ApiServer;
import cn.ac.ihep.heps.agent.desktop.DesktopState;
import cn.ac.ihep.heps.agent.desktop.EnrollmentService;
import cn.ac.ihep.heps.agent.experiment.ExperimentInput;
import cn.ac.ihep.heps.agent.experiment.ExperimentService;
import cn.ac.ihep.heps.agent.experiment.ExperimentValidator;
import cn.ac.ihep.heps.agent.firewall.DesktopAccess;
import cn.ac.ihep.heps.agent.firewall.DesktopFirewall;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudNotFoundException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.IpNetwork;
import cn.ac.ihep.heps.common.cloud.ServerRequest;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.common.desktop.VncPasswordDerivation;
import cn.ac.ihep.heps.testsupport.desktop.RdpProbe;
import cn.ac.ihep.heps.testsupport.desktop.RfbClient;
import cn.ac.ihep.heps.testsupport.openstack.OpenStackTestBed;
import cn.ac.ihep.heps.testsupport.openstack.OpenStackTestBed.Connect;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The test bed's desktops (dev/openstack/README.md, "Desktops") with the agent's real user data
 * and enrollment API: a Linux VM boots on heps-vm-network with the user data the agent renders,
 * enrolls with this test's agent from its own address, and serves its identity screen over VNC
 * with the password the VM resolver derives; it keeps that password across stop and start, and
 * its state goes with the server. A Windows-image VM answers RDP with TLS. The VMs are in a
 * desktops' security group made by the agent's {@link DesktopFirewall}, which the bed enforces:
 * guacd's address (the host side of heps-br0) is admitted, a neighbour VM is not. Needs root (it
 * reads the desktops' state and enters their namespaces) and the running test bed; fails with what
 * to run otherwise.
 */
class GuestDesktopIT {
    private static final String SITE_SECRET = "a-site-secret-of-at-least-16-bytes";
    private static final Duration BOOT = Duration.ofSeconds(120);
    /** From ACTIVE to a desktop that answers: the daemon polls Nova once a second. */
    private static final Duration DESKTOP_UP = Duration.ofSeconds(30);
    private static final Duration PROBE = Duration.ofSeconds(2);
    /** A dropped SYN shows as no answer within this; an admitted one is answered in well under a millisecond. */
    private static final Duration NEIGHBOUR_PROBE = Duration.ofMillis(1500);
    /** The bed reads Neutron's rules every 2 s and loads a changed filter in the same pass. */
    private static final Duration RULES_FOLLOWED = Duration.ofSeconds(15);
    /** This class's own group, so that changing its rules touches no other test's desktops. */
    private static final String GROUP = "heps-it-guests-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private static final DesktopAccess GUACD_ONLY = new DesktopAccess(GROUP,
            List.of(IpNetwork.parse(OpenStackTestBed.GUACD_CIDR)));

    private static CloudProvider groupCloud;
    private static String groupId;

    private OpenStackTestBed bed;
    private CloudProvider cloud;
    private TestDatabase db;
    private ApiServer api;
    private final List<String> created = new ArrayList<>();

    @BeforeAll
    static void makeTheSecurityGroup() {
        groupCloud = OpenStackTestBed.find().provider();
        groupId = new DesktopFirewall(groupCloud, GUACD_ONLY).ensure().groupId();
    }

    @AfterAll
    static void deleteTheSecurityGroup() {
        // Neutron deletes a deleted server's port a moment after Nova forgets the server.
        await("the security group " + GROUP + " to be deleted", Duration.ofSeconds(30), () -> {
            try {
                groupCloud.deleteSecurityGroup(groupId);
                return true;
            } catch (CloudNotFoundException gone) {
                return true;
            } catch (CloudException inUse) {
                return false;
            }
        }, deleted -> deleted);
    }

    @BeforeEach
    void start() throws IOException {
        bed = OpenStackTestBed.find();
        if (!"root".equals(System.getProperty("user.name"))) {
            fail("GuestDesktopIT reads the test bed's desktop state directories: run it as root");
        }
        cloud = bed.provider();
        db = TestDatabase.create(GuestDesktopIT.class);
        api = GatewayEnrollmentApi.start(db, SITE_SECRET);
    }

    @AfterEach
    void stop() {
        for (String id : created) {
            try {
                cloud.deleteServer(id);
            } catch (RuntimeException e) {
                // already gone
            }
        }
        for (String id : created) {
            await("server " + id + " to be deleted", BOOT, () -> cloud.findServer(id), Optional::isEmpty);
        }
        if (api != null) {
            api.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void aLinuxVmEnrollsShowsItsIdentityOverVncAndKeepsItsPasswordAcrossStopAndStart() throws Exception {
        String name = "heps-it-desktop-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        String token = EnrollmentService.newToken();
        long desktopId = recordDesktop(name, token);
        String userData = new UserDataRenderer(Optional.empty()).render(new UserDataRenderer.Values("linux", name,
                ServerNaming.hostname("linux", false, "B1", "P-700", "hana"), "B1", "P-700", "hana", "vnc",
                api.baseUri(false).toString(), token, Optional.empty(), Optional.empty(), List.of()));

        String id = boot(name, OpenStackTestBed.LINUX_IMAGE, userData);
        // What the reconcile loop records once Nova has the server's address; the guest may only
        // enroll from that address.
        String address = await("an address for " + id, BOOT,
                () -> cloud.findServer(id).flatMap(s -> s.fixedAddressOn(OpenStackTestBed.NETWORK)), Optional::isPresent)
                .orElseThrow();
        db.database().inTransaction(c -> new DesktopRepository().update(desktopId).serverId(id)
                .address(address).execute(c, Instant.now()));
        awaitState(id, ServerState.ACTIVE);
        long active = System.nanoTime();

        Instant enrolled = await("the guest to enroll with the agent", DESKTOP_UP, () -> enrolledAt(id),
                at -> at != null);
        String password = new VncPasswordDerivation(SITE_SECRET).passwordFor(id);
        InetSocketAddress vnc = new InetSocketAddress(address, OpenStackTestBed.VNC_PORT);
        RfbClient.ServerInit screen = awaitVnc(vnc, password);
        System.out.printf("GuestDesktopIT: VNC answered %d ms after ACTIVE%n", (System.nanoTime() - active) / 1_000_000);
        assertEquals(1920, screen.width());
        assertEquals(1080, screen.height());

        int identity = identityColour(id);
        try (RfbClient client = RfbClient.connect(vnc, password, PROBE)) {
            for (int[] corner : new int[][] {{0, 0}, {1820, 0}, {0, 980}, {1820, 980}}) {
                int[] pixels = client.capture(corner[0], corner[1], 100, 100);
                for (int pixel : pixels) {
                    assertEquals(identity, pixel, String.format("corner %d,%d is the identity colour %06x, not %06x",
                            corner[0], corner[1], identity, pixel));
                }
            }
            assertNotEquals(identity, client.capture(960, 540, 1, 1)[0], "the name box sits in the middle");
        }
        // VNC authentication uses the first 8 characters: change the first.
        String wrong = (password.charAt(0) == 'a' ? "b" : "a") + password.substring(1);
        RfbClient.AuthenticationFailedException refused = assertThrows(RfbClient.AuthenticationFailedException.class,
                () -> RfbClient.connect(vnc, wrong, PROBE).close());
        assertFalse(refused.reason().isBlank());

        Path passwordFile = bed.desktopState(id).resolve("root/etc/heps/vncpasswd");
        byte[] passwordBytes = Files.readAllBytes(passwordFile);
        FileTime written = Files.getLastModifiedTime(passwordFile);
        assertFalse(Files.exists(passwordFile.resolveSibling("enrollment.env")), "the one-time token is used up");

        cloud.stopServer(id);
        awaitState(id, ServerState.SHUTOFF);
        long shutoff = System.nanoTime();
        await("the VNC port to become unreachable", Duration.ofSeconds(10), () -> unreachable(vnc), u -> u);
        System.out.printf("GuestDesktopIT: VNC unreachable %d ms after SHUTOFF%n", (System.nanoTime() - shutoff) / 1_000_000);

        cloud.startServer(id);
        awaitState(id, ServerState.ACTIVE);
        assertEquals(1920, awaitVnc(vnc, password).width());
        assertEquals(enrolled, enrolledAt(id), "no second enrollment");
        assertArrayEquals(passwordBytes, Files.readAllBytes(passwordFile));
        assertEquals(written, Files.getLastModifiedTime(passwordFile), "the disk kept the password file");

        cloud.deleteServer(id);
        await("server " + id + " to be deleted", BOOT, () -> cloud.findServer(id), Optional::isEmpty);
        await("its state directory to go", Duration.ofSeconds(15), () -> Files.exists(bed.desktopState(id)), e -> !e);
    }

    @Test
    void aWindowsVmAnswersRdpWithTlsAndNoVnc() throws Exception {
        String name = "heps-it-windows-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        String id = boot(name, OpenStackTestBed.WINDOWS_IMAGE, null);
        String address = awaitState(id, ServerState.ACTIVE).fixedAddressOn(OpenStackTestBed.NETWORK).orElseThrow();

        RdpProbe.ConnectionConfirm confirm = await("xrdp at " + address, DESKTOP_UP, () -> {
            try {
                return RdpProbe.connectionConfirm(new InetSocketAddress(address, OpenStackTestBed.RDP_PORT), PROBE);
            } catch (IOException e) {
                return null;
            }
        }, c -> c != null);
        assertEquals(RdpProbe.PROTOCOL_SSL, confirm.selectedProtocol(), "TLS with the VM's own certificate");
        IOException noVnc = assertThrows(IOException.class, () -> connect(new InetSocketAddress(address,
                OpenStackTestBed.VNC_PORT)));
        assertInstanceOf(java.net.ConnectException.class, noVnc, "refused by the VM, which runs no VNC server");
    }

    @Test
    void aNeighbourVmIsRefusedOnTheDesktopPortsWhileGuacdsAddressIsAdmitted() throws Exception {
        // Two desktops on heps-vm-network, each the other's neighbour: a Linux one (VNC) and a Windows one (RDP).
        String linuxName = "heps-it-desktop-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        String token = EnrollmentService.newToken();
        long desktopId = recordDesktop(linuxName, token);
        String userData = new UserDataRenderer(Optional.empty()).render(new UserDataRenderer.Values("linux",
                linuxName, ServerNaming.hostname("linux", false, "B1", "P-700", "hana"), "B1", "P-700", "hana", "vnc",
                api.baseUri(false).toString(), token, Optional.empty(), Optional.empty(), List.of()));
        String linux = boot(linuxName, OpenStackTestBed.LINUX_IMAGE, userData);
        String windows = boot("heps-it-windows-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()),
                OpenStackTestBed.WINDOWS_IMAGE, null);
        String linuxAddress = await("an address for " + linux, BOOT,
                () -> cloud.findServer(linux).flatMap(s -> s.fixedAddressOn(OpenStackTestBed.NETWORK)),
                Optional::isPresent).orElseThrow();
        db.database().inTransaction(c -> new DesktopRepository().update(desktopId).serverId(linux)
                .address(linuxAddress).execute(c, Instant.now()));
        assertEquals(Set.of(GROUP), awaitState(linux, ServerState.ACTIVE).securityGroups());
        String windowsAddress = awaitState(windows, ServerState.ACTIVE).fixedAddressOn(OpenStackTestBed.NETWORK)
                .orElseThrow();
        String password = new VncPasswordDerivation(SITE_SECRET).passwordFor(linux);
        InetSocketAddress vnc = new InetSocketAddress(linuxAddress, OpenStackTestBed.VNC_PORT);
        InetSocketAddress rdp = new InetSocketAddress(windowsAddress, OpenStackTestBed.RDP_PORT);

        // guacd's address is admitted: the desktops answer the host side of heps-br0.
        assertEquals(1920, awaitVnc(vnc, password).width());
        awaitRdp(rdp);
        // A neighbour is not: its SYN is dropped on both desktop ports of both VMs (nothing listens on
        // the Linux VM's 3389 or the Windows VM's 5900: without the filter, a reset would answer).
        assertEquals(Connect.TIMED_OUT, fromGuest(windows, linuxAddress, OpenStackTestBed.VNC_PORT));
        assertEquals(Connect.TIMED_OUT, fromGuest(windows, linuxAddress, OpenStackTestBed.RDP_PORT));
        assertEquals(Connect.TIMED_OUT, fromGuest(linux, windowsAddress, OpenStackTestBed.RDP_PORT));
        assertEquals(Connect.TIMED_OUT, fromGuest(linux, windowsAddress, OpenStackTestBed.VNC_PORT));

        // The guacd networks change (the Windows VM's address joins them): the agent adds the rules,
        // the bed follows, and the neighbour reaches the VNC server; 3389 now answers with a reset.
        DesktopFirewall widened = new DesktopFirewall(cloud, new DesktopAccess(GROUP,
                List.of(IpNetwork.parse(OpenStackTestBed.GUACD_CIDR), IpNetwork.parse(windowsAddress + "/32"))));
        try {
            assertEquals(2, widened.ensure().added().size());
            long changed = System.nanoTime();
            await("the neighbour to be admitted to VNC", RULES_FOLLOWED,
                    () -> fromGuest(windows, linuxAddress, OpenStackTestBed.VNC_PORT), c -> c == Connect.CONNECTED);
            System.out.printf("GuestDesktopIT: a rule added in Neutron was enforced %d ms later%n",
                    (System.nanoTime() - changed) / 1_000_000);
            // The two rules are two Neutron requests; the bed may read the ruleset between them.
            await("the neighbour to reach the Linux VM's 3389 (a reset, nothing listens)", RULES_FOLLOWED,
                    () -> fromGuest(windows, linuxAddress, OpenStackTestBed.RDP_PORT), c -> c == Connect.REFUSED);
            assertEquals(Connect.TIMED_OUT, fromGuest(linux, windowsAddress, OpenStackTestBed.RDP_PORT),
                    "the Linux VM is not in the networks");
        } finally {
            // And back: the stale rules go, and the neighbour is refused again.
            assertEquals(2, new DesktopFirewall(cloud, GUACD_ONLY).ensure().removed().size());
        }
        await("the neighbour to be refused again", RULES_FOLLOWED,
                () -> fromGuest(windows, linuxAddress, OpenStackTestBed.VNC_PORT), c -> c == Connect.TIMED_OUT);
        assertEquals(1920, awaitVnc(vnc, password).width(), "guacd's address is still admitted");
        awaitRdp(rdp);
    }

    private static Connect fromGuest(String serverId, String address, int port) {
        return OpenStackTestBed.connectFromGuest(serverId, address, port, NEIGHBOUR_PROBE);
    }

    private static RdpProbe.ConnectionConfirm awaitRdp(InetSocketAddress rdp) {
        return await("xrdp at " + rdp, DESKTOP_UP, () -> {
            try {
                return RdpProbe.connectionConfirm(rdp, PROBE);
            } catch (IOException e) {
                return null;
            }
        }, c -> c != null);
    }

    @Test
    void anAddressWithoutADesktopFailsAtOnce() throws IOException {
        InetSocketAddress nobody = new InetSocketAddress(addressWithoutDesktop(), OpenStackTestBed.VNC_PORT);
        long started = System.nanoTime();
        IOException failure = assertThrows(IOException.class, () -> connect(nobody));
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
        assertInstanceOf(NoRouteToHostException.class, failure, failure.toString());
        assertTrue(elapsedMillis < 100, "failed after " + elapsedMillis + " ms");
    }

    /** The desktop row as the reconcile loop leaves it before the boot request: the token's hash. */
    private long recordDesktop(String name, String token) {
        new ExperimentService(db.database(), new ExperimentRepository(), new AuditLog(),
                new ExperimentValidator(List.of("B1"), cloud), Clock.systemUTC())
                .apply(new ExperimentInput("P-700", "B1", null, "2026-12-01T08:00:00Z", "2026-12-02T08:00:00Z",
                        new ExperimentInput.DesktopInput("linux", 0, OpenStackTestBed.CPU_FLAVOR, null),
                        List.of("hana")), "test");
        DesktopRepository desktops = new DesktopRepository();
        return db.database().inTransaction(c -> {
            long experimentId = new ExperimentRepository().find(c, "P-700").orElseThrow().id();
            long id = desktops.insert(c, experimentId, "hana", name, 0, Instant.now());
            desktops.update(id).state(DesktopState.CREATING).enrollmentTokenHash(EnrollmentService.hash(token))
                    .execute(c, Instant.now());
            return id;
        });
    }

    private Instant enrolledAt(String serverId) {
        return db.database().inTransaction(c -> new DesktopRepository().enrollment(c, serverId))
                .map(DesktopRepository.Enrollment::enrolledAt).orElse(null);
    }

    private String boot(String name, String imageName, String userData) {
        String image = cloud.listImages(Map.of()).stream().filter(i -> imageName.equals(i.name())).findFirst()
                .orElseThrow().id();
        String flavor = cloud.findFlavor(OpenStackTestBed.CPU_FLAVOR).orElseThrow().id();
        CloudServer server = cloud.createServer(new ServerRequest(name, image, flavor, OpenStackTestBed.NETWORK,
                Set.of(), Map.of(), userData, null, List.of(groupId)));
        created.add(server.id());
        return server.id();
    }

    private CloudServer awaitState(String id, ServerState state) {
        return await("server " + id + " to be " + state, BOOT, () -> cloud.findServer(id).orElseThrow(), s -> {
            assertNotEquals(ServerState.ERROR, s.state(), "the server failed: " + s);
            return s.state() == state;
        });
    }

    private static RfbClient.ServerInit awaitVnc(InetSocketAddress vnc, String password) {
        return await("VNC with the derived password at " + vnc, DESKTOP_UP, () -> {
            try (RfbClient client = RfbClient.connect(vnc, password, PROBE)) {
                return client.serverInit();
            } catch (RfbClient.AuthenticationFailedException e) {
                throw new AssertionError("the derived password is refused", e);
            } catch (IOException e) {
                return null;
            }
        }, init -> init != null);
    }

    private static boolean unreachable(InetSocketAddress address) {
        try {
            connect(address);
            return false;
        } catch (NoRouteToHostException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void connect(InetSocketAddress address) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(address, (int) PROBE.toMillis());
        }
    }

    /** interfaces: R = 0x40 + (b0 & 0x7f), ... of sha256(server id). */
    private static int identityColour(String serverId) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(serverId.getBytes(StandardCharsets.UTF_8));
        return (0x40 + (digest[0] & 0x7f)) << 16 | (0x40 + (digest[1] & 0x7f)) << 8 | 0x40 + (digest[2] & 0x7f);
    }

    /** The highest address of the VM subnet the host has no route to, i.e. no live desktop at it. */
    private static String addressWithoutDesktop() throws IOException {
        List<String> routes = Files.readAllLines(Path.of("/proc/net/route"));
        for (int last = 254; last > 1; last--) {
            String candidate = "10.42.15." + last;
            // /proc/net/route writes destinations as little-endian hex: 10.42.15.254 is FE0F2A0A.
            String hex = String.format("%02X0F2A0A", last);
            if (routes.stream().noneMatch(line -> line.split("\\s+")[1].equals(hex))) {
                return candidate;
            }
        }
        throw new AssertionError("every address of 10.42.15.0/24 has a desktop");
    }
}
