package cn.ac.ihep.heps.guacamole.resolver.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.guacamole.resolver.InMemoryCloud;
import cn.ac.ihep.heps.guacamole.resolver.PropertiesEnvironment;
import cn.ac.ihep.heps.guacamole.resolver.ResolverFixture;
import cn.ac.ihep.heps.guacamole.resolver.TestUser;
import cn.ac.ihep.heps.guacamole.resolver.VmResolverAuthenticationProvider;
import cn.ac.ihep.heps.testsupport.guacd.GuacdFake;
import cn.ac.ihep.heps.testsupport.guacd.GuacdHandshake;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.GuacamoleServerException;
import org.apache.guacamole.net.GuacamoleTunnel;
import org.apache.guacamole.net.auth.ActivityRecordSet;
import org.apache.guacamole.net.auth.Connection;
import org.apache.guacamole.net.auth.ConnectionRecord;
import org.apache.guacamole.net.auth.UserContext;
import org.apache.guacamole.net.auth.permission.SystemPermission;
import org.apache.guacamole.protocol.GuacamoleClientInformation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recorded sessions through the resolver, connected to the guacd fake: which desktops are
 * recorded and how the user is told, where the recording and its history entry go, the link
 * Guacamole's history finds the recording by, and the history itself (who sees what).
 */
class SessionRecordingTest {

    private static final String SECRET = "a-site-secret-for-vnc-passwords";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path recordings;
    private GuacdFake guacd;
    private ServerSocket desktopPort;
    private InMemoryCloud cloud;

    @BeforeEach
    void setUp() throws Exception {
        guacd = GuacdFake.start();
        desktopPort = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        cloud = new InMemoryCloud();
        cloud.put(InMemoryCloud.server("a1-pressure", "hp-alice", ServerState.ACTIVE, "127.0.0.1",
                Set.of("heps-desktop", "heps-owner:alice", "heps-group:exp-7"),
                Map.of("heps.protocol", "vnc", "heps.beamline", "high-pressure")));
        cloud.put(InMemoryCloud.server("b2-nano", "nano-alice", ServerState.ACTIVE, "127.0.0.1",
                Set.of("heps-desktop", "heps-owner:alice"), Map.of("heps.protocol", "vnc", "heps.beamline", "nanoprobe")));
        cloud.put(InMemoryCloud.server("c3-bob", "hp-bob", ServerState.ACTIVE, "127.0.0.1",
                Set.of("heps-desktop", "heps-owner:bob"), Map.of("heps.protocol", "vnc", "heps.beamline", "high-pressure")));
    }

    @AfterEach
    void tearDown() throws Exception {
        guacd.close();
        desktopPort.close();
    }

    private PropertiesEnvironment environment() {
        return new PropertiesEnvironment()
                .set("guacd-hostname", guacd.hostname())
                .set("guacd-port", Integer.toString(guacd.port()))
                .set("heps-vnc-secret", SECRET)
                .set("heps-vnc-port", Integer.toString(desktopPort.getLocalPort()))
                .set("heps-recording-path", recordings.toString())
                .set("recording-search-path", recordings.resolve("history").toString())
                .set("heps-recording", "off, high-pressure=on")
                .set("heps-auditor-groups", "facility-audit");
    }

    private static GuacamoleClientInformation browser() {
        GuacamoleClientInformation info = new GuacamoleClientInformation();
        info.getImageMimetypes().add("image/png");
        return info;
    }

    private static GuacamoleTunnel connect(UserContext context, String serverId) throws GuacamoleException {
        return context.getConnectionDirectory().get(serverId).connect(browser(),
                Map.of("GUAC_USERNAME", "x", "GUAC_CLIENT_ADDRESS", "192.0.2.7"));
    }

    /** What guacd 1.6.0 writes first to a recording: Guacamole protocol. */
    private static void writeAsGuacd(GuacdHandshake handshake) throws Exception {
        Path recording = Path.of(handshake.setParameters().get("recording-path"))
                .resolve(handshake.setParameters().get("recording-name"));
        Files.writeString(recording, "4.size,1.0,4.1024,3.768;4.sync,4.1000;", StandardCharsets.UTF_8);
    }

