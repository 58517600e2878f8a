package cn.ac.ihep.heps.agent.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import cn.ac.ihep.heps.agent.desktop.DesktopState;
import cn.ac.ihep.heps.agent.desktop.EnrollmentService;
import cn.ac.ihep.heps.agent.desktop.ServerAddresses;
import cn.ac.ihep.heps.agent.experiment.ExperimentService;
import cn.ac.ihep.heps.agent.experiment.ExperimentValidator;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.desktop.VncPasswordDerivation;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP API over real HTTP on loopback and a real PostgreSQL database. The cloud is
 * isolated at its edge: only flavor lookups are answered, by a mock, so the validation
 * rules can be exercised exactly; the test bed integration tests cover the real cloud.
 */
class ApiServerTest {
    private static final String TOKEN = "test-token-" + System.nanoTime();
    private static final String SITE_SECRET = "a-site-secret-of-at-least-16-bytes";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TestDatabase db;
    private static ApiServer api;
    private static URI base;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final AgentMetrics METRICS = new AgentMetrics();
    /** How often the API told the reconcile loop that desktops changed. */
    private static final AtomicInteger DESKTOPS_CHANGED = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.create(ApiServerTest.class);
        CloudProvider cloud = mock(CloudProvider.class);
        when(cloud.findFlavor(anyString())).thenReturn(Optional.empty());
        when(cloud.findFlavor("heps.desktop.cpu")).thenReturn(Optional.of(
                new CloudFlavor("f1", "heps.desktop.cpu", 2, 2048, 10, Map.of())));
        when(cloud.findFlavor("heps.desktop.gpu1")).thenReturn(Optional.of(
                new CloudFlavor("f2", "heps.desktop.gpu1", 4, 4096, 10, Map.of("pci_passthrough:alias", "a100:1"))));
        ExperimentService experiments = new ExperimentService(db.database(), new ExperimentRepository(), new AuditLog(),
                new ExperimentValidator(List.of("B1", "B7"), cloud), Clock.systemUTC());
        EnrollmentService enrollment = new EnrollmentService(db.database(), new DesktopRepository(), new AuditLog(),
                new VncPasswordDerivation(SITE_SECRET), Clock.systemUTC());
        api = ApiServer.start(new InetSocketAddress("127.0.0.1", 0), new ApiServer.Services(experiments, db.database(),
                new DesktopRepository(), enrollment, null, cloud, METRICS, new BearerTokens(List.of("other", TOKEN)), false,
                null, null, null, null, DESKTOPS_CHANGED::incrementAndGet), null, false);
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

    private static HttpResponse<String> send(String method, String path, String body) throws Exception {
        return send(method, path, body, TOKEN);
    }

    private static String experiment(String proposal, String beamline, String flavor, int gpus, String members) {
        return """
                {"proposalId": "%s", "beamline": "%s", "startsAt": "2026-12-01T08:00:00Z",
                 "endsAt": "2026-12-03T08:00:00Z", "members": [%s],
                 "desktop": {"os": "linux", "gpus": %d, "flavor": "%s"}}
                """.formatted(proposal, beamline, members, gpus, flavor);
    }

    private static List<String> failingFields(HttpResponse<String> response) throws Exception {
        List<String> fields = new ArrayList<>();
        JSON.readTree(response.body()).path("fields").forEach(f -> fields.add(f.get("field").asText()));
        return fields;
    }

    @Test
    void refusesMissingAndWrongTokens() throws Exception {
        assertEquals(401, send("GET", "/v1/experiments", null, null).statusCode());
        HttpResponse<String> wrong = send("GET", "/v1/experiments", null, TOKEN + "x");
        assertEquals(401, wrong.statusCode());
        assertTrue(wrong.headers().firstValue("WWW-Authenticate").isPresent());
        assertEquals(200, send("GET", "/v1/experiments", null, "other").statusCode());
    }

