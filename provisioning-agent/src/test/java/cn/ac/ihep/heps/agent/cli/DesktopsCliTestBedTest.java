package cn.ac.ihep.heps.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.reconcile.TestBedImages;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.agent.cli.HepsCli.Run;
import cn.ac.ihep.heps.common.cloud.CloudNotFoundException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.testsupport.openstack.OpenStackTestBed;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code heps desktops create|stop|start|shelve|delete -o json} against the OpenStack test bed
 * and a real PostgreSQL database: each verb's JSON and exit code, and what Nova really holds
 * afterwards; and a desktop that does not exist.
 */
class DesktopsCliTestBedTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String BEAMLINE = "C" + RUN;
    private static final String PROPOSAL = "CLI-" + RUN;
    private static final String USER = "dora-" + RUN;

    @TempDir
    static Path dir;
    private static OpenStackTestBed bed;
    private static CloudProvider cloud;
    private static String imageId;
    private static TestDatabase db;
    private static Path config;
    private static String serverId;

    @BeforeAll
    static void setUp() throws Exception {
        bed = OpenStackTestBed.find();
        cloud = bed.adminProvider();
        imageId = TestBedImages.create(bed, "heps-cli-test-" + BEAMLINE, Map.of("heps_beamline", BEAMLINE,
                "os_type", "linux", "heps_recipe", "cli-test", "heps_recipe_version", "1"));
        db = TestDatabase.create(DesktopsCliTestBedTest.class);
        config = dir.resolve("agent.properties");
        Files.writeString(config, String.join("\n", "database-url=" + db.url(), "database-user=" + TestDatabase.USER,
                "beamlines=" + BEAMLINE, "api-tokens=cli-test-token",
                "vnc-site-secret=a-site-secret-of-at-least-16-bytes", "guacd-cidrs=" + OpenStackTestBed.GUACD_CIDR));
    }

    @AfterAll
    static void tearDown() {
        if (serverId != null) {
            try {
                cloud.deleteServer(serverId);
            } catch (CloudNotFoundException e) {
                // The test deleted it, as it should.
            }
        }
        db.close();
        try {
            cloud.deleteImage(imageId);
        } catch (CloudNotFoundException e) {
            // Gone already.
        }
    }

    /** One {@code heps} command in this JVM, on the test bed's cloud, as an operator types it. */
    private static Run heps(String... args) {
        return new HepsCli(cloud, config).run(args);
    }

    private static Run ok(String... args) {
        return new HepsCli(cloud, config).ok(args);
    }

    private static Optional<CloudServer> nova() {
        return cloud.findServer(serverId).filter(s -> s.state() != ServerState.DELETED);
    }

    @Test
    void operatorVerbsDriveTheRealVm() throws Exception {
        Instant now = Instant.now();
        Path experiment = dir.resolve("experiment.json");
        Files.writeString(experiment, "{\"proposalId\": \"" + PROPOSAL + "\", \"beamline\": \"" + BEAMLINE
                + "\", \"startsAt\": \"" + now.minus(Duration.ofMinutes(5)) + "\", \"endsAt\": \""
                + now.plus(Duration.ofHours(2)) + "\", \"members\": [],"
                + " \"desktop\": {\"os\": \"linux\", \"gpus\": 0, \"flavor\": \"" + OpenStackTestBed.CPU_FLAVOR + "\"}}");
        ok("experiments", "apply", "-f", experiment.toString(), "-o", "json");
        String desktop = PROPOSAL + "/" + USER;

        JsonNode created = ok("desktops", "create", "--experiment", PROPOSAL, "--user", USER, "--timeout", "PT4M",
                "-o", "json").json();
        serverId = created.path("serverId").asText(null);
        assertTrue(serverId != null && !serverId.isBlank(), "create names the VM: " + created);
        assertEquals(USER, created.path("username").asText());
        assertEquals("RUNNING", created.path("state").asText(), created.toString());
        assertEquals(ServerState.ACTIVE, nova().orElseThrow().state());
        assertEquals(Set.of("heps-desktop"), nova().orElseThrow().securityGroups(), "booted in the desktops' group");

        JsonNode stopped = ok("desktops", "stop", desktop, "--timeout", "PT4M", "-o", "json").json();
        assertEquals(serverId, stopped.path("serverId").asText());
        assertEquals(ServerState.SHUTOFF, nova().orElseThrow().state());

        JsonNode started = ok("desktops", "start", serverId, "--timeout", "PT4M", "-o", "json").json();
        assertEquals(serverId, started.path("serverId").asText());
        assertEquals(ServerState.ACTIVE, nova().orElseThrow().state());

        JsonNode shelved = ok("desktops", "shelve", desktop, "--timeout", "PT4M", "-o", "json").json();
        assertEquals("SHELVED", shelved.path("state").asText(), shelved.toString());
        assertTrue(Set.of(ServerState.SHELVED, ServerState.SHELVED_OFFLOADED).contains(nova().orElseThrow().state()));

        JsonNode deleted = ok("desktops", "delete", desktop, "--timeout", "PT4M", "-o", "json").json();
        assertEquals("DELETED", deleted.path("state").asText(), deleted.toString());
        assertTrue(nova().isEmpty(), "Nova no longer has " + serverId);

        // A desktop that does not exist: exit 1, nothing printed on stdout, and what to do instead.
        Run unknown = heps("desktops", "stop", PROPOSAL + "/nobody", "-o", "json");
        assertEquals(2, unknown.exitCode(), "naming a desktop that does not exist is bad input: " + unknown.err());
        assertEquals("", unknown.out());
        assertTrue(unknown.err().contains("No desktop '" + PROPOSAL + "/nobody'")
                && unknown.err().contains("heps desktops list"), unknown.err());
    }
}