    @Test
    void onlyTheBeamlinesTheSiteRecordsAreRecordedAndTheUserIsToldBeforeTheSessionOpens() throws Exception {
        try (ResolverFixture fixture = ResolverFixture.start(cloud, environment())) {
            UserContext alice = fixture.provider().getUserContext(new TestUser("alice", Set.of()));
            Connection recorded = alice.getConnectionDirectory().get("a1-pressure");
            Connection unrecorded = alice.getConnectionDirectory().get("b2-nano");
            assertEquals("hp-alice (sessions recorded)", recorded.getName());
            assertEquals(Map.of("heps-recorded", "true"), recorded.getAttributes());
            assertEquals("nano-alice", unrecorded.getName());
            assertEquals(Map.of(), unrecorded.getAttributes());

            GuacamoleTunnel tunnel = connect(alice, "b2-nano");
            GuacdHandshake plain = guacd.awaitHandshake(Duration.ofSeconds(5));
            tunnel.close();
            assertTrue(plain.setParameters().keySet().stream().noneMatch(name -> name.startsWith("recording")),
                    () -> "no recording parameter for nanoprobe: " + plain.setParameters().keySet());
            assertFalse(Files.exists(recordings.resolve("b2-nano")));

            tunnel = connect(alice, "a1-pressure");
            GuacdHandshake handshake = guacd.awaitHandshake(Duration.ofSeconds(5));
            tunnel.close();
            assertEquals("true", handshake.setParameters().get("create-recording-path"));
            assertTrue(handshake.setParameters().get("recording-path").startsWith(recordings.resolve("a1-pressure") + "/"));
        }
    }

    @Test
    void aRecordedSessionLeavesAHistoryEntryBesideItsRecordingAndALinkByItsId() throws Exception {
        try (ResolverFixture fixture = ResolverFixture.start(cloud, environment())) {
            UserContext alice = fixture.provider().getUserContext(new TestUser("alice", Set.of()));
            Instant before = Instant.now();
            GuacamoleTunnel tunnel = connect(alice, "a1-pressure");
            GuacdHandshake handshake = guacd.awaitHandshake(Duration.ofSeconds(5));
            writeAsGuacd(handshake);
            String id = handshake.setParameters().get("recording-name");
            Path day = Path.of(handshake.setParameters().get("recording-path"));
            assertEquals(recordings.resolve("a1-pressure").resolve(java.time.LocalDate.now(java.time.ZoneOffset.UTC)
                    .toString()), day);

            // Guacamole's history extension opens <recording-search-path>/<id>: the recording.
            Path link = recordings.resolve("history").resolve(id);
            assertTrue(Files.isSymbolicLink(link));
            assertEquals(day.resolve(id), link.toRealPath());

            JsonNode entry = JSON.readTree(day.resolve(id + ".json").toFile());
            assertEquals(id, entry.get("id").asText());
            assertEquals("a1-pressure", entry.get("serverId").asText());
            assertEquals("hp-alice (sessions recorded)", entry.get("connectionName").asText());
            assertEquals("alice", entry.get("username").asText());
            assertEquals("192.0.2.7", entry.get("remoteHost").asText());
            assertTrue(entry.get("endedAt").isNull());

            ConnectionRecord open = single(alice.getConnectionHistory());
            assertEquals(UUID.fromString(id), open.getUUID());
            assertEquals(id, open.getIdentifier());
            assertEquals("a1-pressure", open.getConnectionIdentifier());
            assertTrue(open.isActive());
            assertNull(open.getEndDate());

            tunnel.close();
            ConnectionRecord closed = single(alice.getConnectionHistory());
            assertFalse(closed.isActive());
            assertNotNull(closed.getEndDate());
            assertFalse(closed.getEndDate().toInstant().isBefore(closed.getStartDate().toInstant()));
            assertFalse(closed.getStartDate().toInstant().isBefore(before.minusSeconds(1)));
            assertEquals(id, single(alice.getConnectionDirectory().get("a1-pressure").getConnectionHistory())
                    .getIdentifier());
            assertTrue(alice.getConnectionDirectory().get("b2-nano").getConnectionHistory().asCollection().isEmpty());
            assertNotNull(alice.getConnectionHistory().get(id));
            assertNull(alice.getConnectionHistory().get(UUID.randomUUID().toString()));
            assertNull(alice.getConnectionHistory().get("../../etc/passwd"));
        }
    }

