package cn.ac.ihep.heps.agent.reconcile;

import cn.ac.ihep.heps.agent.firewall.DesktopAccess;
import cn.ac.ihep.heps.common.cloud.IpNetwork;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.activity.ActivityService;
import cn.ac.ihep.heps.agent.api.BearerTokens;
import cn.ac.ihep.heps.agent.desktop.Desktop;
import cn.ac.ihep.heps.agent.desktop.DesktopState;
import cn.ac.ihep.heps.agent.experiment.ExperimentInput;
import cn.ac.ihep.heps.agent.experiment.ExperimentService;
import cn.ac.ihep.heps.agent.experiment.ExperimentValidator;
import cn.ac.ihep.heps.agent.idle.IdleSettings;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.agent.store.ActivityRepository;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.common.activity.ActivityReport;
import cn.ac.ihep.heps.common.activity.ActivityReport.OpenDesktop;
import cn.ac.ihep.heps.common.activity.ActivityReport.SessionEvent;
import cn.ac.ihep.heps.common.cloud.CloudNotFoundException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.testsupport.openstack.OpenStackTestBed;
import cn.ac.ihep.heps.testsupport.time.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Idle reclaim in the reconcile loop against the OpenStack test bed and PostgreSQL: a GPU
 * desktop stays up while a session is open however long without input, is not shelved while a
 * Guacamole node is silent, is shelved (its server offloaded, its GPU back in Placement) one
 * report after its idle limit, stays shelved, and runs again once a login has woken it. The
 * Guacamole node's reports go through the agent's own ActivityService, as the API hands them on.
 */
class IdleReclaimTestBedTest {
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String BEAMLINE = "I" + RUN;

    private TestDatabase db;
    private OpenStackTestBed bed;
    private CloudProvider cloud;
    private String imageId;
    private final String proposal = "IDLE-" + RUN;
    private final String member = "idler-" + RUN;
    private long sequence;

    @BeforeEach
    void setUp() throws Exception {
        bed = OpenStackTestBed.find();
        cloud = bed.adminProvider();
        imageId = TestBedImages.create(bed, "heps-idle-test-" + BEAMLINE, Map.of("heps_beamline", BEAMLINE,
                "os_type", "linux", "heps_recipe", "test-recipe", "heps_recipe_version", "1"));
        db = TestDatabase.create(IdleReclaimTestBedTest.class);
    }

    /** Deletes the desktop's server and waits until it is gone, so its GPU is free for the next test. */
    @AfterEach
    void tearDown() throws InterruptedException {
        for (Desktop desktop : desktops()) {
            if (desktop.serverId() != null) {
                try {
                    cloud.deleteServer(desktop.serverId());
                } catch (CloudNotFoundException e) {
                    // Gone already.
                }
                Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
                while (Instant.now().isBefore(deadline) && cloud.findServer(desktop.serverId())
                        .filter(s -> s.state() != ServerState.DELETED).isPresent()) {
                    Thread.sleep(500);
                }
            }
        }
        db.close();
        try {
            cloud.deleteImage(imageId);
        } catch (CloudNotFoundException e) {
            // Gone already.
        }
    }

    private List<Desktop> desktops() {
        return db.database().inTransaction(c -> new DesktopRepository().list(c,
                new DesktopRepository.Filter(proposal, null, true)));
    }

    private Desktop desktop() {
        return desktops().get(0);
    }

    /** What the Guacamole node reports: the connections it holds now, and what happened since. */
    private void report(ActivityService activity, MutableClock clock, int connections, SessionEvent... events) {
        String serverId = desktop().serverId();
        List<OpenDesktop> open = connections == 0 ? List.of()
                : List.of(new OpenDesktop(serverId, connections, null, null));
        activity.receive(new ActivityReport("guac-" + RUN, "i1", ++sequence, true, 0, open, List.of(events)));
    }

    private static SessionEvent event(String serverId, String type, Instant at) {
        return new SessionEvent(serverId, type, at.toString(), null);
    }

