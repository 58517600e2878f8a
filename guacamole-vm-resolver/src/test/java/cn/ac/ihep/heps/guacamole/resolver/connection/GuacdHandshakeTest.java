package cn.ac.ihep.heps.guacamole.resolver.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.common.desktop.VncPasswordDerivation;
import cn.ac.ihep.heps.guacamole.resolver.InMemoryCloud;
import cn.ac.ihep.heps.guacamole.resolver.PropertiesEnvironment;
import cn.ac.ihep.heps.guacamole.resolver.ResolverFixture;
import cn.ac.ihep.heps.guacamole.resolver.TestUser;
import cn.ac.ihep.heps.testsupport.guacd.GuacdArguments;
import cn.ac.ihep.heps.testsupport.guacd.GuacdFake;
import cn.ac.ihep.heps.testsupport.guacd.GuacdHandshake;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.UUID;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.guacamole.GuacamoleUpstreamUnavailableException;
import org.apache.guacamole.net.GuacamoleTunnel;
import org.apache.guacamole.net.auth.Connection;
import org.apache.guacamole.net.auth.UserContext;
import org.apache.guacamole.protocol.GuacamoleClientInformation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A resolved connection's connect() goes through Guacamole's own handshake code to a guacd fake. */
class GuacdHandshakeTest {

    private static final String SECRET = "a-site-secret-for-vnc-passwords";

    private GuacdFake guacd;
    private ServerSocket desktopPort;
    private InMemoryCloud cloud;
    private PropertiesEnvironment environment;
    @TempDir
    Path recordings;

    @BeforeEach
    void setUp() throws Exception {
        guacd = GuacdFake.start();
        desktopPort = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        cloud = new InMemoryCloud();
        cloud.put(InMemoryCloud.server("7c1d-linux", "b1-linux", ServerState.ACTIVE, "127.0.0.1",
                Set.of("heps-desktop", "heps-owner:alice"), Map.of("heps.protocol", "vnc")));
        cloud.put(InMemoryCloud.server("3e9f-windows", "b1-windows", ServerState.ACTIVE, "127.0.0.1",
                Set.of("heps-desktop", "heps-group:exp-42"), Map.of("heps.protocol", "rdp")));
        cloud.put(InMemoryCloud.server("0b2a-stopped", "b1-stopped", ServerState.SHUTOFF, "127.0.0.1",
                Set.of("heps-desktop", "heps-owner:alice"), Map.of("heps.protocol", "vnc")));
        String port = Integer.toString(desktopPort.getLocalPort());
        environment = new PropertiesEnvironment()
                .set("guacd-hostname", guacd.hostname())
                .set("guacd-port", Integer.toString(guacd.port()))
                .set("heps-vnc-secret", SECRET)
                .set("heps-vnc-port", port)
                .set("heps-rdp-port", port)
                .set("heps-rdp-domain", "IHEP")
                .set("heps-recording-path", recordings.toString())
                .set("recording-search-path", recordings.resolve("history").toString());
    }

    @AfterEach
    void tearDown() throws Exception {
        guacd.close();
        desktopPort.close();
    }

    private static GuacamoleClientInformation browser() {
        GuacamoleClientInformation info = new GuacamoleClientInformation();
        info.setOptimalScreenWidth(1920);
        info.setOptimalScreenHeight(1080);
        info.setOptimalResolution(96);
        info.getAudioMimetypes().add("audio/L16");
        info.getImageMimetypes().addAll(List.of("image/png", "image/jpeg", "image/webp"));
        info.setTimezone("Asia/Shanghai");
        return info;
    }

    private GuacdHandshake connect(String username, Set<String> groups, String connectionId) throws Exception {
        try (ResolverFixture fixture = ResolverFixture.start(cloud, environment)) {
            UserContext context = fixture.provider().getUserContext(new TestUser(username, groups));
            Connection connection = context.getConnectionDirectory().get(connectionId);
            GuacamoleTunnel tunnel = connection.connect(browser(), Map.of(
                    "GUAC_USERNAME", username, "GUAC_DATE", "20260101", "GUAC_TIME", "120000"));
            try {
                return guacd.awaitHandshake(Duration.ofSeconds(5));
            } finally {
                tunnel.close();
            }
        }
    }

