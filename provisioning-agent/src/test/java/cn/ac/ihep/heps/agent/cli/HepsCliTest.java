package cn.ac.ihep.heps.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.agent.token.PortalTokenIssuer;
import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.GpuInventory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.Jws;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Jwk;
import io.jsonwebtoken.security.JwkSet;
import io.jsonwebtoken.security.Jwks;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The {@code heps} command line as an operator uses it: help on every verb, JSON output,
 * exit codes 0/1/2, and tokens that verify. State goes to a real PostgreSQL database; the
 * cloud answers only flavor lookups here (the test bed tests drive the real one).
 */
class HepsCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestDatabase db;
    @TempDir
    static Path dir;
    private static Path config;

    @BeforeAll
    static void setUp() throws Exception {
        db = TestDatabase.create(HepsCliTest.class);
        config = dir.resolve("agent.properties");
        Files.writeString(config, String.join("\n",
                "database-url=" + db.url(),
                "database-user=postgres",
                "beamlines=B1,B7",
                "api-tokens=secret-api-token",
                "vnc-site-secret=a-site-secret-of-at-least-16-bytes",
                "token-key-file=" + dir.resolve("token.pem"),
                "token-key-id=site-key-1",
                "token-issuer=https://portal.example",
                "token-audience=heps-guacamole",
                "guacamole-url=https://desktops.example/guacamole/"));
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    record Run(int exitCode, String out, String err) {
    }

    /** What Placement reports to the next command. */
    private static List<GpuInventory> placement = List.of();

    private static Run heps(String... args) {
        CloudProvider cloud = mock(CloudProvider.class);
        when(cloud.findFlavor(anyString())).thenReturn(Optional.empty());
        when(cloud.findFlavor("heps.desktop.cpu")).thenReturn(Optional.of(
                new CloudFlavor("f1", "heps.desktop.cpu", 2, 2048, 10, Map.of())));
        when(cloud.findFlavor("heps.desktop.gpu2")).thenReturn(Optional.of(
                new CloudFlavor("f2", "heps.desktop.gpu2", 8, 16384, 40, Map.of("pci_passthrough:alias", "a100:2"))));
        when(cloud.gpuInventory()).thenReturn(placement);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        PrintStream originalOut = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            CommandLine commandLine = HepsCommand.commandLine(new HepsCommand(c -> cloud, Clock.systemUTC()));
            commandLine.setOut(new PrintWriter(System.out, true));
            commandLine.setErr(new PrintWriter(err, true));
            List<String> withConfig = new ArrayList<>(List.of(args));
            withConfig.add("--config=" + config);
            int code = commandLine.execute(args.length > 0 && args[0].startsWith("-") ? args
                    : withConfig.toArray(String[]::new));
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(originalOut);
        }
    }

    @Test
    void everyCommandAndVerbHasHelp() {
        List<String[]> paths = new ArrayList<>();
        collect(HepsCommand.commandLine(), new ArrayList<>(), paths);
        assertTrue(paths.size() >= 18, "verbs found: " + paths.size());
        for (String[] path : paths) {
            List<String> args = new ArrayList<>(List.of(path));
            args.add("--help");
            Run run = heps(args.toArray(String[]::new));
            assertEquals(ExitCode.OK, run.exitCode(), String.join(" ", args) + ": " + run.err());
            assertTrue(run.out().contains("Usage: heps"), String.join(" ", args));
        }
        Run root = heps("--help");
        for (String noun : List.of("experiments", "desktops", "gpus", "token", "agent")) {
            assertTrue(root.out().contains(noun), noun);
        }
    }

    private static void collect(CommandLine command, List<String> prefix, List<String[]> paths) {
        for (Map.Entry<String, CommandLine> sub : command.getSubcommands().entrySet()) {
            if (sub.getKey().equals("help")) {
                continue;
            }
            List<String> path = new ArrayList<>(prefix);
            path.add(sub.getKey());
            paths.add(path.toArray(String[]::new));
            collect(sub.getValue(), path, paths);
        }
    }

    @Test
    void badUsageExitsTwo() {
        assertEquals(ExitCode.BAD_INPUT, heps("desktops", "frobnicate").exitCode());
        assertEquals(ExitCode.BAD_INPUT, heps("desktops", "list", "--output", "yaml").exitCode());
        Run missing = heps("experiments", "apply", "-f", dir.resolve("nope.yaml").toString());
        assertEquals(ExitCode.BAD_INPUT, missing.exitCode());
        assertTrue(missing.err().contains("does not exist"), missing.err());
    }

    @Test
    void invalidExperimentFileExitsTwoNamingFieldsAndAppliesNothing() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, """
                - proposalId: P-OK
                  beamline: B1
                  startsAt: 2026-12-01T08:00:00Z
                  endsAt: 2026-12-02T08:00:00Z
                  members: [alice]
                  desktop: {os: linux, gpus: 0, flavor: heps.desktop.cpu}
                - proposalId: P-BAD
                  beamline: B42
                  startsAt: 2026-12-01T08:00:00Z
                  endsAt: 2026-12-02T08:00:00Z
                  members: [bob]
                  desktop: {os: linux, gpus: 0, flavor: m1.missing}
                """);
        Run run = heps("experiments", "apply", "-f", file.toString());
        assertEquals(ExitCode.BAD_INPUT, run.exitCode(), run.err());
        assertTrue(run.err().contains("[1].beamline: unknown beamline 'B42'"), run.err());
        assertTrue(run.err().contains("[1].desktop.flavor: unknown flavor 'm1.missing'"), run.err());
        assertTrue(run.err().contains("nothing was applied"), run.err());
        JsonNode list = JSON.readTree(heps("experiments", "list", "-o", "json").out());
        for (JsonNode experiment : list) {
            assertFalse(experiment.get("proposalId").asText().equals("P-OK"));
        }

        Path typo = dir.resolve("typo.yaml");
        Files.writeString(typo, "proposalId: P-T\nbeamlin: B1\n");
        Run typoRun = heps("experiments", "apply", "-f", typo.toString());
        assertEquals(ExitCode.BAD_INPUT, typoRun.exitCode());
        assertTrue(typoRun.err().contains("unknown field 'beamlin'"), typoRun.err());
    }

    @Test
    void gpusPlanShowsTheCalendar() throws Exception {
        Path file = dir.resolve("gpu.yaml");
        Files.writeString(file, """
                proposalId: P-GPU-PLAN
                beamline: B1
                startsAt: 2030-03-01T08:00:00Z
                endsAt: 2030-03-03T08:00:00Z
                members: [ann, ben, cai]
                desktop: {os: linux, gpus: 2, flavor: heps.desktop.gpu2}
                """);
        assertEquals(ExitCode.OK, heps("experiments", "apply", "-f", file.toString()).exitCode());
        placement = List.of(new GpuInventory("gpu-a", "CUSTOM_GPU_A100", 4, 0));
        try {
            Run json = heps("gpus", "plan", "-o", "json");
            assertEquals(ExitCode.OK, json.exitCode(), json.err());
            JsonNode entries = JSON.readTree(json.out());
            assertEquals(3, entries.size(), json.out());
            int planned = 0;
            for (JsonNode entry : entries) {
                assertTrue(entry.get("key").asText().startsWith("P-GPU-PLAN/"), entry.toString());
                assertEquals(2, entry.get("gpus").asInt());
                planned += entry.get("host").isNull() ? 0 : 1;
            }
            assertEquals(2, planned, json.out());
            Run table = heps("gpus", "plan");
            assertTrue(table.out().contains("2 × CUSTOM_GPU_A100"), table.out());
            assertTrue(table.out().contains("AT RISK (most free throughout: 0 on gpu-a)"), table.out());

            placement = List.of(new GpuInventory("gpu-a", "CUSTOM_GPU_A100", 4, 0),
                    new GpuInventory("gpu-b", "CUSTOM_GPU_V100", 4, 0));
            Run ambiguous = heps("gpus", "plan");
            assertEquals(ExitCode.BAD_INPUT, ambiguous.exitCode());
            assertTrue(ambiguous.err().contains("set gpu-resource-class"), ambiguous.err());
        } finally {
            placement = List.of();
        }
    }

    @Test
    void appliesAnExperimentAndListsItAsJson() throws Exception {
        Path file = dir.resolve("good.yaml");
        Files.writeString(file, """
                proposalId: P-CLI
                beamline: B7
                group: cli-group
                startsAt: 2026-12-01T08:00:00Z
                endsAt: 2026-12-02T08:00:00Z
                members: [alice, bob]
                desktop: {os: linux, gpus: 0, flavor: heps.desktop.cpu}
                """);
        Run applied = heps("experiments", "apply", "-f", file.toString(), "-o", "json");
        assertEquals(ExitCode.OK, applied.exitCode(), applied.err());
        assertEquals("P-CLI", JSON.readTree(applied.out()).get(0).get("proposalId").asText());
        Run shown = heps("experiments", "show", "P-CLI");
        assertEquals(ExitCode.OK, shown.exitCode());
        assertTrue(shown.out().startsWith("PROPOSAL"), shown.out());
        assertTrue(shown.out().contains("alice,bob"), shown.out());
        assertEquals(ExitCode.BAD_INPUT, heps("experiments", "show", "P-NONE").exitCode());
        assertEquals(ExitCode.BAD_INPUT, heps("desktops", "show", "P-NONE/alice").exitCode());
        JsonNode desktops = JSON.readTree(heps("desktops", "list", "-o", "json").out());
        assertTrue(desktops.isArray());
    }

    @Test
    void issuesATokenThatVerifiesAgainstThePublishedKey() throws Exception {
        Path jwks = dir.resolve("jwks.json");
        Run keygen = heps("token", "keygen", "--private-key", dir.resolve("token.pem").toString(),
                "--jwks", jwks.toString(), "--kid", "site-key-1");
        assertEquals(ExitCode.OK, keygen.exitCode(), keygen.err());
        Run issued = heps("token", "issue", "--user", "alice", "--group", "P-CLI", "-o", "json");
        assertEquals(ExitCode.OK, issued.exitCode(), issued.err());
        JsonNode result = JSON.readTree(issued.out());
        String token = result.get("token").asText();
        assertTrue(result.get("url").asText().startsWith("https://desktops.example/guacamole/?heps_token="));

        JwkSet set = Jwks.setParser().build().parse(Files.readString(jwks));
        Jwk<?> jwk = set.getKeys().iterator().next();
        assertEquals("site-key-1", jwk.getId());
        Jws<Claims> jws = Jwts.parser().verifyWith((PublicKey) jwk.toKey()).build().parseSignedClaims(token);
        assertEquals("ES256", jws.getHeader().getAlgorithm());
        assertEquals(PortalTokenIssuer.TYPE, jws.getHeader().getType());
        assertEquals("site-key-1", jws.getHeader().getKeyId());
        Claims claims = jws.getPayload();
        assertEquals("alice", claims.getSubject());
        assertEquals("https://portal.example", claims.getIssuer());
        assertTrue(claims.getAudience().contains("heps-guacamole"));
        assertEquals(120, (claims.getExpiration().getTime() - claims.getIssuedAt().getTime()) / 1000);
        assertFalse(claims.getId().isBlank());
        assertEquals(List.of("P-CLI"), claims.get("groups", List.class));

        assertEquals(ExitCode.BAD_INPUT, heps("token", "issue", "--user", "bad user").exitCode());
        assertEquals(ExitCode.BAD_INPUT, heps("token", "issue").exitCode());
    }

    @Test
    void configShowsEverySettingWithSecretsMasked() throws Exception {
        Run run = heps("agent", "config", "-o", "json");
        assertEquals(ExitCode.OK, run.exitCode(), run.err());
        assertFalse(run.out().contains("secret-api-token"));
        assertFalse(run.out().contains("a-site-secret-of-at-least-16-bytes"));
        JsonNode lines = JSON.readTree(run.out());
        boolean sawMasked = false;
        for (JsonNode line : lines) {
            assertTrue(line.get("environmentVariable").asText().startsWith("HEPS_"));
            sawMasked |= line.get("property").asText().equals("api-tokens") && line.get("value").asText().equals("******");
        }
        assertTrue(sawMasked);
    }
}