    @Test
    void anUnusedGpuDesktopIsShelvedOneReportAfterItsLimitAndWakesAtTheNextLogin() throws Exception {
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        MutableClock clock = new MutableClock(t0);
        ExperimentService experiments = new ExperimentService(db.database(), new ExperimentRepository(), new AuditLog(),
                new ExperimentValidator(List.of(BEAMLINE), cloud), clock);
        experiments.apply(new ExperimentInput(proposal, BEAMLINE, null, t0.minus(Duration.ofMinutes(5)).toString(),
                t0.plus(Duration.ofDays(2)).toString(), new ExperimentInput.DesktopInput("linux", 1,
                        OpenStackTestBed.ONE_GPU_FLAVOR, null), List.of(member)), "test");
        ReconcileSettings settings = new ReconcileSettings("agent-idle", Duration.ofMinutes(30), Duration.ofDays(1),
                Duration.ofMinutes(15), Duration.ofMinutes(5), OpenStackTestBed.NETWORK,
                DesktopAccess.of(List.of(IpNetwork.parse(OpenStackTestBed.GUACD_CIDR))), Optional.empty(),
                "http://127.0.0.1:8640", Optional.empty(), Optional.empty(), List.of(), Optional.empty(),
                IdleSettings.defaults(), Duration.ofMinutes(2));
        Reconciler agent = new Reconciler(db.database(), new ExperimentRepository(), new DesktopRepository(),
                new AuditLog(), cloud, new Notifier(Optional.empty()), new AgentMetrics(), settings, clock);
        ActivityService activity = new ActivityService(db.database(), new ActivityRepository(),
                new BearerTokens(List.of()), serverIds -> List.of(), clock);

        // Created and running; the user connects at once.
        agent.reconcile();
        String serverId = desktop().serverId();
        assertNotNull(serverId, desktops().toString());
        awaitServer(serverId, EnumSet.of(ServerState.ACTIVE));
        PlacementAllocations placement = PlacementAllocations.of(bed);
        assertEquals(1, placement.of(serverId).get(OpenStackTestBed.GPU_RESOURCE_CLASS), placement.of(serverId).toString());
        agent.reconcile();
        assertEquals(DesktopState.RUNNING, desktop().state());
        report(activity, clock, 1, event(serverId, SessionEvent.OPENED, clock.instant()));
        agent.reconcile();

        // Eight hours connected without input (a long GPU job): never shelved.
        for (int hour = 1; hour <= 8; hour++) {
            clock.advance(Duration.ofHours(1));
            report(activity, clock, 1);
            agent.reconcile();
        }
        assertEquals(DesktopState.RUNNING, desktop().state());
        assertEquals(ServerState.ACTIVE, cloud.findServer(serverId).orElseThrow().state());

        // The user leaves; then the node falls silent: nothing is shelved while it is.
        Instant left = clock.instant();
        report(activity, clock, 0, event(serverId, SessionEvent.CLOSED, left));
        clock.advance(Duration.ofHours(3));
        agent.reconcile();
        agent.reconcile();
        assertEquals(DesktopState.RUNNING, desktop().state());

        // The node reports again: due at this pass, shelved at the next once it has reported once more.
        report(activity, clock, 0);
        PassReport due = agent.reconcile();
        assertEquals(1, due.actions().get("idle-due"), due.actions().toString());
        assertEquals(DesktopState.RUNNING, desktop().state());
        clock.advance(Duration.ofSeconds(30));
        report(activity, clock, 0);
        PassReport shelved = agent.reconcile();
        assertEquals(1, shelved.actions().get("idle-shelve"), shelved.actions().toString());
        Desktop asleep = desktop();
        assertEquals(DesktopState.SHELVED_IDLE, asleep.state());
        assertTrue(asleep.reason().contains("no connection since " + left), asleep.reason());
        assertTrue(asleep.reason().contains("what was not saved is lost"), asleep.reason());

        // Nova offloads it at once (shelved_offload_time 0): its GPU leaves Placement.
        awaitServer(serverId, EnumSet.of(ServerState.SHELVED_OFFLOADED));
        assertEquals(Map.of(), placement.of(serverId));
        agent.reconcile();
        assertEquals("SHELVED_OFFLOADED", desktop().cloudState());
        // The agent never wakes it itself.
        clock.advance(Duration.ofHours(1));
        report(activity, clock, 0);
        agent.reconcile();
        assertEquals(ServerState.SHELVED_OFFLOADED, cloud.findServer(serverId).orElseThrow().state());
        assertEquals(DesktopState.SHELVED_IDLE, desktop().state());

        // A login wakes it (the VM resolver unshelves it): running again, awake from now.
        cloud.unshelveServer(serverId);
        awaitServer(serverId, EnumSet.of(ServerState.ACTIVE));
        assertEquals(1, placement.of(serverId).get(OpenStackTestBed.GPU_RESOURCE_CLASS));
        PassReport woken = agent.reconcile();
        assertEquals(1, woken.actions().get("wake"), woken.actions().toString());
        assertEquals(DesktopState.RUNNING, desktop().state());
        assertNull(desktop().reason());
        report(activity, clock, 1, event(serverId, SessionEvent.OPENED, clock.instant()));
        clock.advance(Duration.ofHours(1));
        report(activity, clock, 0, event(serverId, SessionEvent.CLOSED, clock.instant()));
        agent.reconcile();
        assertEquals(DesktopState.RUNNING, desktop().state());
        assertEquals(ServerState.ACTIVE, cloud.findServer(serverId).orElseThrow().state());
    }

    private CloudServer awaitServer(String id, Set<ServerState> states) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
        Optional<CloudServer> server = cloud.findServer(id);
        while (Instant.now().isBefore(deadline)) {
            if (server.isPresent() && states.contains(server.get().state())) {
                return server.get();
            }
            if (server.isPresent() && server.get().state() == ServerState.ERROR) {
                throw new AssertionError("Server " + id + " went to ERROR");
            }
            Thread.sleep(500);
            server = cloud.findServer(id);
        }
        throw new AssertionError("Server " + id + " did not reach " + states + ": "
                + server.map(s -> s.state().name()).orElse("gone"));
    }
}
