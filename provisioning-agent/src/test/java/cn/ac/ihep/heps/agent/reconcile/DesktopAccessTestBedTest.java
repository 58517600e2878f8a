package cn.ac.ihep.heps.agent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.desktop.Desktop;
import cn.ac.ihep.heps.agent.desktop.DesktopState;
import cn.ac.ihep.heps.agent.desktop.DesktopUserService;
import cn.ac.ihep.heps.agent.experiment.ExperimentInput;
import cn.ac.ihep.heps.agent.experiment.ExperimentService;
import cn.ac.ihep.heps.agent.experiment.ExperimentValidator;
import cn.ac.ihep.heps.agent.firewall.DesktopAccess;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.DesktopUserRepository;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.common.cloud.CloudNotFoundException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.IpNetwork;
import cn.ac.ihep.heps.common.cloud.ServerQuery;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.common.desktop.DesktopMetadata;
import cn.ac.ihep.heps.common.desktop.DesktopTags;
import cn.ac.ihep.heps.testsupport.openstack.OpenStackTestBed;
import cn.ac.ihep.heps.testsupport.time.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Who may open a desktop, as the reconcile loop writes it onto running VMs of the OpenStack test
 * bed: a personal desktop carries its owner's tag only (a group tag an earlier agent left is
 * taken off), an experiment that asks for desktops open to its group gets the group tag, named
 * users come and go as heps-user: tags, and an extended window reaches the VM as heps.expires. All
 * on the same running VMs: none is recreated or stopped. Nova changes neither tags nor metadata of
 * a shelved VM, so a shelved one gets them the first pass that finds it running.
 */
class DesktopAccessTestBedTest {
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String BEAMLINE = "A" + RUN;

    private static OpenStackTestBed bed;
    private static CloudProvider cloud;
    private static String imageId;
    private TestDatabase db;
    /** Each test its own experiment and members: a VM being deleted after the last test is never adopted. */
    private final String test = UUID.randomUUID().toString().substring(0, 4);
    private final String proposal = "IT-" + RUN + "-" + test;
    private final String alice = "alice-" + RUN + test;
    private final String bob = "bob-" + RUN + test;
    private final String support = "support-" + RUN + test;

    @BeforeAll
    static void image() throws Exception {
        bed = OpenStackTestBed.find();
        cloud = bed.adminProvider();
        imageId = TestBedImages.create(bed, "heps-agent-test-" + BEAMLINE, Map.of("heps_beamline", BEAMLINE,
                "os_type", "linux", "heps_recipe", "test-recipe", "heps_recipe_version", "1"));
    }

    @AfterAll
    static void removeImage() {
        try {
            cloud.deleteImage(imageId);
        } catch (CloudNotFoundException e) {
            // Gone already.
        }
    }

    @BeforeEach
    void database() {
        db = TestDatabase.create(DesktopAccessTestBedTest.class);
    }

    @AfterEach
    void cleanUp() {
        db.close();
        for (CloudServer server : cloud.listServers(ServerQuery.withTag(DesktopTags.DESKTOP))) {
            if (proposal.equals(server.metadata().get(DesktopMetadata.EXPERIMENT))) {
                cloud.deleteServer(server.id());
            }
        }
    }

    private ExperimentService experiments(MutableClock clock) {
        return new ExperimentService(db.database(), new ExperimentRepository(), new AuditLog(),
                new ExperimentValidator(List.of(BEAMLINE), cloud), clock);
    }

    private void apply(MutableClock clock, Instant start, Instant end, String access) {
        experiments(clock).apply(new ExperimentInput(proposal, BEAMLINE, null, start.toString(), end.toString(),
                new ExperimentInput.DesktopInput("linux", 0, "heps.desktop.cpu", null, null, access),
                List.of(alice, bob)), "test");
    }

    private Reconciler reconciler(MutableClock clock) {
        ReconcileSettings settings = new ReconcileSettings("agent-access", Duration.ofMinutes(30), Duration.ofDays(1),
                Duration.ofMinutes(15), Duration.ofMinutes(5), "heps-vm-network",
                DesktopAccess.of(List.of(IpNetwork.parse(OpenStackTestBed.GUACD_CIDR))), Optional.empty(),
                "http://127.0.0.1:8640", Optional.empty(), Optional.empty(), List.of(), Optional.empty(),
                ReconcileSettings.DEFAULT_MAX_CREATES_PER_PASS);
        return new Reconciler(db.database(), new ExperimentRepository(), new DesktopRepository(), new AuditLog(), cloud,
                new Notifier(Optional.empty()), new AgentMetrics(), settings, clock);
    }

    private DesktopUserService namedUsers(MutableClock clock) {
        return new DesktopUserService(db.database(), new DesktopRepository(), new DesktopUserRepository(),
                new AuditLog(), clock);
    }

