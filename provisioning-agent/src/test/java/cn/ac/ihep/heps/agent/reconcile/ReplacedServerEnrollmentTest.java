package cn.ac.ihep.heps.agent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyMap;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import cn.ac.ihep.heps.agent.desktop.Desktop;
import cn.ac.ihep.heps.agent.desktop.EnrollmentService;
import cn.ac.ihep.heps.agent.experiment.ExperimentInput;
import cn.ac.ihep.heps.agent.experiment.ExperimentService;
import cn.ac.ihep.heps.agent.experiment.ExperimentValidator;
import cn.ac.ihep.heps.agent.firewall.ReadySecurityGroup;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.testsupport.time.MutableClock;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.desktop.ImageProperties;
import cn.ac.ihep.heps.common.cloud.ServerRequest;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.common.desktop.VncPasswordDerivation;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A desktop whose VM was deleted behind the agent's back (by an operator, or lost by Nova) is
 * made again, and the new VM enrolls: it gets its VNC password, which the lost one had already
 * fetched. Nova is isolated at its edge (a mock); the database is the real PostgreSQL.
 */
class ReplacedServerEnrollmentTest {
    private static final Instant NOW = Instant.parse("2026-12-01T08:00:00Z");
    private static final Pattern TOKEN = Pattern.compile("HEPS_ENROLLMENT_TOKEN=(\\S+)");

    private TestDatabase db;
    private CloudProvider cloud;
    private final List<ServerRequest> requests = new CopyOnWriteArrayList<>();
    private final List<CloudServer> running = new CopyOnWriteArrayList<>();
    private final MutableClock clock = new MutableClock(NOW);

    @BeforeEach
    void setUp() {
        db = TestDatabase.create(ReplacedServerEnrollmentTest.class);
        cloud = mock(CloudProvider.class);
        when(cloud.listServers(any())).thenAnswer(call -> List.copyOf(running));
        when(cloud.findServer(anyString())).thenAnswer(call -> running.stream()
                .filter(s -> s.id().equals(call.getArgument(0))).findFirst());
        when(cloud.findFlavor(anyString())).thenReturn(Optional.of(
                new CloudFlavor("f-cpu", "heps.desktop.cpu", 2, 4096, 20, Map.of())));
        when(cloud.listImages(anyMap())).thenReturn(List.of(new CloudImage("img-l", "b1-linux", "active",
                Map.of(ImageProperties.BEAMLINE, "B1", ImageProperties.OS_TYPE, "linux"),
                NOW.minus(Duration.ofDays(1)))));
        when(cloud.createServer(any(ServerRequest.class))).thenAnswer(call -> {
            ServerRequest request = call.getArgument(0);
            requests.add(request);
            CloudServer server = new CloudServer("server-" + requests.size(), request.name(), ServerState.ACTIVE,
                    request.tags(), request.metadata(), Map.of("heps-vm-network", List.of("10.42.0.9")), null,
                    request.flavorId(), request.imageId(), "heps-compute-1", NOW, java.util.Set.copyOf(request.securityGroups()));
            running.add(server);
            return server;
        });
        new ExperimentService(db.database(), new ExperimentRepository(), new AuditLog(),
                new ExperimentValidator(List.of("B1"), cloud), clock)
                .apply(new ExperimentInput("P-L1", "B1", null, "2026-12-01T07:00:00Z", "2026-12-02T08:00:00Z",
                        new ExperimentInput.DesktopInput("linux", 0, "heps.desktop.cpu", null), List.of("lin")), "test");
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    private Reconciler reconciler() {
        ReconcileSettings settings = new ReconcileSettings("agent-test", Duration.ofMinutes(30), Duration.ofDays(7),
                Duration.ofMinutes(15), Duration.ofMinutes(5), "heps-vm-network", ReadySecurityGroup.existsIn(cloud),
                Optional.empty(), "http://10.42.0.1:8640", Optional.empty(), Optional.empty(), List.of(),
                Optional.empty(), 25);
        return new Reconciler(db.database(), new ExperimentRepository(), new DesktopRepository(), new AuditLog(), cloud,
                new Notifier(Optional.empty()), new AgentMetrics(), settings, clock, Optional.empty());
    }

    private Desktop desktop() {
        return db.database().inTransaction(c -> new DesktopRepository().findByReference(c, "P-L1/lin")).orElseThrow();
    }

    private static String tokenOf(ServerRequest request) {
        Matcher token = TOKEN.matcher(request.userData());
        if (!token.find()) {
            throw new AssertionError("no enrollment token in the user data: " + request.userData());
        }
        return token.group(1);
    }

    @Test
    void aVmMadeAgainAfterTheLastWasDeletedEnrollsAndGetsItsPassword() {
        EnrollmentService enrollment = new EnrollmentService(db.database(), new DesktopRepository(), new AuditLog(),
                new VncPasswordDerivation("a-site-secret-of-at-least-16-bytes"), Optional.empty(), clock);
        reconciler().reconcile();
        reconciler().reconcile(); // records the address Nova gave it
        assertEquals(1, requests.size());
        String first = desktop().serverId();
        assertEquals(EnrollmentService.Outcome.GRANTED,
                enrollment.enroll(first, tokenOf(requests.get(0)), "10.42.0.9", true).outcome());

        running.clear(); // deleted behind the agent's back
        clock.advance(Duration.ofMinutes(1));
        reconciler().reconcile();
        reconciler().reconcile();

        assertEquals(2, requests.size(), "a new VM was asked for");
        String second = desktop().serverId();
        assertNotEquals(first, second);
        EnrollmentService.Result again = enrollment.enroll(second, tokenOf(requests.get(1)), "10.42.0.9", true);
        assertEquals(EnrollmentService.Outcome.GRANTED, again.outcome(), "the new VM enrolls");
        assertEquals(EnrollmentService.Outcome.UNKNOWN_SERVER,
                enrollment.enroll(first, tokenOf(requests.get(0)), "10.42.0.9", true).outcome(), "the lost one no longer does");
    }
}