    @Test
    void auditorsSeeEverySessionWithAdministerAndAuditOthersTheirOwn() throws Exception {
        try (ResolverFixture fixture = ResolverFixture.start(cloud, environment())) {
            UserContext alice = fixture.provider().getUserContext(new TestUser("alice", Set.of()));
            UserContext bob = fixture.provider().getUserContext(new TestUser("bob", Set.of()));
            for (UserContext user : List.of(alice, bob)) {
                String serverId = user == alice ? "a1-pressure" : "c3-bob";
                connect(user, serverId).close();
                guacd.awaitHandshake(Duration.ofSeconds(5));
            }
            assertEquals(List.of("alice"), usernames(alice.getConnectionHistory()));
            assertEquals(List.of("bob"), usernames(bob.getConnectionHistory()));
            assertTrue(alice.self().getEffectivePermissions().getSystemPermissions().getPermissions().isEmpty());

            // An auditor with no desktop of their own is let in, to read the history.
            UserContext auditor = fixture.provider().getUserContext(new TestUser("carol", Set.of("facility-audit")));
            assertTrue(auditor.getConnectionDirectory().getIdentifiers().isEmpty());
            assertEquals(Set.of(new SystemPermission(SystemPermission.Type.ADMINISTER),
                    new SystemPermission(SystemPermission.Type.AUDIT)),
                    auditor.self().getEffectivePermissions().getSystemPermissions().getPermissions());
            assertEquals(List.of("alice", "bob"), usernames(auditor.getConnectionHistory()
                    .sort(ActivityRecordSet.SortableProperty.START_DATE, false)));
            assertEquals(List.of("bob"), usernames(auditor.getConnectionHistory().contains("BO")));
            assertEquals(List.of("alice"), usernames(auditor.getConnectionHistory().contains("hp-alice")));
            assertEquals(List.of("bob"), usernames(auditor.getConnectionHistory()
                    .sort(ActivityRecordSet.SortableProperty.START_DATE, true).limit(1)));
            // Whose desktop is not the point: a user without a desktop and not an auditor is refused as before.
            assertThrows(GuacamoleException.class,
                    () -> fixture.provider().getUserContext(new TestUser("dave", Set.of("exp-99"))));
        }
    }

    @Test
    void aSessionThatCannotBeRecordedIsNotOpened() throws Exception {
        Path notADirectory = recordings.resolve("file");
        Files.writeString(notADirectory, "in the way");
        PropertiesEnvironment environment = environment().set("heps-recording-path", notADirectory.toString());
        try (ResolverFixture fixture = ResolverFixture.start(cloud, environment)) {
            UserContext alice = fixture.provider().getUserContext(new TestUser("alice", Set.of()));
            GuacamoleServerException refused = assertThrows(GuacamoleServerException.class,
                    () -> connect(alice, "a1-pressure"));
            assertTrue(refused.getMessage().contains("cannot be recorded"), refused.getMessage());
            assertEquals(0, guacd.pendingHandshakes());
            assertFalse(Files.exists(recordings.resolve("history")) && Files.list(recordings.resolve("history")).findAny()
                    .isPresent(), "no link is left for a session that never opened");
            // The unrecorded desktop still opens.
            connect(alice, "b2-nano").close();
            assertNotNull(guacd.awaitHandshake(Duration.ofSeconds(5)));
        }
    }

