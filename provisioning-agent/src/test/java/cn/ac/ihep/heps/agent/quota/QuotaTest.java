package cn.ac.ihep.heps.agent.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import cn.ac.ihep.heps.agent.api.ApiServer;
import cn.ac.ihep.heps.agent.api.BearerTokens;
import cn.ac.ihep.heps.agent.cli.HepsCli;
import cn.ac.ihep.heps.agent.cli.HepsCli.Run;
import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.experiment.ExperimentInput;
import cn.ac.ihep.heps.agent.experiment.ExperimentService;
import cn.ac.ihep.heps.agent.experiment.ExperimentValidator;
import cn.ac.ihep.heps.agent.experiment.FieldError;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.agent.store.QuotaRepository;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Quotas per experiment and the site default, on PostgreSQL: the service, the API and the CLI. */
class QuotaTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestDatabase db;
    private CloudProvider cloud;
    private ExperimentService experiments;
    private QuotaService quotas;
    @TempDir
    Path dir;

    @BeforeEach
    void setUp() {
        db = TestDatabase.create(QuotaTest.class);
        cloud = mock(CloudProvider.class);
        when(cloud.findFlavor(anyString())).thenReturn(Optional.empty());
        when(cloud.findFlavor("heps.desktop.gpu1")).thenReturn(Optional.of(
                new CloudFlavor("f1", "heps.desktop.gpu1", 4, 4096, 10, Map.of("pci_passthrough:alias", "a100:1"))));
        when(cloud.findFlavor("heps.desktop.gpu2")).thenReturn(Optional.of(
                new CloudFlavor("f2", "heps.desktop.gpu2", 8, 8192, 10, Map.of("pci_passthrough:alias", "a100:2"))));
        quotas = new QuotaService(db.database(), new QuotaRepository(), new ExperimentRepository(), new AuditLog(),
                Clock.systemUTC());
        experiments = new ExperimentService(db.database(), new ExperimentRepository(), new AuditLog(),
                new ExperimentValidator(List.of("B1"), cloud), quotas, Clock.systemUTC());
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    /** A 48-hour window. */
    private static ExperimentInput experiment(String proposal, int gpus, String... members) {
        return new ExperimentInput(proposal, "B1", null, "2026-12-01T08:00:00Z", "2026-12-03T08:00:00Z",
                new ExperimentInput.DesktopInput("linux", gpus, "heps.desktop.gpu" + gpus, null), List.of(members));
    }

    private List<String> refusal(Runnable change) {
        QuotaExceededException refused = assertThrows(QuotaExceededException.class, change::run);
        return refused.errors().stream().map(FieldError::toString).toList();
    }

    @Test
    void theSiteDefaultAppliesUnlessTheExperimentHasItsOwn() {
        experiments.apply(experiment("P-FREE", 2, "a", "b", "c"), "test");
        quotas.set(QuotaService.SITE, "3", "4", null, "test");

        List<String> refused = refusal(() -> experiments.apply(experiment("P-1", 2, "a", "b", "c"), "test"));
        assertEquals(List.of("quota.gpus: the GPUs quota is 4 (the site default); the experiment would use 6 "
                + "(3 members × 2 GPUs). Ask for a larger quota ('heps quota set')"), refused);
        assertTrue(experiments.find("P-1").isEmpty(), "nothing stored");

        quotas.set("P-1", null, "6", null, "test");
        experiments.apply(experiment("P-1", 2, "a", "b", "c"), "test");
        // Its own GPU quota, the site's desktop quota: a fourth member is one desktop too many.
        List<String> member = refusal(() -> experiments.addMember("P-1", "d", "test"));
        assertEquals(2, member.size(), member.toString());
        assertTrue(member.get(0).startsWith("quota.desktops: the desktops quota is 3 (the site default); the "
                + "experiment would use 4 (one per member)"), member.get(0));
        assertTrue(member.get(1).startsWith("quota.gpus: the GPUs quota is 6 (this experiment's); the experiment "
                + "would use 8"), member.get(1));
        assertEquals(List.of("a", "b", "c"), experiments.find("P-1").orElseThrow().members());
        // Adding someone already a member changes nothing and is fine.
        experiments.addMember("P-1", "a", "test");
    }

    @Test
    void gpuHoursCountEveryMembersGpusOverTheWindow() {
        quotas.set(QuotaService.SITE, null, null, "90", "test");
        List<String> refused = refusal(() -> experiments.apply(experiment("P-H", 1, "a", "b"), "test"));
        assertEquals(1, refused.size());
        assertTrue(refused.get(0).startsWith("quota.gpuHours: the GPU-hours per beamtime quota is 90 (the site default); "
                + "the experiment would use 96 (2 GPUs × the window of 2026-12-01T08:00:00Z to 2026-12-03T08:00:00Z)"),
                refused.get(0));
        quotas.set(QuotaService.SITE, null, null, "none", "test");
        experiments.apply(experiment("P-H", 1, "a", "b"), "test");
    }

    @Test
    void aQuotaLoweredBelowWhatIsHeldKeepsItAndShowsIt() {
        experiments.apply(experiment("P-L", 2, "a", "b"), "test");
        QuotaService.QuotaView view = quotas.set("P-L", "1", null, null, "test");
        assertEquals(new Quota(1, null, null), view.set());
        assertEquals(new QuotaUsage(2, 4, 192), view.usage());
        assertEquals(List.of("a", "b"), experiments.find("P-L").orElseThrow().members());
        assertThrows(QuotaExceededException.class, () -> experiments.addMember("P-L", "c", "test"));
        assertEquals("--gpus must be a whole number of 0 or more, or none, not '-1'",
                assertThrows(IllegalArgumentException.class, () -> quotas.set("P-L", null, "-1", null, "t")).getMessage());
    }

    @Test
    void theApiRefusesWithTheQuotaItsValueAndTheUsage() throws Exception {
        quotas.set(QuotaService.SITE, null, "2", null, "test");
        ApiServer api = ApiServer.start(new InetSocketAddress("127.0.0.1", 0), new ApiServer.Services(experiments,
                db.database(), new DesktopRepository(), null, null, cloud, new AgentMetrics(),
                new BearerTokens(List.of("t")), false), null, false);
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            api.baseUri(false).resolve("/v1/experiments"))
                    .header("Authorization", "Bearer t").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(experiment("P-API", 2, "a", "b"))))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, response.statusCode(), response.body());
            JsonNode body = JSON.readTree(response.body());
            assertEquals("The experiment P-API would exceed its quota", body.get("error").asText());
            assertEquals("quota.gpus", body.at("/fields/0/field").asText());
            assertTrue(body.at("/fields/0/message").asText().contains("quota is 2 (the site default); the experiment "
                    + "would use 4"), body.toString());
        } finally {
            api.close();
        }
    }

    @Test
    void hepsQuotaShowAndSet() throws Exception {
        experiments.apply(experiment("P-CLI", 1, "a", "b"), "test");
        Run set = heps("quota", "set", "--site", "--gpus", "8", "--desktops", "10", "-o", "json");
        assertEquals(ExitCode.OK, set.exitCode(), set.err());
        assertEquals(8, JSON.readTree(set.out()).at("/set/gpus").asInt());

        Run own = heps("quota", "set", "P-CLI", "--gpu-hours", "100");
        assertEquals(ExitCode.OK, own.exitCode(), own.err());
        Run show = heps("quota", "show");
        assertTrue(show.out().contains("site default"), show.out());
        assertTrue(show.out().contains("2 / 10 (site)"), show.out());
        assertTrue(show.out().contains("96 / 100"), show.out());
        JsonNode one = JSON.readTree(heps("quota", "show", "P-CLI", "-o", "json").out());
        assertEquals(100, one.at("/0/effective/gpuHours").asInt());
        assertEquals(8, one.at("/0/effective/gpus").asInt());
        assertEquals(96, one.at("/0/usage/gpuHours").asInt());

        assertEquals(ExitCode.BAD_INPUT, heps("quota", "set", "P-CLI").exitCode());
        assertEquals(ExitCode.BAD_INPUT, heps("quota", "set", "P-CLI", "--gpus", "many").exitCode());
        assertEquals(ExitCode.BAD_INPUT, heps("quota", "set", "P-CLI", "--site", "--gpus", "1").exitCode());

        // The CLI's own changes are held to the quotas too, with every quota named.
        Path file = dir.resolve("experiment.json");
        Files.writeString(file, JSON.writeValueAsString(experiment("P-CLI2", 1, "a", "b", "c", "d", "e", "f", "g",
                "h", "i", "j", "k")));
        Run apply = heps("experiments", "apply", "-f", file.toString());
        assertEquals(ExitCode.BAD_INPUT, apply.exitCode(), apply.err());
        assertTrue(apply.err().contains("quota.desktops") && apply.err().contains("quota.gpus"), apply.err());
    }

    private Run heps(String... args) throws Exception {
        Path config = dir.resolve("agent.properties");
        Files.writeString(config, String.join("\n", "database-url=" + db.url(), "database-user=postgres",
                "beamlines=B1", "api-tokens=t", "vnc-site-secret=a-site-secret-of-at-least-16-bytes"));
        return new HepsCli(cloud, config).run(args);
    }
}
