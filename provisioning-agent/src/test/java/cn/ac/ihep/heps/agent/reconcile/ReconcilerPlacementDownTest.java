package cn.ac.ihep.heps.agent.reconcile;

import cn.ac.ihep.heps.agent.firewall.ReadySecurityGroup;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import cn.ac.ihep.heps.agent.desktop.Desktop;
import cn.ac.ihep.heps.agent.experiment.ExperimentInput;
import cn.ac.ihep.heps.agent.experiment.ExperimentService;
import cn.ac.ihep.heps.agent.experiment.ExperimentValidator;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudUnavailableException;
import cn.ac.ihep.heps.common.cloud.GpuInventory;
import cn.ac.ihep.heps.testsupport.time.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Placement down while future GPU desktops wait for their window: one pass asks Placement
 * once, not once per desktop, finishes, and keeps each desktop's last recorded outlook; a
 * reading less than a minute old serves the outlooks without asking again. The
 * cloud is isolated at its edge (a mock); the database is the real PostgreSQL.
 */
class ReconcilerPlacementDownTest {
    private static final Instant NOW = Instant.parse("2026-12-01T08:00:00Z");

    private TestDatabase db;
    private CloudProvider cloud;

    @BeforeEach
    void setUp() {
        db = TestDatabase.create(ReconcilerPlacementDownTest.class);
        cloud = mock(CloudProvider.class);
        when(cloud.listServers(any())).thenReturn(List.of());
        when(cloud.findFlavor(anyString())).thenReturn(Optional.of(new CloudFlavor("f-gpu1", "heps.desktop.gpu1", 8,
                16384, 40, Map.of("pci_passthrough:alias", "a100:1"))));
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    private Reconciler reconciler(MutableClock clock) {
        ReconcileSettings settings = new ReconcileSettings("agent-p", Duration.ofMinutes(30), Duration.ofDays(1),
                Duration.ofMinutes(15), Duration.ofMinutes(5), "heps-vm-network", ReadySecurityGroup.existsIn(cloud),
                Optional.of("CUSTOM_GPU_A100"), "http://127.0.0.1:8640", Optional.empty(), Optional.empty(), List.of(), Optional.empty(), ReconcileSettings.DEFAULT_MAX_CREATES_PER_PASS);
        return new Reconciler(db.database(), new ExperimentRepository(), new DesktopRepository(), new AuditLog(), cloud,
                new Notifier(Optional.empty()), new AgentMetrics(), settings, clock);
    }

    private List<Desktop> desktops() {
        return db.database().inTransaction(c -> new DesktopRepository().list(c, DesktopRepository.Filter.all()));
    }

    @Test
    void onePlacementFailureAPassAndTheLastOutlookStays() {
        MutableClock clock = new MutableClock(NOW);
        new ExperimentService(db.database(), new ExperimentRepository(), new AuditLog(),
                new ExperimentValidator(List.of("B1"), cloud), clock)
                .apply(new ExperimentInput("P-GPU", "B1", null, NOW.plus(Duration.ofDays(3)).toString(),
                        NOW.plus(Duration.ofDays(4)).toString(),
                        new ExperimentInput.DesktopInput("linux", 1, "heps.desktop.gpu1", null),
                        List.of("ann", "ben", "cai")), "test");
        when(cloud.gpuInventory()).thenReturn(List.of(new GpuInventory("gpu-host-1", "CUSTOM_GPU_A100", 2, 0)));
        Reconciler agent = reconciler(clock);
        agent.reconcile();
        List<String> outlooks = desktops().stream().map(Desktop::reason).toList();
        assertEquals(2, outlooks.stream().filter(r -> r.endsWith("1 × CUSTOM_GPU_A100 planned on gpu-host-1")).count(),
                outlooks.toString());
        assertEquals(1, outlooks.stream().filter(r -> r.contains("; at risk: 1 × CUSTOM_GPU_A100")).count(),
                outlooks.toString());

        // Outlooks for desktops not yet due reuse a reading less than a minute old.
        clock.advance(Duration.ofSeconds(30));
        assertTrue(agent.reconcile().changedNothing());
        verify(cloud, times(1)).gpuInventory();

        when(cloud.gpuInventory()).thenThrow(new CloudUnavailableException("Placement did not answer within 10 s", null));
        clock.advance(Duration.ofMinutes(2));
        PassReport report = agent.reconcile();
        assertTrue(report.changedNothing(), report.actions().toString());
        assertEquals(outlooks, desktops().stream().map(Desktop::reason).toList());
        // Once for the first pass, once for the failing one: not once per desktop.
        verify(cloud, times(2)).gpuInventory();
    }
}
