package cn.ac.ihep.heps.agent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyMap;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import cn.ac.ihep.heps.agent.experiment.ExperimentInput;
import cn.ac.ihep.heps.agent.experiment.ExperimentService;
import cn.ac.ihep.heps.agent.experiment.ExperimentValidator;
import cn.ac.ihep.heps.agent.firewall.ReadySecurityGroup;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerQuery;
import cn.ac.ihep.heps.common.cloud.ServerRequest;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.common.desktop.ImageProperties;
import cn.ac.ihep.heps.testsupport.time.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An experiment with many members starting at once: one pass asks Nova for at most
 * max-creates-per-pass VMs and the following passes create the rest. The cloud is isolated
 * at its edge (a mock that boots whatever it is asked); the database is the real PostgreSQL.
 */
class ReconcilerCreateCapTest {
    private static final Instant NOW = Instant.parse("2026-12-01T08:00:00Z");

    private TestDatabase db;
    private CloudProvider cloud;
    private final AtomicInteger booted = new AtomicInteger();
    private final List<CloudServer> servers = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        db = TestDatabase.create(ReconcilerCreateCapTest.class);
        cloud = mock(CloudProvider.class);
        when(cloud.listServers(any())).thenAnswer(call -> {
            ServerQuery query = call.getArgument(0);
            return servers.stream().filter(server -> server.tags().containsAll(query.allTags())).toList();
        });
        when(cloud.findFlavor(anyString())).thenReturn(Optional.of(
                new CloudFlavor("f-cpu", "heps.desktop.cpu", 2, 4096, 20, Map.of())));
        when(cloud.listImages(anyMap())).thenReturn(List.of(new CloudImage("img-1", "b1-desktop", "active",
                Map.of(ImageProperties.BEAMLINE, "B1"), NOW.minus(Duration.ofDays(1)))));
        when(cloud.createServer(any(ServerRequest.class))).thenAnswer(call -> {
            ServerRequest request = call.getArgument(0);
            CloudServer server = new CloudServer("server-" + booted.incrementAndGet(), request.name(),
                    ServerState.BUILDING, request.tags(), request.metadata(), Map.of(), null, request.flavorId(),
                    request.imageId(), null, NOW);
            servers.add(server);
            return server;
        });
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    @Test
    void onePassCreatesAtMostItsCapAndTheNextPassesTheRest() {
        MutableClock clock = new MutableClock(NOW);
        List<String> members = IntStream.range(0, 12).mapToObj(i -> "user" + i).toList();
        new ExperimentService(db.database(), new ExperimentRepository(), new AuditLog(),
                new ExperimentValidator(List.of("B1"), cloud), clock)
                .apply(new ExperimentInput("P-MANY", "B1", null, NOW.plus(Duration.ofMinutes(5)).toString(),
                        NOW.plus(Duration.ofDays(1)).toString(),
                        new ExperimentInput.DesktopInput("linux", 0, "heps.desktop.cpu", null), members), "test");
        ReconcileSettings settings = new ReconcileSettings("agent-c", Duration.ofMinutes(30), Duration.ofDays(1),
                Duration.ofMinutes(15), Duration.ofMinutes(5), "heps-vm-network", ReadySecurityGroup.existsIn(cloud),
                Optional.empty(), "http://127.0.0.1:8640", Optional.empty(), Optional.empty(), List.of(), Optional.empty(), 5);
        Reconciler agent = new Reconciler(db.database(), new ExperimentRepository(), new DesktopRepository(),
                new AuditLog(), cloud, new Notifier(Optional.empty()), new AgentMetrics(), settings, clock);

        PassReport first = agent.reconcile();
        assertEquals(5, booted.get(), first.actions().toString());
        assertEquals(7, first.actions().get("create-deferred"), first.actions().toString());
        agent.reconcile();
        assertEquals(10, booted.get());
        agent.reconcile();
        assertEquals(12, booted.get());
        verify(cloud, times(12)).createServer(any(ServerRequest.class));
    }
}
