package cn.ac.ihep.heps.agent.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.clearInvocations;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import cn.ac.ihep.heps.agent.desktop.DesktopService;
import cn.ac.ihep.heps.agent.desktop.DesktopState;
import cn.ac.ihep.heps.agent.desktop.DesktopUserService;
import cn.ac.ihep.heps.agent.experiment.Experiment;
import cn.ac.ihep.heps.agent.experiment.ExperimentInput;
import cn.ac.ihep.heps.agent.experiment.ExperimentService;
import cn.ac.ihep.heps.agent.experiment.ExperimentValidator;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.DesktopUserRepository;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.testsupport.time.MutableClock;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Who may open a desktop, and what its owner may do, as the user-service system drives it over
 * the API (real HTTP on loopback, a real PostgreSQL database): the experiment's desktop access,
 * a desktop's named users, the owner's own start, stop and restart, extending a window, and the
 * audit log read back with filters and pages. The cloud is isolated at its edge: Nova's answers
 * for the desktops' servers, and the actions asked of it, are a mock's.
 */
class DesktopAccessApiTest {
    private static final String TOKEN = "access-token-" + System.nanoTime();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private static final Instant ENDS = Instant.parse("2026-12-05T08:00:00Z");

    private static TestDatabase db;
    private static ApiServer api;
    private static URI base;
    private static CloudProvider cloud;
    private static final MutableClock CLOCK = new MutableClock(NOW);

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabase.create(DesktopAccessApiTest.class);
        cloud = mock(CloudProvider.class);
        when(cloud.findFlavor(anyString())).thenReturn(Optional.of(
                new CloudFlavor("f1", "heps.desktop.cpu", 2, 2048, 10, Map.of())));
        ExperimentService experiments = new ExperimentService(db.database(), new ExperimentRepository(), new AuditLog(),
                new ExperimentValidator(List.of("B1"), cloud), CLOCK);
        Experiment experiment = experiments.apply(new ExperimentInput("P-ACC", "B1", null, "2026-12-01T08:00:00Z",
                ENDS.toString(), new ExperimentInput.DesktopInput("linux", 0, "heps.desktop.cpu", null),
                List.of("alice", "bob", "nobody-yet")), "test").experiment();
        DesktopRepository desktops = new DesktopRepository();
        db.database().inTransaction(c -> {
            for (String member : List.of("alice", "bob")) {
                long id = desktops.insert(c, experiment.id(), member, "b1-p-acc-" + member, 0, NOW);
                desktops.update(id).serverId("server-" + member).state(DesktopState.RUNNING).execute(c, NOW);
            }
            desktops.insert(c, experiment.id(), "nobody-yet", "b1-p-acc-nobody-yet", 0, NOW);
            return null;
        });
        DesktopService actions = new DesktopService(db.database(), desktops, new ExperimentRepository(), new AuditLog(),
                cloud, CLOCK);
        DesktopUserService users = new DesktopUserService(db.database(), desktops, new DesktopUserRepository(),
                new AuditLog(), CLOCK);
        api = ApiServer.start(new InetSocketAddress("127.0.0.1", 0), new ApiServer.Services(experiments, db.database(),
                desktops, null, null, cloud, new AgentMetrics(), new BearerTokens(List.of(TOKEN)), false, null, actions,
                users), null, false);
        base = api.baseUri(false);
    }

    @AfterAll
    static void stop() {
        api.close();
        db.close();
    }

    @BeforeEach
    void now() {
        CLOCK.set(NOW);
        clearInvocations(cloud);
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

    private static List<String> failingFields(HttpResponse<String> response) throws Exception {
        List<String> fields = new ArrayList<>();
        JSON.readTree(response.body()).path("fields").forEach(f -> fields.add(f.get("field").asText()));
        return fields;
    }

    private static CloudServer server(String id, ServerState state) {
        return new CloudServer(id, id, state, Set.of(), Map.of(), Map.of(), null, "f1", "img", null, NOW);
    }

    private static String experiment(String proposal, String access) {
        return """
                {"proposalId": "%s", "beamline": "B1", "startsAt": "2026-12-01T08:00:00Z",
                 "endsAt": "2026-12-03T08:00:00Z", "members": ["ann"],
                 "desktop": {"os": "linux", "gpus": 0, "flavor": "heps.desktop.cpu"%s}}
                """.formatted(proposal, access == null ? "" : ", \"access\": \"" + access + "\"");
    }

    @Test
    void desktopsArePersonalUnlessTheExperimentAsksForItsGroupAndNothingElseIsAccepted() throws Exception {
        HttpResponse<String> personal = send("PUT", "/v1/experiments/P-PERS", experiment("P-PERS", null));
        assertEquals(201, personal.statusCode(), personal.body());
        assertEquals("personal", JSON.readTree(personal.body()).at("/desktop/access").asText());
        HttpResponse<String> shared = send("PUT", "/v1/experiments/P-SHARED", experiment("P-SHARED", "Experiment"));
        assertEquals(201, shared.statusCode(), shared.body());
        assertEquals("experiment", JSON.readTree(send("GET", "/v1/experiments/P-SHARED", null).body())
                .at("/desktop/access").asText());

        HttpResponse<String> refused = send("PUT", "/v1/experiments/P-WIDE", experiment("P-WIDE", "everyone"));
        assertEquals(400, refused.statusCode());
        assertEquals(List.of("desktop.access"), failingFields(refused));
        assertTrue(refused.body().contains("personal") && refused.body().contains("experiment"), refused.body());
        assertEquals(404, send("GET", "/v1/experiments/P-WIDE", null).statusCode(), "nothing was stored");
    }

    @Test
    void theUserServiceSystemAddsAndRemovesNamedUsersOfADesktop() throws Exception {
        HttpResponse<String> added = send("PUT", "/v1/desktops/P-ACC/alice/users/sam", null);
        assertEquals(200, added.statusCode(), added.body());
        assertEquals(List.of("sam"), List.of(JSON.readTree(added.body()).get("users").get(0).asText()));
        assertEquals(200, send("PUT", "/v1/desktops/P-ACC/alice/users/sam", null).statusCode(), "idempotent");
        JsonNode listed = JSON.readTree(send("GET", "/v1/desktops/P-ACC/alice/users", null).body());
        assertEquals(1, listed.size());
        assertEquals("sam", listed.get(0).get("username").asText());
        assertEquals("api:127.0.0.1", listed.get(0).get("addedBy").asText());
        assertEquals(List.of(), names(send("GET", "/v1/desktops/P-ACC/bob", null)), "bob's desktop is untouched");

        assertEquals(List.of("username"), failingFields(send("PUT", "/v1/desktops/P-ACC/alice/users/alice", null)),
                "the owner is no named user");
        HttpResponse<String> badName = send("PUT", "/v1/desktops/P-ACC/alice/users/sam%20smith", null);
        assertEquals(400, badName.statusCode());
        assertEquals(List.of("username"), failingFields(badName));
        assertEquals(404, send("PUT", "/v1/desktops/P-ACC/zoe/users/sam", null).statusCode());
        assertEquals(404, send("GET", "/v1/desktops/P-NONE/alice/users", null).statusCode());
        assertEquals(405, send("POST", "/v1/desktops/P-ACC/alice/users/sam", null).statusCode());

        HttpResponse<String> removed = send("DELETE", "/v1/desktops/P-ACC/alice/users/sam", null);
        assertEquals(200, removed.statusCode(), removed.body());
        assertEquals(List.of(), names(removed));
        assertEquals(200, send("DELETE", "/v1/desktops/P-ACC/alice/users/sam", null).statusCode(), "idempotent");

        List<String> audited = db.database().inTransaction(c -> new AuditLog().recent(c, "desktop/P-ACC/alice", 50))
                .stream().map(e -> e.action() + " " + e.username()).toList();
        assertEquals(1, audited.stream().filter("desktop.user.add sam"::equals).count(), audited.toString());
        assertEquals(1, audited.stream().filter("desktop.user.remove sam"::equals).count(), audited.toString());
    }

    @Test
    void aDesktopHasAtMostFortyNamedUsers() throws Exception {
        for (int i = 0; i < DesktopUserService.MAX_NAMED_USERS; i++) {
            assertEquals(200, send("PUT", "/v1/desktops/P-ACC/bob/users/guest" + i, null).statusCode());
        }
        HttpResponse<String> oneMore = send("PUT", "/v1/desktops/P-ACC/bob/users/guest-extra", null);
        assertEquals(400, oneMore.statusCode());
        assertTrue(oneMore.body().contains("40 named users"), oneMore.body());
        assertEquals(200, send("PUT", "/v1/desktops/P-ACC/bob/users/guest7", null).statusCode(),
                "adding one who is there already is no new user");
        for (int i = 0; i < DesktopUserService.MAX_NAMED_USERS; i++) {
            assertEquals(200, send("DELETE", "/v1/desktops/P-ACC/bob/users/guest" + i, null).statusCode());
        }
    }

    @Test
    void theOwnerRestartsStopsAndStartsTheirDesktopAndNobodyElseMay() throws Exception {
        when(cloud.findServer("server-alice")).thenReturn(Optional.of(server("server-alice", ServerState.ACTIVE)));
        HttpResponse<String> notTheirs = send("POST", "/v1/desktops/P-ACC/alice/restart", "{\"user\": \"bob\"}");
        assertEquals(403, notTheirs.statusCode(), notTheirs.body());
        assertEquals(List.of("user"), failingFields(send("POST", "/v1/desktops/P-ACC/alice/restart", "{}")));
        assertEquals(404, send("POST", "/v1/desktops/P-ACC/alice/reboot", "{\"user\": \"alice\"}").statusCode());
        assertEquals(404, send("POST", "/v1/desktops/P-ACC/alice/delete", "{\"user\": \"alice\"}").statusCode(),
                "deleting stays with operators");
        assertEquals(404, send("POST", "/v1/desktops/P-ACC/zoe/restart", "{\"user\": \"zoe\"}").statusCode());
        verify(cloud, never()).rebootServer(anyString());

        HttpResponse<String> restarted = send("POST", "/v1/desktops/P-ACC/alice/restart", "{\"user\": \"alice\"}");
        assertEquals(200, restarted.statusCode(), restarted.body());
        assertEquals("ACTIVE", JSON.readTree(restarted.body()).get("serverState").asText());
        assertEquals("alice", JSON.readTree(restarted.body()).at("/desktop/username").asText());
        verify(cloud).rebootServer("server-alice");

        assertEquals(200, send("POST", "/v1/desktops/P-ACC/alice/stop", "{\"user\": \"alice\"}").statusCode());
        verify(cloud).stopServer("server-alice");
        when(cloud.findServer("server-alice")).thenReturn(Optional.of(server("server-alice", ServerState.SHUTOFF)));
        assertEquals(200, send("POST", "/v1/desktops/P-ACC/alice/start", "{\"user\": \"alice\"}").statusCode());
        verify(cloud).startServer("server-alice");
        assertEquals(200, send("POST", "/v1/desktops/P-ACC/alice/restart", "{\"user\": \"alice\"}").statusCode());
        verify(cloud, org.mockito.Mockito.times(2)).startServer("server-alice");

        HttpResponse<String> noVm = send("POST", "/v1/desktops/P-ACC/nobody-yet/start", "{\"user\": \"nobody-yet\"}");
        assertEquals(409, noVm.statusCode(), noVm.body());

        List<AuditLog.Entry> audited = db.database().inTransaction(c -> new AuditLog().recent(c, "desktop/P-ACC/alice", 50))
                .stream().filter(e -> e.action().endsWith(".self")).toList();
        assertEquals(List.of("desktop.restart.self", "desktop.start.self", "desktop.stop.self", "desktop.restart.self"),
                audited.stream().map(AuditLog.Entry::action).toList());
        assertEquals("alice", audited.get(0).actor());
        assertTrue(audited.get(0).detail().endsWith("via=api:127.0.0.1"), audited.get(0).detail());
    }

    @Test
    void afterItsBeamtimeTheOwnerMayStopButNotStartTheDesktopUntilTheWindowIsExtended() throws Exception {
        when(cloud.findServer("server-bob")).thenReturn(Optional.of(server("server-bob", ServerState.SHELVED_OFFLOADED)));
        CLOCK.set(ENDS.plus(Duration.ofMinutes(5)));
        for (String action : List.of("start", "restart")) {
            HttpResponse<String> refused = send("POST", "/v1/desktops/P-ACC/bob/" + action, "{\"user\": \"bob\"}");
            assertEquals(409, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("ended at " + ENDS), refused.body());
        }
        verify(cloud, never()).unshelveServer(anyString());
        assertEquals(200, send("POST", "/v1/desktops/P-ACC/bob/stop", "{\"user\": \"bob\"}").statusCode());

        Instant later = ENDS.plus(Duration.ofDays(2));
        assertEquals(List.of("endsAt"), failingFields(send("POST", "/v1/experiments/P-ACC/extend",
                "{\"endsAt\": \"" + ENDS.minus(Duration.ofHours(1)) + "\"}")), "an extension extends");
        assertEquals(List.of("endsAt"), failingFields(send("POST", "/v1/experiments/P-ACC/extend",
                "{\"endsAt\": \"next week\"}")));
        assertEquals(List.of("endsAt"), failingFields(send("POST", "/v1/experiments/P-ACC/extend", "{}")));
        assertEquals(404, send("POST", "/v1/experiments/P-NONE/extend", "{\"endsAt\": \"" + later + "\"}").statusCode());
        HttpResponse<String> extended = send("POST", "/v1/experiments/P-ACC/extend", "{\"endsAt\": \"" + later + "\"}");
        assertEquals(200, extended.statusCode(), extended.body());
        assertEquals(later.toString(), JSON.readTree(extended.body()).get("endsAt").asText());
        assertEquals(200, send("POST", "/v1/desktops/P-ACC/bob/start", "{\"user\": \"bob\"}").statusCode());
        verify(cloud).unshelveServer("server-bob");
        // Back to the original window for the other tests.
        db.database().inTransaction(c -> {
            try (var reset = c.prepareStatement("UPDATE experiments SET ends_at = ? WHERE proposal_id = 'P-ACC'")) {
                cn.ac.ihep.heps.agent.store.Sql.setInstant(reset, 1, ENDS);
                return reset.executeUpdate();
            }
        });
    }

    @Test
    void theAuditLogIsReadByUserDesktopAndTimeInBoundedPages() throws Exception {
        AuditLog audit = new AuditLog();
        Instant t = NOW.plus(Duration.ofDays(30));
        db.database().inTransaction(c -> {
            for (int i = 0; i < 5; i++) {
                audit.record(c, t.plusSeconds(i), "sam", "desktop.view.support", "desktop/P-AUD/carol",
                        "server=s-carol n=" + i);
            }
            audit.record(c, t.plusSeconds(10), "api:10.0.0.1", "desktop.user.add", "desktop/P-AUD/dan", "sam",
                    "username=sam");
            audit.record(c, t.plusSeconds(20), "agent-1", "desktop.retag", "desktop/P-AUD/dan", "server=s-dan");
            audit.record(c, t.plusSeconds(30), "agent-1", "desktop.window", "desktop/P-ACC/alice", "server=server-alice");
            for (int i = 0; i < 105; i++) {
                audit.record(c, t.plusSeconds(40 + i), "agent-1", "desktop.retag", "desktop/P-AUD/erin", "n=" + i);
            }
            return null;
        });
        JsonNode bySam = JSON.readTree(send("GET", "/v1/audit?user=sam&since=" + t, null).body());
        assertEquals(6, bySam.get("entries").size(), "what sam did, and what was done about sam");
        assertTrue(bySam.get("next").isNull());
        JsonNode aboutDan = JSON.readTree(send("GET", "/v1/audit?desktop=P-AUD/dan", null).body());
        assertEquals(List.of("desktop.retag", "desktop.user.add"), actions(aboutDan));
        JsonNode window = JSON.readTree(send("GET", "/v1/audit?desktop=P-AUD/carol&since=" + t.plusSeconds(1)
                + "&until=" + t.plusSeconds(3), null).body());
        assertEquals(List.of("server=s-carol n=2", "server=s-carol n=1"), details(window), "since inclusive, until not");

        JsonNode first = JSON.readTree(send("GET", "/v1/audit?desktop=P-AUD/carol&limit=2", null).body());
        assertEquals(List.of("server=s-carol n=4", "server=s-carol n=3"), details(first));
        JsonNode second = JSON.readTree(send("GET", "/v1/audit?desktop=P-AUD/carol&limit=2&before="
                + first.get("next").asLong(), null).body());
        assertEquals(List.of("server=s-carol n=2", "server=s-carol n=1"), details(second));
        JsonNode last = JSON.readTree(send("GET", "/v1/audit?desktop=P-AUD/carol&limit=2&before="
                + second.get("next").asLong(), null).body());
        assertEquals(List.of("server=s-carol n=0"), details(last));
        assertTrue(last.get("next").isNull());
        JsonNode byServerId = JSON.readTree(send("GET", "/v1/audit?desktop=server-alice&since=" + t, null).body());
        assertEquals(List.of("desktop.window"), actions(byServerId), "a server id names its desktop");
        JsonNode defaultPage = JSON.readTree(send("GET", "/v1/audit?desktop=P-AUD/erin", null).body());
        assertEquals(100, defaultPage.get("entries").size(), "a page holds 100 entries unless asked");
        assertEquals("n=104", defaultPage.get("entries").get(0).get("detail").asText(), "newest first");
        assertTrue(defaultPage.get("next").isNumber());

        HttpResponse<String> bad = send("GET", "/v1/audit?limit=0&since=yesterday&until=2026-13-01T00:00:00Z"
                + "&before=x&user=" + "u".repeat(129), null);
        assertEquals(400, bad.statusCode(), bad.body());
        assertEquals(new HashSet<>(List.of("user", "since", "until", "limit", "before")), new HashSet<>(failingFields(bad)));
        assertEquals(List.of("limit"), failingFields(send("GET", "/v1/audit?limit=1001", null)));
        assertEquals(List.of("desktop"), failingFields(send("GET", "/v1/audit?desktop=no-such-server", null)));
    }

    private static List<String> names(HttpResponse<String> desktop) throws Exception {
        List<String> names = new ArrayList<>();
        JSON.readTree(desktop.body()).get("users").forEach(u -> names.add(u.asText()));
        return names;
    }

    private static List<String> actions(JsonNode page) {
        List<String> actions = new ArrayList<>();
        page.get("entries").forEach(e -> actions.add(e.get("action").asText()));
        return actions;
    }

    private static List<String> details(JsonNode page) {
        List<String> details = new ArrayList<>();
        page.get("entries").forEach(e -> details.add(e.get("detail").asText()));
        return details;
    }
}
