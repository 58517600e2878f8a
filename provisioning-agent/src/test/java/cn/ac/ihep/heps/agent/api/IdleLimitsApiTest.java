package cn.ac.ihep.heps.agent.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import cn.ac.ihep.heps.agent.activity.ActivityService;
import cn.ac.ihep.heps.agent.activity.PolicyDisconnectLimits;
import cn.ac.ihep.heps.agent.desktop.DesktopState;
import cn.ac.ihep.heps.agent.experiment.ExperimentService;
import cn.ac.ihep.heps.agent.experiment.ExperimentValidator;
import cn.ac.ihep.heps.agent.idle.IdleSettings;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.agent.store.ActivityRepository;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An experiment's own idle limits (desktop.idle) through the API, stored in PostgreSQL, and the
 * disconnect limits the activity answer gives its desktops: the experiment's, else the
 * beamline's, else the site's.
 */
class IdleLimitsApiTest {
    private static final String TOKEN = "token-" + System.nanoTime();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static TestDatabase db;
    private static ApiServer api;
    private static URI base;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.create(IdleLimitsApiTest.class);
        CloudProvider cloud = mock(CloudProvider.class);
        when(cloud.findFlavor(anyString())).thenReturn(Optional.of(
                new CloudFlavor("f1", "heps.desktop.gpu1", 4, 4096, 10, Map.of("pci_passthrough:alias", "a100:1"))));
        ExperimentService experiments = new ExperimentService(db.database(), new ExperimentRepository(), new AuditLog(),
                new ExperimentValidator(List.of("B1", "B7"), cloud), Clock.systemUTC());
        IdleSettings site = IdleSettings.parse("off, B7=PT45M", "PT2H", "off");
        ActivityService activity = new ActivityService(db.database(), new ActivityRepository(), new BearerTokens(List.of()),
                new PolicyDisconnectLimits(db.database(), new DesktopRepository(), new ExperimentRepository(), site),
                Clock.systemUTC());
        api = ApiServer.start(new InetSocketAddress("127.0.0.1", 0), new ApiServer.Services(experiments, db.database(),
                new DesktopRepository(), null, null, cloud, new AgentMetrics(), new BearerTokens(List.of(TOKEN)), false,
                activity), null, false);
        base = api.baseUri(false);
    }

    @AfterAll
    static void stop() {
        api.close();
        db.close();
    }

    private static HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Authorization", "Bearer " + TOKEN);
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String experiment(String proposal, String beamline, String idle) {
        return """
                {"proposalId": "%s", "beamline": "%s", "startsAt": "2026-12-01T08:00:00Z",
                 "endsAt": "2026-12-03T08:00:00Z", "members": ["alice"],
                 "desktop": {"os": "linux", "gpus": 1, "flavor": "heps.desktop.gpu1"%s}}
                """.formatted(proposal, beamline, idle == null ? "" : ", \"idle\": " + idle);
    }

    private static void desktopOn(String proposal, String serverId) {
        long experimentId = db.database().inTransaction(c -> new ExperimentRepository().find(c, proposal)).orElseThrow().id();
        db.database().inTransaction(c -> {
            DesktopRepository desktops = new DesktopRepository();
            long id = desktops.insert(c, experimentId, "alice", "b-" + proposal, 1, Instant.now());
            desktops.update(id).serverId(serverId).state(DesktopState.RUNNING).execute(c, Instant.now());
            return null;
        });
    }

    @Test
    void anExperimentSetsItsOwnLimitsAndTheActivityAnswerFollowsThem() throws Exception {
        HttpResponse<String> created = send("POST", "/v1/experiments",
                experiment("P-OWN", "B1", "{\"disconnectAfter\": \"pt30m\", \"shelveAfter\": \"OFF\"}"));
        assertEquals(201, created.statusCode(), created.body());
        JsonNode idle = JSON.readTree(created.body()).at("/desktop/idle");
        assertEquals("PT30M", idle.get("disconnectAfter").asText());
        assertEquals("off", idle.get("shelveAfter").asText());
        assertEquals(idle, JSON.readTree(send("GET", "/v1/experiments/P-OWN", null).body()).at("/desktop/idle"));

        assertEquals(201, send("POST", "/v1/experiments", experiment("P-B7", "B7", null)).statusCode());
        assertEquals(201, send("POST", "/v1/experiments", experiment("P-B1", "B1", null)).statusCode());
        desktopOn("P-OWN", "server-own");
        desktopOn("P-B7", "server-b7");
        desktopOn("P-B1", "server-b1");

        HttpResponse<String> answer = send("POST", "/v1/desktop-activity", """
                {"node": "guac-1", "instance": "i", "sequence": 1, "complete": true, "desktops": [
                 {"serverId": "server-own", "connections": 1}, {"serverId": "server-b7", "connections": 1},
                 {"serverId": "server-b1", "connections": 1}, {"serverId": "hand-made", "connections": 1}]}
                """);
        assertEquals(200, answer.statusCode(), answer.body());
        assertEquals(JSON.readTree("""
                {"limits": [{"serverId": "server-own", "afterSeconds": 1800, "warnSeconds": 300},
                            {"serverId": "server-b7", "afterSeconds": 2700, "warnSeconds": 300}]}
                """), JSON.readTree(answer.body()));
    }

    @Test
    void badLimitsAreNamed() throws Exception {
        HttpResponse<String> refused = send("POST", "/v1/experiments",
                experiment("P-BAD", "B1", "{\"disconnectAfter\": \"30 minutes\", \"shelveAfter\": \"PT0S\"}"));
        assertEquals(400, refused.statusCode(), refused.body());
        List<String> fields = new ArrayList<>();
        JSON.readTree(refused.body()).get("fields").forEach(f -> fields.add(f.get("field").asText() + ": "
                + f.get("message").asText()));
        assertEquals(List.of(
                "desktop.idle.disconnectAfter: must be off or an ISO-8601 duration such as PT30M or PT2H, not '30 minutes'",
                "desktop.idle.shelveAfter: must be longer than zero (or off), not 'PT0S'"), fields);
        assertEquals(400, send("POST", "/v1/experiments",
                experiment("P-BAD2", "B1", "{\"shelveAfterHours\": 2}")).statusCode());
    }
}