    private Desktop desktopOf(String member) {
        return db.database().inTransaction(c -> new DesktopRepository().findByReference(c, proposal + "/" + member))
                .orElseThrow();
    }

    private CloudServer serverOf(String member) {
        return cloud.findServer(desktopOf(member).serverId()).orElseThrow();
    }

    private static Set<String> accessTags(CloudServer server) {
        Set<String> tags = new TreeSet<>(server.tags());
        tags.removeIf(tag -> !tag.startsWith("heps-"));
        return tags;
    }

    /**
     * One pass, and another (at most two more) while a change Nova was asked for failed: the
     * shared test bed's Nova now and then drops a kept-alive connection, which the loop retries
     * at its next pass as it would in production. The actions of the passes are added up.
     */
    private static PassReport settle(Reconciler agent) {
        Map<String, Integer> actions = new java.util.TreeMap<>();
        PassReport last = null;
        for (int pass = 0; pass < 3; pass++) {
            last = agent.reconcile();
            last.actions().forEach((action, n) -> actions.merge(action, n, Integer::sum));
            if (pass == 2 || !last.actions().containsKey("retag-failed") && !last.actions().containsKey("cloud-error")) {
                break;
            }
            actions.remove("retag-failed");
            actions.remove("cloud-error");
        }
        return new PassReport(actions, last.desktopsSeen(), last.duration());
    }

    private static int count(PassReport report, String action) {
        return report.actions().getOrDefault(action, 0);
    }

    @Test
    void accessFollowsTheExperimentAndItsNamedUsersOnTheSameRunningVms() throws Exception {
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        MutableClock clock = new MutableClock(t0);
        Instant end = t0.plus(Duration.ofHours(2));
        apply(clock, t0.minus(Duration.ofMinutes(5)), end, null);
        Reconciler agent = reconciler(clock);
        settle(agent);
        for (String member : List.of(alice, bob)) {
            awaitState(desktopOf(member).serverId(), Set.of(ServerState.ACTIVE));
        }
        settle(agent);
        CloudServer aliceVm = serverOf(alice);
        assertEquals(Set.of(DesktopTags.DESKTOP, DesktopTags.owner(alice)), aliceVm.tags(),
                "personal unless asked: no group tag");

        // A VM tagged for the group by an earlier agent, with an operator's own tag beside it.
        cloud.setServerTags(aliceVm.id(), Set.of(DesktopTags.DESKTOP, DesktopTags.owner(alice),
                DesktopTags.group(proposal), "ops-watch"));
        PassReport retagged = settle(agent);
        assertEquals(1, count(retagged, "retag"), retagged.actions().toString());
        CloudServer after = serverOf(alice);
        assertEquals(Set.of(DesktopTags.DESKTOP, DesktopTags.owner(alice), "ops-watch"), after.tags(),
                "the group tag is gone, the operator's tag stays");
        assertSameRunningVm(aliceVm, after);

        // A named user: added, tagged; removed, untagged.
        namedUsers(clock).add(proposal + "/" + alice, support, "test");
        assertEquals(1, count(settle(agent), "retag"));
        assertEquals(Set.of(DesktopTags.DESKTOP, DesktopTags.owner(alice), DesktopTags.user(support)),
                accessTags(serverOf(alice)));
        assertEquals(Set.of(DesktopTags.DESKTOP, DesktopTags.owner(bob)), accessTags(serverOf(bob)),
                "bob's desktop is not alice's: no named user there");
        assertTrue(settle(agent).changedNothing());
        namedUsers(clock).remove(proposal + "/" + alice, support, "test");
        settle(agent);
        assertEquals(Set.of(DesktopTags.DESKTOP, DesktopTags.owner(alice)), accessTags(serverOf(alice)));

        // The experiment asks for desktops open to its group: every member's VM gets the tag.
        apply(clock, t0.minus(Duration.ofMinutes(5)), end, "experiment");
        PassReport opened = settle(agent);
        assertEquals(2, count(opened, "retag"), opened.actions().toString());
        for (String member : List.of(alice, bob)) {
            assertEquals(Set.of(DesktopTags.DESKTOP, DesktopTags.owner(member), DesktopTags.group(proposal)),
                    accessTags(serverOf(member)));
        }
        assertSameRunningVm(aliceVm, serverOf(alice));

        // An extended window reaches the VMs.
        Instant later = end.plus(Duration.ofHours(6));
        experiments(clock).extend(proposal, later.toString(), "test").orElseThrow();
        PassReport extended = settle(agent);
        assertEquals(2, count(extended, "window"), extended.actions().toString());
        assertEquals(later.toString(), serverOf(alice).metadata().get(DesktopMetadata.EXPIRES));
        assertTrue(settle(agent).changedNothing(), "a second pass changes nothing");

        List<String> audited = db.database().inTransaction(c -> new AuditLog().recent(c, "desktop/" + proposal, 100))
                .stream().map(AuditLog.Entry::action).toList();
        assertTrue(audited.containsAll(List.of("desktop.retag", "desktop.user.add", "desktop.user.remove",
                "desktop.window")), audited.toString());
    }