    @Test
    void vncDesktopSendsExactlyTheVncProfile() throws Exception {
        GuacdHandshake handshake = connect("alice", Set.of(), "7c1d-linux");
        assertEquals("vnc", handshake.protocol());
        assertEquals(GuacdArguments.VNC_1_6_0, List.copyOf(handshake.parameters().keySet()));
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("hostname", "127.0.0.1");
        expected.put("port", Integer.toString(desktopPort.getLocalPort()));
        expected.put("encodings", "raw copyrect");
        expected.put("color-depth", "24");
        expected.put("disable-display-resize", "true");
        expected.put("password", new VncPasswordDerivation(SECRET).passwordFor("7c1d-linux"));
        expected.put("create-recording-path", "true");
        Map<String, String> sent = withoutRecordingPlace(handshake, "7c1d-linux");
        assertEquals(expected, sorted(sent));
        assertEquals(List.of("1920", "1080", "96"), handshake.size());
        assertEquals(List.of("audio/L16"), handshake.audioMimetypes());
        assertEquals(List.of("image/png", "image/jpeg", "image/webp"), handshake.imageMimetypes());
        assertEquals("Asia/Shanghai", handshake.timezone());
        assertEquals("VERSION_1_5_0", handshake.clientVersion());
    }

    @Test
    void rdpDesktopSendsExactlyTheRdpProfile() throws Exception {
        GuacdHandshake handshake = connect("dave", Set.of("exp-42"), "3e9f-windows");
        assertEquals("rdp", handshake.protocol());
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("hostname", "127.0.0.1");
        expected.put("port", Integer.toString(desktopPort.getLocalPort()));
        expected.put("domain", "IHEP");
        expected.put("username", "dave");
        expected.put("color-depth", "32");
        expected.put("disable-audio", "false");
        expected.put("security", "any");
        expected.put("cert-tofu", "true");
        expected.put("disable-gfx", "false");
        expected.put("create-recording-path", "true");
        expected.put("resize-method", "display-update");
        expected.put("normalize-clipboard", "windows");
        assertEquals(sorted(expected), sorted(withoutRecordingPlace(handshake, "3e9f-windows")));
        assertEquals("", handshake.parameters().get("password"), "Guacamole prompts for the password");
    }

    @Test
    void aStoppedDesktopIsStartedAndGuacdIsNotContactedUntilItAnswers() throws Exception {
        try (ResolverFixture fixture = ResolverFixture.start(cloud, environment)) {
            UserContext context = fixture.provider().getUserContext(new TestUser("alice", Set.of()));
            Connection stopped = context.getConnectionDirectory().get("0b2a-stopped");
            assertThrows(GuacamoleUpstreamUnavailableException.class, () -> stopped.connect(browser(), Map.of()));
            assertEquals(List.of("start:0b2a-stopped"), cloud.actions());
            assertEquals(0, guacd.pendingHandshakes());
            // The client retries by itself; the VM is running now.
            GuacamoleTunnel tunnel = stopped.connect(browser(), Map.of());
            try {
                assertEquals("vnc", guacd.awaitHandshake(Duration.ofSeconds(5)).protocol());
            } finally {
                tunnel.close();
            }
        }
    }

    /**
     * The parameters without recording-path and recording-name, after checking those: the
     * desktop's directory of the day (UTC) and the session's id, whose history entry is there.
     */
    private Map<String, String> withoutRecordingPlace(GuacdHandshake handshake, String serverId) {
        Map<String, String> sent = new LinkedHashMap<>(handshake.setParameters());
        Path day = recordings.resolve(serverId).resolve(LocalDate.now(ZoneOffset.UTC).toString());
        assertEquals(day.toString(), sent.remove("recording-path"));
        String name = sent.remove("recording-name");
        assertEquals(name, UUID.fromString(name).toString());
        assertTrue(Files.isRegularFile(day.resolve(name + ".json")), "the session's history entry is beside it");
        return sent;
    }

    private static Map<String, String> sorted(Map<String, String> parameters) {
        return new java.util.TreeMap<>(parameters);
    }
}