    @Test
    void createsThenUpdatesAnExperiment() throws Exception {
        HttpResponse<String> created = send("PUT", "/v1/experiments/P-100", experiment("P-100", "B1", "heps.desktop.gpu1", 1,
                "\"alice\", \"bob\""));
        assertEquals(201, created.statusCode(), created.body());
        JsonNode body = JSON.readTree(created.body());
        assertEquals("P-100", body.get("proposalId").asText());
        assertEquals("P-100", body.get("group").asText());
        assertEquals(2, body.get("members").size());

        HttpResponse<String> updated = send("PUT", "/v1/experiments/P-100", experiment("P-100", "B7", "heps.desktop.cpu", 0,
                "\"alice\""));
        assertEquals(200, updated.statusCode(), updated.body());
        JsonNode stored = JSON.readTree(send("GET", "/v1/experiments/P-100", null).body());
        assertEquals("B7", stored.get("beamline").asText());
        assertEquals("[\"alice\"]", stored.get("members").toString());
    }

    @Test
    void namesEveryFailingFieldAndStoresNothing() throws Exception {
        String body = """
                {"proposalId": "P/1", "beamline": "B99", "startsAt": "tomorrow", "endsAt": "2026-12-03T08:00:00Z",
                 "members": ["ok", "bad user", "ok"], "desktop": {"os": "macos", "gpus": 1, "flavor": "heps.desktop.cpu"}}
                """;
        HttpResponse<String> response = send("POST", "/v1/experiments", body);
        assertEquals(400, response.statusCode());
        List<String> fields = failingFields(response);
        assertEquals(List.of("proposalId", "beamline", "startsAt", "members[1]", "members[2]", "desktop.os",
                "desktop.flavor"), fields, response.body());
        assertTrue(response.body().contains("known beamlines: B1, B7"), response.body());
        assertTrue(response.body().contains("gives 0 GPU(s) but desktop.gpus is 1"), response.body());
        assertEquals(404, send("GET", "/v1/experiments/P%2F1", null).statusCode());
    }

    @Test
    void unknownFlavorIsAClearError() throws Exception {
        HttpResponse<String> response = send("POST", "/v1/experiments", experiment("P-200", "B1", "m1.huge", 0, ""));
        assertEquals(400, response.statusCode());
        assertEquals(List.of("desktop.flavor"), failingFields(response));
        assertTrue(response.body().contains("unknown flavor 'm1.huge'"), response.body());
    }

    @Test
    void endBeforeStartAndUnknownFieldsAndBrokenJsonAre400() throws Exception {
        String reversed = experiment("P-300", "B1", "heps.desktop.cpu", 0, "").replace("2026-12-03", "2026-11-01");
        assertEquals(List.of("endsAt"), failingFields(send("POST", "/v1/experiments", reversed)));
        HttpResponse<String> unknown = send("POST", "/v1/experiments", "{\"proposalId\": \"P-301\", \"colour\": \"red\"}");
        assertEquals(400, unknown.statusCode());
        assertEquals(List.of("colour"), failingFields(unknown));
        HttpResponse<String> broken = send("POST", "/v1/experiments", "{\"proposalId\": ");
        assertEquals(400, broken.statusCode());
        assertTrue(broken.body().contains("not valid JSON"), broken.body());
        HttpResponse<String> mismatch = send("PUT", "/v1/experiments/P-302", experiment("P-303", "B1", "heps.desktop.cpu", 0, ""));
        assertEquals(List.of("proposalId"), failingFields(mismatch));
    }

    @Test
    void addsAndRemovesMembers() throws Exception {
        assertEquals(201, send("POST", "/v1/experiments", experiment("P-400", "B1", "heps.desktop.cpu", 0, "\"carol\"")).statusCode());
        HttpResponse<String> added = send("POST", "/v1/experiments/P-400/members", "{\"username\": \"dave\"}");
        assertEquals(200, added.statusCode(), added.body());
        assertEquals("[\"carol\",\"dave\"]", JSON.readTree(added.body()).get("members").toString());
        assertEquals(200, send("POST", "/v1/experiments/P-400/members", "{\"username\": \"dave\"}").statusCode());
        assertEquals(List.of("username"), failingFields(send("POST", "/v1/experiments/P-400/members", "{\"username\": \"a,b\"}")));
        HttpResponse<String> removed = send("DELETE", "/v1/experiments/P-400/members/carol", null);
        assertEquals("[\"dave\"]", JSON.readTree(removed.body()).get("members").toString());
        assertEquals(404, send("POST", "/v1/experiments/NOPE/members", "{\"username\": \"dave\"}").statusCode());
    }