    @Test
    void aWindowExtendedAfterItsEndWakesTheShelvedDesktopsWithTheNewEnd() throws Exception {
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        MutableClock clock = new MutableClock(t0);
        Instant end = t0.plus(Duration.ofHours(1));
        apply(clock, t0.minus(Duration.ofMinutes(5)), end, null);
        Reconciler agent = reconciler(clock);
        settle(agent);
        awaitState(desktopOf(alice).serverId(), Set.of(ServerState.ACTIVE));
        awaitState(desktopOf(bob).serverId(), Set.of(ServerState.ACTIVE));
        settle(agent);

        clock.set(end.plus(Duration.ofMinutes(1)));
        settle(agent);
        awaitState(desktopOf(alice).serverId(), Set.of(ServerState.SHELVED_OFFLOADED));
        awaitState(desktopOf(bob).serverId(), Set.of(ServerState.SHELVED_OFFLOADED));
        assertEquals(end.toString(), serverOf(alice).metadata().get(DesktopMetadata.EXPIRES));

        Instant later = end.plus(Duration.ofHours(4));
        experiments(clock).extend(proposal, later.toString(), "test").orElseThrow();
        PassReport woken = settle(agent);
        assertEquals(2, count(woken, "unshelve"), woken.actions().toString());
        assertEquals(0, count(woken, "retag-failed"), "a shelved VM is not asked to change: " + woken.actions());
        awaitState(desktopOf(alice).serverId(), Set.of(ServerState.ACTIVE));
        awaitState(desktopOf(bob).serverId(), Set.of(ServerState.ACTIVE));
        PassReport written = settle(agent);
        assertEquals(2, count(written, "window"), written.actions().toString());
        assertEquals(later.toString(), serverOf(alice).metadata().get(DesktopMetadata.EXPIRES));
        assertEquals(DesktopState.RUNNING, desktopOf(alice).state());
    }

    @Test
    void anIdleShelvedDesktopWhoseWindowWasExtendedIsWokenWhenTheOldEndPassesToCarryTheNewOne() throws Exception {
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        MutableClock clock = new MutableClock(t0);
        Instant end = t0.plus(Duration.ofHours(1));
        apply(clock, t0.minus(Duration.ofMinutes(5)), end, null);
        Reconciler agent = reconciler(clock);
        settle(agent);
        String vm = desktopOf(alice).serverId();
        awaitState(vm, Set.of(ServerState.ACTIVE));
        awaitState(desktopOf(bob).serverId(), Set.of(ServerState.ACTIVE));
        settle(agent);
        // Shelved for want of use, as the idle policy does it.
        cloud.shelveServer(vm);
        awaitState(vm, Set.of(ServerState.SHELVED_OFFLOADED));
        db.database().inTransaction(c -> new DesktopRepository().update(desktopOf(alice).id())
                .state(DesktopState.SHELVED_IDLE).cloudState(ServerState.SHELVED_OFFLOADED.name()).execute(c, t0));

        Instant later = end.plus(Duration.ofHours(8));
        experiments(clock).extend(proposal, later.toString(), "test").orElseThrow();
        PassReport before = settle(agent);
        assertEquals(0, count(before, "window-wake"), "not before the old end: " + before.actions());
        assertEquals(end.toString(), serverOf(alice).metadata().get(DesktopMetadata.EXPIRES), "Nova keeps the old end");

        clock.set(end.plus(Duration.ofMinutes(1)));
        PassReport atOldEnd = settle(agent);
        assertEquals(1, count(atOldEnd, "window-wake"), atOldEnd.actions().toString());
        awaitState(vm, Set.of(ServerState.ACTIVE));
        settle(agent);
        assertEquals(later.toString(), serverOf(alice).metadata().get(DesktopMetadata.EXPIRES));
        assertEquals(DesktopState.RUNNING, desktopOf(alice).state());
    }

    private static void assertSameRunningVm(CloudServer before, CloudServer after) {
        assertEquals(before.id(), after.id());
        assertEquals(before.created(), after.created(), "the same VM, not a new one");
        assertEquals(ServerState.ACTIVE, after.state(), "still running");
    }

    private static void awaitState(String id, Set<ServerState> states) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
        Optional<CloudServer> server = cloud.findServer(id);
        while (Instant.now().isBefore(deadline)) {
            if (server.isPresent() && states.contains(server.get().state())) {
                return;
            }
            Thread.sleep(500);
            server = cloud.findServer(id);
        }
        throw new AssertionError("Server " + id + " did not reach " + states + ": "
                + server.map(s -> s.state().name()).orElse("gone"));
    }
}
