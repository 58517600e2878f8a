package cn.ac.ihep.heps.guacamole.resolver.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.guacamole.resolver.InMemoryCloud;
import cn.ac.ihep.heps.guacamole.resolver.VmResolverAuthenticationProvider;
import cn.ac.ihep.heps.testsupport.guacamole.GuacamoleHarness;
import cn.ac.ihep.heps.testsupport.guacamole.Login;
import cn.ac.ihep.heps.testsupport.guacamole.TestRequest;
import cn.ac.ihep.heps.testsupport.guacd.GuacdFake;
import cn.ac.ihep.heps.testsupport.guacd.GuacdHandshake;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.guacamole.environment.LocalEnvironment;
import org.apache.guacamole.net.GuacamoleTunnel;
import org.apache.guacamole.net.auth.ActivityLog;
import org.apache.guacamole.net.auth.AuthenticationProvider;
import org.apache.guacamole.net.auth.ConnectionRecord;
import org.apache.guacamole.net.auth.UserContext;
import org.apache.guacamole.protocol.GuacamoleClientInformation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Playback through Guacamole's own extension: the upstream guacamole-history-recording-storage
 * 1.6.0 jar (from the local Guacamole build, {@code GUACAMOLE_EXTENSIONS}; skipped without it),
 * loaded by the harness beside the built guacamole-auth-heps, decorates the resolver's user
 * context as the web application does. A portal token opens a recorded desktop, the recording is
 * written where guacd is told to write it, and the auditor's history entry carries the recording
 * as a Guacamole session recording the history page plays back; the user's own entry does not.
 */
class RecordingPlaybackIT {

    private static final String HISTORY_JAR = "guacamole-history-recording-storage-1.6.0.jar";
    /** The first instructions guacd 1.6.0 writes to a VNC session's recording. */
    private static final String RECORDED = "4.size,1.0,4.1920,4.1080;4.sync,13.1764998123456,1.0;";

    @TempDir
    static Path recordings;
    static GuacdFake guacd;
    static ServerSocket desktopPort;
    static GuacamoleHarness guacamole;
    static VmResolverAuthenticationProvider resolver;
    static AuthenticationProvider history;

    @BeforeAll
    static void start() throws Exception {
        Path historyJar = Path.of(System.getenv().getOrDefault("GUACAMOLE_EXTENSIONS", "/opt/guacamole/client/extensions"),
                HISTORY_JAR);
        assumeTrue(Files.isRegularFile(historyJar), "no " + historyJar + " (set GUACAMOLE_EXTENSIONS to the "
                + "extensions of a Guacamole 1.6.0 build)");
        guacd = GuacdFake.start();
        desktopPort = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        guacamole = GuacamoleHarness.builder()
                .property("heps-jwt-issuer", HandOffToken.ISSUER)
                .property("heps-jwt-audience", HandOffToken.AUDIENCE)
                .property("heps-jwt-algorithms", "HS256")
                .property("heps-jwt-shared-secret", HandOffToken.SHARED_SECRET)
                .property("heps-jwt-trust-groups", "true")
                .property("heps-portal-url", "https://portal.heps.example/desktop")
                .property("guacd-hostname", guacd.hostname())
                .property("guacd-port", Integer.toString(guacd.port()))
                .property("heps-vnc-secret", "site-secret-shared-with-the-agent")
                .property("heps-vnc-port", Integer.toString(desktopPort.getLocalPort()))
                .property("heps-recording-path", recordings.toString())
                .property("heps-recording", "off, high-pressure=on")
                .property("recording-search-path", recordings.resolve("history").toString())
                .property("heps-auditor-groups", "facility-audit")
                .extension(Path.of(System.getProperty("heps.auth.extension.jar")))
                .extension(historyJar)
                .start();
        history = guacamole.authenticationProviders().stream()
                .filter(provider -> "recording-storage".equals(provider.getIdentifier())).findFirst().orElseThrow();
        InMemoryCloud cloud = new InMemoryCloud();
        cloud.put(InMemoryCloud.server("5d2c-alice", "alice-hp", ServerState.ACTIVE, "127.0.0.1",
                Set.of("heps-desktop", "heps-owner:alice"), Map.of("heps.protocol", "vnc", "heps.beamline", "high-pressure")));
        resolver = new VmResolverAuthenticationProvider(LocalEnvironment.getInstance(), cloud);
    }

    @AfterAll
    static void stop() throws Exception {
        if (resolver != null) {
            resolver.shutdown();
        }
        if (guacamole != null) {
            guacamole.close();
            guacd.close();
            desktopPort.close();
        }
    }

    /** Signs in with a portal token and returns the resolver's context as the web application has it: decorated. */
    private static UserContext signIn(String username, List<String> groups) throws Exception {
        Login login = guacamole.login(TestRequest.withParameter("heps_token", HandOffToken.mint(username, groups)));
        UserContext context = resolver.getUserContext(login.user());
        return history.decorate(context, login.user(), login.credentials());
    }

    @Test
    void theAuditorPlaysBackTheRecordingOfTheUsersSessionAndTheUserSeesTheEntryWithoutIt() throws Exception {
        UserContext alice = signIn("alice", List.of());
        GuacamoleClientInformation browser = new GuacamoleClientInformation();
        browser.getImageMimetypes().add("image/png");
        GuacamoleTunnel tunnel = alice.getConnectionDirectory().get("5d2c-alice").connect(browser,
                Map.of("GUAC_USERNAME", "alice", "GUAC_CLIENT_ADDRESS", "198.51.100.4"));
        GuacdHandshake handshake = guacd.awaitHandshake(Duration.ofSeconds(5));
        Path recording = Path.of(handshake.setParameters().get("recording-path"))
                .resolve(handshake.setParameters().get("recording-name"));
        Files.writeString(recording, RECORDED, StandardCharsets.UTF_8);
        tunnel.close();

        UserContext auditor = signIn("audrey", List.of("facility-audit"));
        List<ConnectionRecord> entries = new ArrayList<>(auditor.getConnectionHistory().asCollection());
        assertEquals(1, entries.size());
        ConnectionRecord entry = entries.get(0);
        assertEquals("alice", entry.getUsername());
        assertEquals("5d2c-alice", entry.getConnectionIdentifier());
        assertEquals("198.51.100.4", entry.getRemoteHost());
        assertEquals(handshake.setParameters().get("recording-name"), entry.getIdentifier());
        Map<String, ActivityLog> logs = entry.getLogs();
        assertEquals(1, logs.size(), () -> "one recording offered: " + logs);
        ActivityLog log = logs.values().iterator().next();
        assertEquals(ActivityLog.Type.GUACAMOLE_SESSION_RECORDING, log.getType());
        try (InputStream content = log.getContent()) {
            assertArrayEquals(RECORDED.getBytes(StandardCharsets.UTF_8), content.readAllBytes());
        }
        // The history page asks for one entry by its identifier, then for the log by its name.
        ConnectionRecord byId = auditor.getConnectionHistory().get(entry.getIdentifier());
        assertEquals(logs.keySet(), byId.getLogs().keySet());

        List<ConnectionRecord> own = new ArrayList<>(signIn("alice", List.of()).getConnectionHistory().asCollection());
        assertEquals(1, own.size());
        assertTrue(own.get(0).getLogs().isEmpty(), "no playback for the user, only for auditors");
    }
}
