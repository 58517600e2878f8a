package cn.ac.ihep.heps.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import cn.ac.ihep.heps.agent.cli.HepsCli.Run;
import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.desktop.DesktopState;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.testsupport.time.MutableClock;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's verbs beside the API's access routes: named users of a desktop, restarting a
 * desktop, extending a window, and reading the audit log, as tables and JSON, with exit codes 0,
 * 1 and 2. State is in a real PostgreSQL database; the cloud's edge is a mock.
 */
class AccessCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private static TestDatabase db;
    private static final CloudProvider CLOUD = mock(CloudProvider.class);
    @TempDir
    static Path dir;
    private static Path config;

    @BeforeAll
    static void setUp() throws Exception {
        db = TestDatabase.create(AccessCliTest.class);
        config = dir.resolve("agent.properties");
        Files.writeString(config, String.join("\n", "database-url=" + db.url(), "database-user=postgres",
                "beamlines=B1", "api-tokens=secret-api-token", "vnc-site-secret=a-site-secret-of-at-least-16-bytes"));
        when(CLOUD.findFlavor(anyString())).thenReturn(Optional.of(
                new CloudFlavor("f1", "heps.desktop.cpu", 2, 2048, 10, Map.of())));
        when(CLOUD.findServer("server-ann")).thenReturn(Optional.of(new CloudServer("server-ann", "ann", ServerState.ACTIVE,
                Set.of(), Map.of(), Map.of(), null, "f1", "img", null, NOW)));
        Path file = dir.resolve("experiment.yaml");
        Files.writeString(file, """
                proposalId: P-CLI
                beamline: B1
                startsAt: 2026-12-01T08:00:00Z
                endsAt: 2026-12-04T08:00:00Z
                members: [ann]
                desktop: {os: linux, gpus: 0, flavor: heps.desktop.cpu, access: experiment}
                """);
        assertEquals(ExitCode.OK, heps("experiments", "apply", "-f", file.toString()).exitCode());
        db.database().inTransaction(c -> {
            DesktopRepository desktops = new DesktopRepository();
            long experiment;
            try (var select = c.prepareStatement("SELECT id FROM experiments WHERE proposal_id = 'P-CLI'");
                    var rows = select.executeQuery()) {
                rows.next();
                experiment = rows.getLong(1);
            }
            long id = desktops.insert(c, experiment, "ann", "b1-p-cli-ann", 0, NOW);
            desktops.update(id).serverId("server-ann").state(DesktopState.RUNNING).execute(c, NOW);
            return null;
        });
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    private static Run heps(String... args) {
        return new HepsCli(CLOUD, new MutableClock(NOW), config).run(args);
    }

    @Test
    void namedUsersAreAddedAndRemovedAndShownWithTheDesktop() throws Exception {
        Run added = heps("desktops", "add-user", "P-CLI/ann", "sam", "-o", "json");
        assertEquals(ExitCode.OK, added.exitCode(), added.err());
        assertEquals("sam", JSON.readTree(added.out()).get("users").get(0).asText());
        Run table = heps("desktops", "show", "server-ann");
        assertTrue(table.out().contains("NAMED USERS") && table.out().contains("sam"), table.out());

        Run owner = heps("desktops", "add-user", "P-CLI/ann", "ann");
        assertEquals(ExitCode.BAD_INPUT, owner.exitCode());
        assertTrue(owner.err().contains("username: 'ann' owns this desktop already"), owner.err());
        assertEquals(ExitCode.BAD_INPUT, heps("desktops", "add-user", "P-CLI/ann", "no/slash").exitCode());
        Run unknown = heps("desktops", "remove-user", "P-CLI/zed", "sam");
        assertEquals(ExitCode.BAD_INPUT, unknown.exitCode());
        assertTrue(unknown.err().contains("No desktop 'P-CLI/zed'"), unknown.err());
        assertEquals(ExitCode.BAD_INPUT, heps("desktops", "add-user", "P-CLI/ann").exitCode(), "USER is required");

        Run removed = heps("desktops", "remove-user", "P-CLI/ann", "sam", "-o", "json");
        assertEquals(ExitCode.OK, removed.exitCode(), removed.err());
        assertEquals(0, JSON.readTree(removed.out()).get("users").size());
    }

    @Test
    void restartRebootsARunningDesktop() {
        Run restarted = heps("desktops", "restart", "P-CLI/ann", "--no-wait", "-o", "json");
        assertEquals(ExitCode.OK, restarted.exitCode(), restarted.err());
        verify(CLOUD).rebootServer("server-ann");
    }

    @Test
    void aWindowIsExtendedAndNeverShortenedHere() throws Exception {
        Run extended = heps("experiments", "extend", "P-CLI", "--until", "2026-12-06T08:00:00Z", "-o", "json");
        assertEquals(ExitCode.OK, extended.exitCode(), extended.err());
        JsonNode experiment = JSON.readTree(extended.out());
        assertEquals("2026-12-06T08:00:00Z", experiment.get("endsAt").asText());
        assertEquals("experiment", experiment.at("/desktop/access").asText());
        Run shorter = heps("experiments", "extend", "P-CLI", "--until", "2026-12-05T08:00:00+08:00");
        assertEquals(ExitCode.BAD_INPUT, shorter.exitCode());
        assertTrue(shorter.err().contains("endsAt: must be later than the window's current end"), shorter.err());
        assertEquals(ExitCode.BAD_INPUT, heps("experiments", "extend", "P-CLI", "--until", "tomorrow").exitCode());
        assertEquals(ExitCode.BAD_INPUT, heps("experiments", "extend", "P-NONE", "--until", "2027-01-01T00:00:00Z")
                .exitCode());
        assertTrue(heps("experiments", "list").out().contains("ACCESS"));
    }

    @Test
    void theAuditLogIsListedByUserAndDesktopAsTableAndJsonInPages() throws Exception {
        assertEquals(ExitCode.OK, heps("desktops", "add-user", "P-CLI/ann", "tom").exitCode());
        assertEquals(ExitCode.OK, heps("desktops", "remove-user", "P-CLI/ann", "tom").exitCode());
        Run json = heps("audit", "list", "--user", "tom", "-o", "json");
        assertEquals(ExitCode.OK, json.exitCode(), json.err());
        JsonNode page = JSON.readTree(json.out());
        List<String> actions = new ArrayList<>();
        page.get("entries").forEach(e -> actions.add(e.get("action").asText()));
        assertEquals(List.of("desktop.user.remove", "desktop.user.add"), actions);
        assertTrue(page.get("next").isNull());

        Run first = heps("audit", "list", "--desktop", "P-CLI/ann", "--limit", "1");
        assertEquals(ExitCode.OK, first.exitCode(), first.err());
        assertTrue(first.out().contains("AT") && first.out().contains("ACTOR") && first.out().contains("desktop/P-CLI/ann"),
                first.out());
        assertTrue(first.out().contains("More: add --before "), first.out());
        Run byServer = heps("audit", "list", "--desktop", "server-ann", "--since", "2000-01-01T00:00:00Z", "-o", "json");
        assertTrue(JSON.readTree(byServer.out()).get("entries").size() >= 2, byServer.out());

        Run bad = heps("audit", "list", "--limit", "0", "--since", "last week", "--desktop", "nowhere");
        assertEquals(ExitCode.BAD_INPUT, bad.exitCode());
        assertTrue(bad.err().contains("--limit") && bad.err().contains("--since") && bad.err().contains("--desktop"),
                bad.err());
    }
}