    @Test
    void eachChangeToAnExperimentOrItsMembersAsksForAReconcilePassAndNothingElseDoes() throws Exception {
        int before = DESKTOPS_CHANGED.get();
        assertEquals(201, send("PUT", "/v1/experiments/P-450", experiment("P-450", "B1", "heps.desktop.cpu", 0, "\"wanda\""))
                .statusCode());
        assertEquals(before + 1, DESKTOPS_CHANGED.get(), "applied");
        assertEquals(200, send("POST", "/v1/experiments/P-450/members", "{\"username\": \"xavier\"}").statusCode());
        assertEquals(before + 2, DESKTOPS_CHANGED.get(), "member added");
        assertEquals(200, send("DELETE", "/v1/experiments/P-450/members/wanda", null).statusCode());
        assertEquals(before + 3, DESKTOPS_CHANGED.get(), "member removed");
        assertEquals(200, send("POST", "/v1/experiments/P-450/extend", "{\"endsAt\": \"2026-12-04T08:00:00Z\"}").statusCode());
        assertEquals(before + 4, DESKTOPS_CHANGED.get(), "window extended");

        // Reading, and changes that were refused, leave the loop alone.
        assertEquals(200, send("GET", "/v1/experiments/P-450", null).statusCode());
        assertEquals(400, send("PUT", "/v1/experiments/P-451", experiment("P-451", "B9", "heps.desktop.cpu", 0, ""))
                .statusCode());
        assertEquals(404, send("POST", "/v1/experiments/NOPE/members", "{\"username\": \"xavier\"}").statusCode());
        assertEquals(401, send("PUT", "/v1/experiments/P-450", experiment("P-450", "B1", "heps.desktop.cpu", 0, ""), null)
                .statusCode());
        assertEquals(before + 4, DESKTOPS_CHANGED.get());
    }

    @Test
    void enrollmentHandsOutThePasswordOnceAndOnlyWithTheRightToken() throws Exception {
        send("POST", "/v1/experiments", experiment("P-500", "B1", "heps.desktop.cpu", 0, "\"erin\""));
        String token = EnrollmentService.newToken();
        String serverId = "6a1f0c1e-0000-4000-8000-" + System.nanoTime() % 1_000_000_000_000L;
        DesktopRepository desktops = new DesktopRepository();
        db.database().inTransaction(c -> {
            long experimentId = new ExperimentRepository().find(c, "P-500").orElseThrow().id();
            long id = desktops.insert(c, experimentId, "erin", "heps-b1-p-500-erin", 0, Instant.now());
            desktops.update(id).serverId(serverId).state(DesktopState.CREATING)
                    .enrollmentTokenHash(EnrollmentService.hash(token)).execute(c, Instant.now());
            return null;
        });
        String wrong = "{\"serverId\": \"" + serverId + "\", \"token\": \"" + token + "x\"}";
        assertEquals(403, send("POST", "/v1/enrollment", wrong, null).statusCode());
        String otherServer = "{\"serverId\": \"nope\", \"token\": \"" + token + "\"}";
        assertEquals(403, send("POST", "/v1/enrollment", otherServer, null).statusCode());
        String right = "{\"serverId\": \"" + serverId + "\", \"token\": \"" + token + "\"}";
        HttpResponse<String> granted = send("POST", "/v1/enrollment", right, null);
        assertEquals(200, granted.statusCode(), granted.body());
        assertEquals(new VncPasswordDerivation(SITE_SECRET).passwordFor(serverId),
                JSON.readTree(granted.body()).get("vncPassword").asText());
        assertEquals(403, send("POST", "/v1/enrollment", right, null).statusCode());
        assertEquals(List.of("serverId", "token"), failingFields(send("POST", "/v1/enrollment", "{}", null)));
    }

