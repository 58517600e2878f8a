package cn.ac.ihep.heps.agent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyMap;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import cn.ac.ihep.heps.agent.desktop.Desktop;
import cn.ac.ihep.heps.agent.desktop.DesktopState;
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
import cn.ac.ihep.heps.common.cloud.CloudUnavailableException;
import cn.ac.ihep.heps.common.cloud.ServerRequest;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.common.desktop.ImageProperties;
import cn.ac.ihep.heps.testsupport.time.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

/**
 * No desktop without its security group: while Neutron cannot be read, a due desktop is held
 * with the reason and no boot request goes out; once it can, the boot request names the group.
 * The cloud is isolated at its edge (a mock); the database is the real PostgreSQL.
 */
class ReconcilerSecurityGroupTest {
    private static final Instant NOW = Instant.parse("2026-12-01T08:00:00Z");

    private TestDatabase db;
    private CloudProvider cloud;

    @BeforeEach
    void setUp() {
        db = TestDatabase.create(ReconcilerSecurityGroupTest.class);
        cloud = mock(CloudProvider.class);
        when(cloud.findFlavor(anyString())).thenReturn(Optional.of(
                new CloudFlavor("f-cpu", "heps.desktop.cpu", 2, 4096, 20, Map.of())));
        when(cloud.listImages(anyMap())).thenReturn(List.of(new CloudImage("img-1", "b1-desktop", "active",
                Map.of(ImageProperties.BEAMLINE, "B1", ImageProperties.OS_TYPE, "linux"), NOW.minus(Duration.ofDays(1)))));
        when(cloud.createServer(any(ServerRequest.class))).thenAnswer(call -> {
            ServerRequest request = call.getArgument(0);
            return new CloudServer("server-1", request.name(), ServerState.BUILDING, request.tags(), request.metadata(),
                    Map.of(), null, request.flavorId(), request.imageId(), null, NOW);
        });
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    @Test
    void whileTheGroupCannotBeMadeNoDesktopIsBootedAndOnceItCanTheBootNamesIt() {
        MutableClock clock = new MutableClock(NOW);
        new ExperimentService(db.database(), new ExperimentRepository(), new AuditLog(),
                new ExperimentValidator(List.of("B1"), cloud), clock)
                .apply(new ExperimentInput("P-SG", "B1", null, NOW.plus(Duration.ofMinutes(5)).toString(),
                        NOW.plus(Duration.ofDays(1)).toString(),
                        new ExperimentInput.DesktopInput("linux", 0, "heps.desktop.cpu", null), List.of("gina")), "test");
        ReconcileSettings settings = new ReconcileSettings("agent-s", Duration.ofMinutes(30), Duration.ofDays(1),
                Duration.ofMinutes(15), Duration.ofMinutes(5), "heps-vm-network", ReadySecurityGroup.ACCESS,
                Optional.empty(), "http://127.0.0.1:8640", Optional.empty(), Optional.empty(), List.of(),
                Optional.empty(), 5);
        Reconciler agent = new Reconciler(db.database(), new ExperimentRepository(), new DesktopRepository(),
                new AuditLog(), cloud, new Notifier(Optional.empty()), new AgentMetrics(), settings, clock);
        when(cloud.findSecurityGroups(anyString())).thenThrow(
                new CloudUnavailableException("Cannot list security groups named heps-desktop: network did not answer",
                        null));

        PassReport down = agent.reconcile();
        assertEquals(1, down.actions().get("hold"), down.actions().toString());
        verify(cloud, never()).createServer(any(ServerRequest.class));
        Desktop held = desktop();
        assertEquals(DesktopState.HELD, held.state());
        assertTrue(held.reason().startsWith("the security group heps-desktop cannot be made as wanted (Cannot list "
                + "security groups named heps-desktop: network did not answer); no desktop is created without it"),
                held.reason());

        ReadySecurityGroup.existsIn(cloud);
        PassReport up = agent.reconcile();
        assertEquals(1, up.actions().get("create"), up.actions().toString());
        ArgumentCaptor<ServerRequest> boot = ArgumentCaptor.forClass(ServerRequest.class);
        verify(cloud).createServer(boot.capture());
        assertEquals(List.of(ReadySecurityGroup.ID), boot.getValue().securityGroups());
    }

    private Desktop desktop() {
        return db.database().inTransaction(c -> new DesktopRepository().list(c,
                new DesktopRepository.Filter("P-SG", null, true))).get(0);
    }
}