    @Test
    void anEntryWhoseNodeStoppedEndsAtItsLastWrite() throws Exception {
        try (ResolverFixture other = ResolverFixture.start(cloud, environment());
                ResolverFixture node = ResolverFixture.start(cloud, environment())) {
            // The other node opens the session and stops without noting its end.
            RecordedSession session = other.service(RecordingStore.class).begin("a1-pressure", "hp-alice", "alice", null);
            Files.writeString(session.recording(), "4.sync,1.0;");
            Instant lastWrite = Instant.now().minus(Duration.ofMinutes(10));
            Files.setLastModifiedTime(session.recording(), FileTime.from(lastWrite));
            Files.setLastModifiedTime(session.directory().resolve(session.recordingName() + ".json"),
                    FileTime.from(lastWrite.minusSeconds(30)));
            UserContext alice = node.provider().getUserContext(new TestUser("alice", Set.of()));
            ConnectionRecord record = single(alice.getConnectionHistory());
            assertFalse(record.isActive());
            assertEquals(lastWrite.toEpochMilli() / 1000, record.getEndDate().toInstant().toEpochMilli() / 1000);
            // While its node keeps the entry fresh, it is open.
            Files.setLastModifiedTime(session.directory().resolve(session.recordingName() + ".json"),
                    FileTime.from(Instant.now()));
            assertTrue(single(alice.getConnectionHistory()).isActive());
        }
    }

    @Test
    void aRuleThatRecordsWithoutAPathOrCannotBeReadStopsTheResolver() {
        assertStartRefused(new PropertiesEnvironment().set("heps-vnc-secret", SECRET)
                .set("heps-recording", "off, high-pressure=on"), "heps-recording-path");
        assertStartRefused(environment().set("heps-recording", "sometimes"), "heps-recording");
        assertStartRefused(environment().set("heps-recording", "off, high-pressure=maybe"), "heps-recording");
        assertStartRefused(environment().set("heps-recording-retention-days", "0"), "heps-recording-retention-days");
        assertStartRefused(environment().set("heps-recording-path", "recordings"), "heps-recording-path");
    }

    @Test
    void withoutAPathNothingIsRecordedAndNothingIsSaid() throws Exception {
        PropertiesEnvironment environment = new PropertiesEnvironment()
                .set("guacd-hostname", guacd.hostname())
                .set("guacd-port", Integer.toString(guacd.port()))
                .set("heps-vnc-secret", SECRET)
                .set("heps-vnc-port", Integer.toString(desktopPort.getLocalPort()));
        try (ResolverFixture fixture = ResolverFixture.start(cloud, environment)) {
            UserContext alice = fixture.provider().getUserContext(new TestUser("alice", Set.of()));
            assertEquals("hp-alice", alice.getConnectionDirectory().get("a1-pressure").getName());
            connect(alice, "a1-pressure").close();
            assertTrue(guacd.awaitHandshake(Duration.ofSeconds(5)).setParameters().keySet().stream()
                    .noneMatch(name -> name.startsWith("recording")));
            assertTrue(alice.getConnectionHistory().asCollection().isEmpty());
        }
    }

    private void assertStartRefused(PropertiesEnvironment environment, String property) {
        GuacamoleException e = assertThrows(GuacamoleException.class, () -> new VmResolverAuthenticationProvider(
                environment, cloud).shutdown());
        assertTrue(e.getMessage().contains(property), () -> "\"" + e.getMessage() + "\" should name " + property);
    }

    private static ConnectionRecord single(ActivityRecordSet<ConnectionRecord> history) throws GuacamoleException {
        List<ConnectionRecord> records = new ArrayList<>(history.asCollection());
        assertEquals(1, records.size(), () -> "one entry expected: " + records);
        return records.get(0);
    }

    private static List<String> usernames(ActivityRecordSet<ConnectionRecord> history) throws GuacamoleException {
        return history.asCollection().stream().map(ConnectionRecord::getUsername).toList();
    }
}