    @Test
    void withTheAddressCheckOnlyTheVmItselfMayEnroll() throws Exception {
        send("POST", "/v1/experiments", experiment("P-600", "B1", "heps.desktop.cpu", 0, "\"fay\", \"gus\""));
        DesktopRepository desktops = new DesktopRepository();
        String tokenFay = EnrollmentService.newToken();
        String tokenGus = EnrollmentService.newToken();
        db.database().inTransaction(c -> {
            long experimentId = new ExperimentRepository().find(c, "P-600").orElseThrow().id();
            long fay = desktops.insert(c, experimentId, "fay", "heps-b1-p-600-fay", 0, Instant.now());
            desktops.update(fay).serverId("server-fay").address("10.42.0.77")
                    .enrollmentTokenHash(EnrollmentService.hash(tokenFay)).execute(c, Instant.now());
            long gus = desktops.insert(c, experimentId, "gus", "heps-b1-p-600-gus", 0, Instant.now());
            desktops.update(gus).serverId("server-gus").address("127.0.0.1")
                    .enrollmentTokenHash(EnrollmentService.hash(tokenGus)).execute(c, Instant.now());
            return null;
        });
        EnrollmentService enrollment = new EnrollmentService(db.database(), desktops, new AuditLog(),
                new VncPasswordDerivation(SITE_SECRET), Clock.systemUTC());
        try (ApiServer checking = ApiServer.start(new InetSocketAddress("127.0.0.1", 0), new ApiServer.Services(null,
                db.database(), desktops, enrollment, null, null, new AgentMetrics(), new BearerTokens(List.of(TOKEN)), true),
                null, false)) {
            HttpRequest.Builder request = HttpRequest.newBuilder(checking.baseUri(false).resolve("/v1/enrollment"))
                    .header("Content-Type", "application/json");
            assertEquals(403, HTTP.send(request.POST(HttpRequest.BodyPublishers.ofString(
                    "{\"serverId\": \"server-fay\", \"token\": \"" + tokenFay + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(200, HTTP.send(request.POST(HttpRequest.BodyPublishers.ofString(
                    "{\"serverId\": \"server-gus\", \"token\": \"" + tokenGus + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    @Test
    void aVmThatEnrollsBeforeTheLoopRecordedItsAddressIsCheckedAgainstTheCloudsAddress() throws Exception {
        send("POST", "/v1/experiments", experiment("P-650", "B1", "heps.desktop.cpu", 0, "\"hal\", \"ida\", \"jon\""));
        DesktopRepository desktops = new DesktopRepository();
        Map<String, String> tokens = new java.util.HashMap<>();
        db.database().inTransaction(c -> {
            long experimentId = new ExperimentRepository().find(c, "P-650").orElseThrow().id();
            for (String user : List.of("hal", "ida", "jon")) {
                String token = EnrollmentService.newToken();
                tokens.put(user, token);
                long id = desktops.insert(c, experimentId, user, "heps-b1-p-650-" + user, 0, Instant.now());
                // No address yet: the loop has not seen the server since Nova gave it one.
                desktops.update(id).serverId("server-" + user).enrollmentTokenHash(EnrollmentService.hash(token))
                        .execute(c, Instant.now());
            }
            return null;
        });
        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        ServerAddresses cloud = serverId -> {
            asked.add(serverId);
            return switch (serverId) {
                case "server-hal" -> Optional.of("127.0.0.1");
                case "server-ida" -> Optional.of("10.42.0.78");
                default -> throw new IllegalStateException("Nova is down");
            };
        };
        EnrollmentService enrollment = new EnrollmentService(db.database(), desktops, new AuditLog(),
                new VncPasswordDerivation(SITE_SECRET), Optional.empty(), cloud, Clock.systemUTC());
        try (ApiServer checking = ApiServer.start(new InetSocketAddress("127.0.0.1", 0), new ApiServer.Services(null,
                db.database(), desktops, enrollment, null, null, new AgentMetrics(), new BearerTokens(List.of(TOKEN)), true),
                null, false)) {
            HttpRequest.Builder request = HttpRequest.newBuilder(checking.baseUri(false).resolve("/v1/enrollment"))
                    .header("Content-Type", "application/json");
            Map<String, Integer> status = new java.util.HashMap<>();
            for (String user : List.of("hal", "ida", "jon")) {
                status.put(user, HTTP.send(request.POST(HttpRequest.BodyPublishers.ofString("{\"serverId\": \"server-"
                        + user + "\", \"token\": \"" + tokens.get(user) + "\"}")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode());
            }
            assertEquals(Map.of("hal", 200, "ida", 403, "jon", 403), status,
                    "the cloud's address is the caller's / another / the cloud cannot be asked");
        }
        assertEquals(List.of("server-hal", "server-ida", "server-jon"), asked);
        assertEquals(Optional.of("127.0.0.1"), db.database().inTransaction(c -> desktops.enrollment(c, "server-hal"))
                .map(DesktopRepository.Enrollment::address), "recorded for the loop");
    }

    @Test
    void servesTheCommittedOpenApiDocumentHealthAndMetrics() throws Exception {
        HttpResponse<String> document = send("GET", "/openapi.json", null, null);
        assertEquals(200, document.statusCode());
        JsonNode openapi = JSON.readTree(document.body());
        assertEquals("3.0.3", openapi.get("openapi").asText());
        for (String path : List.of("/v1/experiments", "/v1/experiments/{proposalId}", "/v1/experiments/{proposalId}/members",
                "/v1/experiments/{proposalId}/members/{username}", "/v1/desktops", "/v1/gpus", "/v1/enrollment", "/v1/desktop-sign-in")) {
            assertTrue(openapi.get("paths").has(path), path);
        }
        assertEquals(200, send("GET", "/healthz", null, null).statusCode());
        send("GET", "/v1/desktops", null);
        String metrics = send("GET", "/metrics", null, null).body();
        assertTrue(metrics.contains("heps_api_requests_total{route=\"/v1/desktops\",status=\"200\"}"), metrics);
        assertTrue(metrics.contains("heps_api_request_seconds_bucket{route=\"/v1/desktops\",le=\"+Inf\"}"), metrics);
        assertFalse(metrics.contains(TOKEN));
    }

    @Test
    void desktopsListIsJson() throws Exception {
        HttpResponse<String> response = send("GET", "/v1/desktops?experiment=none", null);
        assertEquals(200, response.statusCode());
        assertEquals("[]", response.body());
        assertEquals(404, send("GET", "/v1/nothing", null).statusCode());
        assertEquals(405, send("DELETE", "/v1/desktops", null).statusCode());
    }

    @Test
    void anExperimentHasAtMostItsCapOfMembersAndTheAnswerSaysSo() throws Exception {
        String tooMany = java.util.stream.IntStream.range(0, 25_000).mapToObj(i -> "\"u" + i + "\"")
                .collect(java.util.stream.Collectors.joining(", "));
        long started = System.nanoTime();
        HttpResponse<String> refused = send("POST", "/v1/experiments", experiment("P-900", "B1", "heps.desktop.cpu", 0, tooMany));
        assertEquals(400, refused.statusCode(), refused.body());
        assertEquals(List.of("members"), failingFields(refused));
        assertTrue(refused.body().contains("at most 500 members per experiment, not 25000"), refused.body());
        assertTrue(System.nanoTime() - started < 3_000_000_000L, "refusing took too long");
        assertEquals(404, send("GET", "/v1/experiments/P-900", null).statusCode(), "nothing was stored");

        String full = java.util.stream.IntStream.range(0, 500).mapToObj(i -> "\"m" + i + "\"")
                .collect(java.util.stream.Collectors.joining(", "));
        assertEquals(201, send("POST", "/v1/experiments", experiment("P-901", "B1", "heps.desktop.cpu", 0, full)).statusCode());
        HttpResponse<String> oneMore = send("POST", "/v1/experiments/P-901/members", "{\"username\": \"late\"}");
        assertEquals(400, oneMore.statusCode(), oneMore.body());
        assertTrue(oneMore.body().contains("already has 500 members"), oneMore.body());
    }
}
