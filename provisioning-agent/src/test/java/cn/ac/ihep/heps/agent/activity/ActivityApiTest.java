package cn.ac.ihep.heps.agent.activity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import cn.ac.ihep.heps.agent.api.ApiServer;
import cn.ac.ihep.heps.agent.api.BearerTokens;
import cn.ac.ihep.heps.agent.cli.HepsCommand;
import cn.ac.ihep.heps.agent.desktop.DesktopState;
import cn.ac.ihep.heps.agent.experiment.Experiment;
import cn.ac.ihep.heps.agent.experiment.ExperimentInput;
import cn.ac.ihep.heps.agent.experiment.ExperimentService;
import cn.ac.ihep.heps.agent.experiment.ExperimentValidator;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.agent.store.ActivityRepository;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.common.activity.ActivityAnswer.DisconnectLimit;
import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.testsupport.time.MutableClock;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
 * POST /v1/desktop-activity and what it shows in GET /v1/desktops and 'heps desktops list':
 * real HTTP on loopback, a real PostgreSQL database, the agent's clock held still.
 */
class ActivityApiTest {
    private static final String API_TOKEN = "api-token-" + System.nanoTime();
    private static final String ACTIVITY_TOKEN = "activity-token-" + System.nanoTime();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static TestDatabase db;
    private static ApiServer api;
    private static URI base;
    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.create(ActivityApiTest.class);
        CloudProvider cloud = mock(CloudProvider.class);
        when(cloud.findFlavor(anyString())).thenReturn(Optional.of(
                new CloudFlavor("f1", "heps.desktop.cpu", 2, 2048, 10, Map.of())));
        MutableClock clock = new MutableClock(NOW);
        ExperimentService experiments = new ExperimentService(db.database(), new ExperimentRepository(), new AuditLog(),
                new ExperimentValidator(List.of("B1"), cloud), clock);
        Experiment experiment = experiments.apply(new ExperimentInput("P-1", "B1", null, "2026-12-01T08:00:00Z",
                "2026-12-05T08:00:00Z", new ExperimentInput.DesktopInput("linux", 0, "heps.desktop.cpu", null),
                List.of("alice", "bob")), "test").experiment();
        DesktopRepository desktops = new DesktopRepository();
        db.database().inTransaction(c -> {
            for (String member : List.of("alice", "bob")) {
                long id = desktops.insert(c, experiment.id(), member, "b1-p-1-" + member, 0, NOW);
                desktops.update(id).serverId("server-" + member).state(DesktopState.RUNNING).execute(c, NOW);
            }
            return null;
        });
        ActivityService activity = new ActivityService(db.database(), new ActivityRepository(),
                new BearerTokens(List.of(ACTIVITY_TOKEN)),
                serverIds -> serverIds.contains("server-bob") ? List.of(new DisconnectLimit("server-bob", 3600, 300))
                        : List.of(), clock);
        api = ApiServer.start(new InetSocketAddress("127.0.0.1", 0), new ApiServer.Services(experiments, db.database(),
                desktops, null, null, cloud, new AgentMetrics(), new BearerTokens(List.of(API_TOKEN)), false, activity),
                null, false);
        base = api.baseUri(false);
    }

    @AfterAll
    static void stop() {
        api.close();
        db.close();
    }

    private static HttpResponse<String> send(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> report(String node, String instance, long sequence, String desktops,
            String events) throws Exception {
        return send("POST", "/v1/desktop-activity", """
                {"node": "%s", "instance": "%s", "sequence": %d, "complete": true, "dropped": 0,
                 "desktops": [%s], "events": [%s]}
                """.formatted(node, instance, sequence, desktops, events), ACTIVITY_TOKEN);
    }

    private static JsonNode activityOf(String user) throws Exception {
        HttpResponse<String> response = send("GET", "/v1/desktops?experiment=P-1&user=" + user, null, API_TOKEN);
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body()).get(0).get("activity");
    }

    @Test
    void aReportShowsWhoIsConnectedAndAnswersWithTheLimits() throws Exception {
        HttpResponse<String> answer = report("guac-a", "i1", 1,
                """
                {"serverId": "server-alice", "connections": 1, "lastInputAt": "2026-12-02T09:58:00Z"},
                {"serverId": "server-bob", "connections": 2, "lastInputAt": null}""",
                """
                {"serverId": "server-alice", "type": "opened", "at": "2026-12-02T09:00:00Z"},
                {"serverId": "server-bob", "type": "opened", "at": "2026-12-02T09:30:00Z"},
                {"serverId": "hand-made-vm", "type": "closed", "at": "2026-12-02T09:40:00Z",
                 "lastInputAt": "2026-12-02T09:39:00Z"}""");
        assertEquals(200, answer.statusCode(), answer.body());
        assertEquals(JSON.readTree("{\"limits\": [{\"serverId\": \"server-bob\", \"afterSeconds\": 3600, "
                + "\"warnSeconds\": 300}]}"), JSON.readTree(answer.body()));

        JsonNode alice = activityOf("alice");
        assertEquals(1, alice.get("connections").asInt());
        assertEquals("2026-12-02T09:00:00Z", alice.get("lastConnectedAt").asText());
        assertEquals("2026-12-02T09:58:00Z", alice.get("lastInputAt").asText());
        assertTrue(alice.get("lastDisconnectedAt").isNull());
        assertTrue(alice.get("disconnectAt").isNull(), "nobody has been warned yet");

        // Node a warned alice: the portal reads when her session closes unless she sends input.
        assertEquals(200, report("guac-a", "i1", 2, "{\"serverId\": \"server-alice\", \"connections\": 1, "
                + "\"lastInputAt\": \"2026-12-02T09:58:00Z\", \"disconnectAt\": \"2026-12-02T10:58:00Z\"}", "")
                .statusCode());
        assertEquals("2026-12-02T10:58:00Z", activityOf("alice").get("disconnectAt").asText());

        // A second node holds one more connection to alice's desktop.
        assertEquals(200, report("guac-b", "j1", 7, "{\"serverId\": \"server-alice\", \"connections\": 1}", "")
                .statusCode());
        assertEquals(2, activityOf("alice").get("connections").asInt());

        // Node a: alice left at 09:59; a late report (lower sequence) arriving afterwards changes nothing.
        assertEquals(200, report("guac-a", "i1", 4, "{\"serverId\": \"server-bob\", \"connections\": 2}",
                "{\"serverId\": \"server-alice\", \"type\": \"closed\", \"at\": \"2026-12-02T09:59:00Z\", "
                        + "\"lastInputAt\": \"2026-12-02T09:59:00Z\"}").statusCode());
        assertEquals(200, report("guac-a", "i1", 3,
                "{\"serverId\": \"server-alice\", \"connections\": 3, \"lastInputAt\": \"2026-12-02T09:00:00Z\"}", "")
                .statusCode());
        alice = activityOf("alice");
        assertEquals(1, alice.get("connections").asInt(), "only node b's connection is left");
        assertEquals("2026-12-02T09:59:00Z", alice.get("lastDisconnectedAt").asText());
        assertEquals("2026-12-02T09:59:00Z", alice.get("lastInputAt").asText());

        // Node a restarted: a new instance starts its sequence again and replaces what it had.
        assertEquals(200, report("guac-a", "i2", 1, "", "").statusCode());
        assertEquals(0, activityOf("bob").get("connections").asInt());

        // The CLI shows the same.
        String table = heps("desktops", "list", "--experiment", "P-1");
        assertTrue(table.contains("CONNECTED") && table.contains("LAST INPUT"), table);
        assertTrue(table.contains("1 open"), table);
    }

    @Test
    void joinsOfOthersSessionsAreAuditedAndABadJoinIsRefusedWithNothingStored() throws Exception {
        HttpResponse<String> answer = send("POST", "/v1/desktop-activity", """
                {"node": "guac-j", "instance": "j", "sequence": 1, "complete": true,
                 "joins": [
                   {"serverId": "server-alice", "via": "support-view", "user": "sam", "sessionOf": "alice",
                    "at": "2026-12-02T09:50:00Z", "from": "192.0.2.77"},
                   {"serverId": "server-bob", "via": "share-full", "user": null, "sessionOf": "bob",
                    "at": "2026-12-02T09:55:00Z"},
                   {"serverId": "hand-made-vm", "via": "share-view", "sessionOf": "alice@EXAMPLE",
                    "at": "2026-12-02T09:56:00Z"}]}
                """, ACTIVITY_TOKEN);
        assertEquals(200, answer.statusCode(), answer.body());
        List<AuditLog.Entry> support = db.database().inTransaction(c -> new AuditLog().recent(c, "desktop/P-1/alice", 10))
                .stream().filter(e -> e.action().equals("desktop.view.support")).toList();
        assertEquals(1, support.size());
        assertEquals("sam", support.get(0).actor());
        assertEquals("alice", support.get(0).username());
        assertEquals(Instant.parse("2026-12-02T09:50:00Z"), support.get(0).at());
        assertEquals("server=server-alice node=guac-j session=alice from=192.0.2.77", support.get(0).detail());
        List<AuditLog.Entry> shared = db.database().inTransaction(c -> new AuditLog().recent(c, "desktop/P-1/bob", 10))
                .stream().filter(e -> e.action().equals("desktop.join.share-full")).toList();
        assertEquals("share-link", shared.get(0).actor());
        assertEquals(1, db.database().inTransaction(c -> new AuditLog().recent(c, "server/hand-made-vm", 10)).size(),
                "a server the agent does not know is audited by its id");

        long before = db.database().inTransaction(c -> new AuditLog().recent(c, "", 1000)).size();
        HttpResponse<String> bad = send("POST", "/v1/desktop-activity", """
                {"node": "guac-j", "instance": "j", "sequence": 2, "complete": true,
                 "joins": [{"serverId": "server-alice", "via": "peek", "user": "", "sessionOf": null, "at": "soon"},
                           {"serverId": "server-alice", "via": "support-view", "sessionOf": "alice",
                            "at": "2026-12-02T09:57:00Z", "from": "%s"}]}
                """.formatted("x".repeat(65)), ACTIVITY_TOKEN);
        assertEquals(400, bad.statusCode(), bad.body());
        List<String> fields = new java.util.ArrayList<>();
        JSON.readTree(bad.body()).path("fields").forEach(f -> fields.add(f.get("field").asText()));
        assertEquals(List.of("joins[0].via", "joins[0].sessionOf", "joins[0].at", "joins[1].user", "joins[1].from"),
                fields);
        assertEquals(before, db.database().inTransaction(c -> new AuditLog().recent(c, "", 1000)).size());
    }

    @Test
    void aNodeClockAheadOfTheAgentCountsAsNow() throws Exception {
        assertEquals(200, report("guac-c", "k1", 1, "",
                "{\"serverId\": \"server-bob\", \"type\": \"closed\", \"at\": \"2027-01-01T00:00:00Z\"}").statusCode());
        assertEquals(NOW.toString(), activityOf("bob").get("lastDisconnectedAt").asText());
    }

    @Test
    void theActivityTokenOpensThisRouteOnlyAndTheApiTokensWorkToo() throws Exception {
        String body = "{\"node\": \"guac-t\", \"instance\": \"t\", \"sequence\": 1, \"complete\": true}";
        HttpResponse<String> refused = send("POST", "/v1/desktop-activity", body, null);
        assertEquals(401, refused.statusCode());
        // Refused before its body was read: the connection closes, and the answer says so, so the
        // client never sends its next request on it.
        assertEquals(java.util.Optional.of("close"), refused.headers().firstValue("connection"));
        assertEquals(401, send("POST", "/v1/desktop-activity", body, ACTIVITY_TOKEN + "x").statusCode());
        assertEquals(401, send("GET", "/v1/desktops", null, ACTIVITY_TOKEN).statusCode());
        assertEquals(200, send("POST", "/v1/desktop-activity", body, API_TOKEN).statusCode());
        assertEquals(405, send("GET", "/v1/desktop-activity", null, ACTIVITY_TOKEN).statusCode());
    }

    @Test
    void aBadReportNamesEveryFailingFieldAndStoresNothing() throws Exception {
        HttpResponse<String> response = report("bad node!", "i", 0,
                "{\"serverId\": \"server-alice\", \"connections\": 0, \"lastInputAt\": \"yesterday\"}",
                "{\"serverId\": \"server-alice\", \"type\": \"paused\", \"at\": \"2026-12-02T09:00:00Z\"}, "
                        + "{\"serverId\": \"\", \"type\": \"opened\"}");
        assertEquals(400, response.statusCode(), response.body());
        List<String> fields = new ArrayList<>();
        JSON.readTree(response.body()).get("fields").forEach(f -> fields.add(f.get("field").asText()));
        assertEquals(List.of("node", "sequence", "desktops[0].connections", "desktops[0].lastInputAt",
                "events[0].type", "events[1].serverId", "events[1].at"), fields);

        HttpResponse<String> unknown = send("POST", "/v1/desktop-activity",
                "{\"node\": \"n\", \"instance\": \"i\", \"sequence\": 1, \"users\": []}", ACTIVITY_TOKEN);
        assertEquals(400, unknown.statusCode());

        String huge = "{\"node\": \"n\", \"instance\": \"i\", \"sequence\": 1, \"events\": ["
                + "{\"serverId\": \"s\", \"type\": \"opened\", \"at\": \"2026-12-02T09:00:00Z\"},".repeat(4000)
                + "{\"serverId\": \"s\", \"type\": \"opened\", \"at\": \"2026-12-02T09:00:00Z\"}]}";
        assertEquals(413, send("POST", "/v1/desktop-activity", huge, ACTIVITY_TOKEN).statusCode());
        String tooMany = "{\"node\": \"n\", \"instance\": \"i\", \"sequence\": 1, \"events\": ["
                + "{\"serverId\": \"s\", \"type\": \"opened\", \"at\": \"2026-12-02T09:00:00Z\"},".repeat(600)
                + "{\"serverId\": \"s\", \"type\": \"opened\", \"at\": \"2026-12-02T09:00:00Z\"}]}";
        HttpResponse<String> refused = send("POST", "/v1/desktop-activity", tooMany, ACTIVITY_TOKEN);
        assertEquals(400, refused.statusCode());
        assertTrue(refused.body().contains("at most 500 per report"), refused.body());
    }

    private static String heps(String... args) throws Exception {
        Path config = dir.resolve("agent.properties");
        Files.writeString(config, String.join("\n", "database-url=" + db.url(), "database-user=postgres",
                "api-tokens=" + API_TOKEN, "vnc-site-secret=a-site-secret-of-at-least-16-bytes"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            CommandLine commandLine = HepsCommand.commandLine(new HepsCommand(c -> mock(CloudProvider.class),
                    new MutableClock(NOW)));
            commandLine.setOut(new PrintWriter(System.out, true));
            commandLine.setErr(new PrintWriter(new StringWriter(), true));
            List<String> all = new ArrayList<>(List.of(args));
            all.add("--config=" + config);
            assertEquals(0, commandLine.execute(all.toArray(String[]::new)));
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            System.setOut(originalOut);
        }
    }
}
