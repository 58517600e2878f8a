package cn.ac.ihep.heps.agent.reconcile;

import cn.ac.ihep.heps.agent.firewall.DesktopAccess;
import cn.ac.ihep.heps.agent.firewall.DesktopFirewall;
import cn.ac.ihep.heps.common.cloud.IpNetwork;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.testsupport.time.MutableClock;
import cn.ac.ihep.heps.agent.agent.HepsJvm;
import cn.ac.ihep.heps.agent.desktop.Desktop;
import cn.ac.ihep.heps.agent.desktop.DesktopState;
import cn.ac.ihep.heps.agent.experiment.Experiment;
import cn.ac.ihep.heps.agent.experiment.ExperimentInput;
import cn.ac.ihep.heps.agent.experiment.ExperimentService;
import cn.ac.ihep.heps.agent.experiment.ExperimentValidator;
import cn.ac.ihep.heps.agent.experiment.InvalidExperimentException;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerQuery;
import cn.ac.ihep.heps.common.cloud.ServerRequest;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.common.desktop.DesktopMetadata;
import cn.ac.ihep.heps.common.desktop.DesktopTags;
import cn.ac.ihep.heps.common.cloud.CloudNotFoundException;
import cn.ac.ihep.heps.testsupport.openstack.OpenStackTestBed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reconcile loop against the OpenStack test bed (dev/openstack/up) and a real
 * PostgreSQL database: a whole experiment window, a crash between "VM created" and
 * "recorded", two agents at once, and GPU admission when the GPUs run out.
 */
class ReconcilerTestBedTest {
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String BEAMLINE = "T" + RUN;
    private static final Duration LEAD = Duration.ofMinutes(30);
    private static final Duration RETENTION = Duration.ofDays(1);
    private static final Duration NOTICE = Duration.ofMinutes(15);

    private TestDatabase db;
    private static OpenStackTestBed bed;
    private static CloudProvider cloud;
    private static String imageId;
    private static WebhookReceiver webhook;
    private final List<String> proposals = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        bed = OpenStackTestBed.find();
        // The bed's admin: GPU desktops are placed on a chosen host (nova:<host>).
        cloud = bed.adminProvider();
        imageId = TestBedImages.create(bed, "heps-agent-test-" + BEAMLINE, Map.of("heps_beamline", BEAMLINE,
                "os_type", "linux", "heps_recipe", "test-recipe", "heps_recipe_version", "7"));
        webhook = WebhookReceiver.start();
    }

    @AfterAll
    static void tearDown() {
        webhook.close();
        try {
            cloud.deleteImage(imageId);
        } catch (CloudNotFoundException e) {
            // Gone already.
        }
    }

    /** Each test has its own database: a pass reconciles every experiment it finds. */
    @BeforeEach
    void freshDatabase() {
        db = TestDatabase.create(ReconcilerTestBedTest.class);
    }

    @AfterEach
    void deleteServers() throws Exception {
        db.close();
        for (String proposal : proposals) {
            for (CloudServer server : cloud.listServers(ServerQuery.withTag(DesktopTags.DESKTOP))) {
                if (proposal.equals(server.metadata().get(DesktopMetadata.EXPERIMENT))) {
                    cloud.deleteServer(server.id());
                }
            }
        }
    }

    private String proposal(String what) {
        String proposal = "IT-" + RUN + "-" + what;
        proposals.add(proposal);
        return proposal;
    }

    private static String member(String name) {
        return name + "-" + RUN;
    }

    private Reconciler reconciler(String agentId, CloudProvider provider, MutableClock clock, Duration claim) {
        return reconciler(agentId, provider, clock, claim, new AgentMetrics());
    }

    private Reconciler reconciler(String agentId, CloudProvider provider, MutableClock clock, Duration claim,
            AgentMetrics metrics) {
        ReconcileSettings settings = new ReconcileSettings(agentId, LEAD, RETENTION, NOTICE, claim,
                "heps-vm-network", DesktopAccess.of(List.of(IpNetwork.parse(OpenStackTestBed.GUACD_CIDR))),
                Optional.empty(), "http://127.0.0.1:8640", Optional.empty(), Optional.empty(),
                List.of(), Optional.empty(), ReconcileSettings.DEFAULT_MAX_CREATES_PER_PASS);
        return new Reconciler(db.database(), new ExperimentRepository(), new DesktopRepository(), new AuditLog(),
                provider, new Notifier(Optional.of(webhook.uri())), metrics, settings, clock);
    }

    private Experiment apply(String proposal, Instant start, Instant end, String flavor, int gpus,
            List<String> members, MutableClock clock) {
        ExperimentService service = new ExperimentService(db.database(), new ExperimentRepository(), new AuditLog(),
                new ExperimentValidator(List.of(BEAMLINE), cloud), clock);
        return service.apply(new ExperimentInput(proposal, BEAMLINE, null, start.toString(), end.toString(),
                new ExperimentInput.DesktopInput("linux", gpus, flavor, null), members), "test").experiment();
    }

    private List<Desktop> desktops(String proposal) {
        return db.database().inTransaction(c -> new DesktopRepository().list(c,
                new DesktopRepository.Filter(proposal, null, true)));
    }

    private static List<CloudServer> serversOf(String proposal, String member) {
        return cloud.listServers(new ServerQuery(Set.of(DesktopTags.DESKTOP, DesktopTags.owner(member)), Set.of()))
                .stream().filter(s -> proposal.equals(s.metadata().get(DesktopMetadata.EXPERIMENT)))
                .filter(s -> s.state() != ServerState.DELETED).toList();
    }

    private void awaitAll(String proposal, Set<ServerState> states) throws InterruptedException {
        for (Desktop desktop : desktops(proposal)) {
            if (desktop.serverId() != null && desktop.state() != DesktopState.DELETED) {
                awaitServer(cloud, desktop.serverId(), states, Duration.ofMinutes(3));
            }
        }
    }

    private static void assertNothingChanged(PassReport report) {
        assertTrue(report.changedNothing(), "a pass over an unchanged world changed " + report.actions());
    }

    @Test
    void aWholeExperimentWindow() throws Exception {
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant start = t0.plus(Duration.ofHours(1));
        Instant end = t0.plus(Duration.ofHours(3));
        MutableClock clock = new MutableClock(t0);
        String proposal = proposal("window");
        String alice = member("alice");
        String bob = member("bob");
        apply(proposal, start, end, "heps.desktop.cpu", 0, List.of(alice, bob), clock);
        Reconciler agent = reconciler("agent-w", cloud, clock, Duration.ofMinutes(5));

        // Before the window: planned, nothing booted.
        agent.reconcile();
        assertEquals(List.of(DesktopState.PENDING, DesktopState.PENDING), desktops(proposal).stream().map(Desktop::state).toList());
        assertTrue(desktops(proposal).get(0).reason().startsWith("window opens at"));
        assertTrue(serversOf(proposal, alice).isEmpty());
        assertNothingChanged(agent.reconcile());

        // Notice before the start, then the start.
        clock.set(start.minus(LEAD).minus(Duration.ofMinutes(10)));
        agent.reconcile();
        assertEquals(2, webhook.events("desktop.start", proposal).size());
        assertTrue(serversOf(proposal, alice).isEmpty());
        clock.set(start.minus(LEAD).plus(Duration.ofMinutes(1)));
        PassReport created = agent.reconcile();
        assertEquals(2, created.actions().get("create"), created.actions().toString());
        awaitAll(proposal, EnumSet.of(ServerState.ACTIVE));
        agent.reconcile();
        for (Desktop desktop : desktops(proposal)) {
            assertEquals(DesktopState.RUNNING, desktop.state(), desktop.toString());
            assertNotNull(desktop.address(), desktop.toString());
            CloudServer server = cloud.findServer(desktop.serverId()).orElseThrow();
            assertEquals(Set.of(DesktopTags.DESKTOP, DesktopTags.owner(desktop.username())), server.tags(),
                    "a personal desktop opens for its owner only");
            assertEquals(BEAMLINE, server.metadata().get(DesktopMetadata.BEAMLINE));
            assertEquals("vnc", server.metadata().get(DesktopMetadata.PROTOCOL));
            assertEquals(proposal, server.metadata().get(DesktopMetadata.EXPERIMENT));
            assertEquals(end.toString(), server.metadata().get(DesktopMetadata.EXPIRES));
            assertEquals("test-recipe@7", server.metadata().get(DesktopMetadata.IMAGE_RECIPE));
            assertEquals(imageId, server.imageId());
            assertEquals(Set.of(DesktopAccess.SECURITY_GROUP), server.securityGroups(),
                    "booted in the desktops' group only");
        }
        // Idempotent: a second pass over an unchanged world changes nothing.
        PassReport again = agent.reconcile();
        assertTrue(again.changedNothing(), again.actions().toString());
        assertEquals(1, serversOf(proposal, alice).size());

        // Notice before the end, then shelve.
        clock.set(end.minus(Duration.ofMinutes(10)));
        agent.reconcile();
        assertEquals(2, webhook.events("desktop.shelve", proposal).size());
        clock.set(end.plus(Duration.ofMinutes(1)));
        assertEquals(2, agent.reconcile().actions().get("shelve"));
        // Nova's default shelved_offload_time of 0 offloads at once: wait for where it settles.
        awaitAll(proposal, EnumSet.of(ServerState.SHELVED_OFFLOADED));
        agent.reconcile();
        assertNothingChanged(agent.reconcile());
        assertEquals(List.of(DesktopState.SHELVED, DesktopState.SHELVED),
                desktops(proposal).stream().map(Desktop::state).toList());

        // Retention over: notice, then delete.
        clock.set(end.plus(RETENTION).minus(Duration.ofMinutes(5)));
        agent.reconcile();
        assertEquals(2, webhook.events("desktop.delete", proposal).size());
        clock.set(end.plus(RETENTION).plus(Duration.ofMinutes(1)));
        assertEquals(2, agent.reconcile().actions().get("delete"));
        for (Desktop desktop : desktops(proposal)) {
            awaitGone(cloud, desktop.serverId(), Duration.ofMinutes(2));
            assertEquals(DesktopState.DELETED, desktop.state());
        }
        assertNothingChanged(agent.reconcile());
        List<String> actions = db.database().inTransaction(c -> new AuditLog().recent(c, "desktop/" + proposal, 100))
                .stream().map(AuditLog.Entry::action).toList();
        for (String action : List.of("desktop.plan", "desktop.create", "desktop.shelve", "desktop.delete",
                "desktop.notify.start", "desktop.notify.shelve", "desktop.notify.delete")) {
            assertTrue(actions.contains(action), action + " in " + actions);
        }
    }

    /**
     * Runs one pass of {@code heps agent reconcile} in a JVM of its own, as {@code agent-1} on this
     * test's database, with the failpoint that halts the process the moment Nova has accepted the
     * boot request and before the server id is recorded. Returns the process's exit status.
     */
    private int reconcileInAnotherJvmThatDiesAfterTheBootRequest(Path home) throws Exception {
        Path config = home.resolve("agent.properties");
        Files.writeString(config, String.join("\n", "home=" + home, "database-url=" + db.url(),
                "database-user=" + TestDatabase.USER, "agent-id=agent-1", "claim-duration=PT5M",
                "start-lead-time=" + LEAD, "retention=" + RETENTION, "notify-ahead=" + NOTICE,
                "beamlines=" + BEAMLINE, "api-tokens=crash-test-token",
                "vnc-site-secret=a-site-secret-of-at-least-16-bytes", "guacd-cidrs=" + OpenStackTestBed.GUACD_CIDR));
        ProcessBuilder builder = HepsJvm.heps("agent", "reconcile", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(home.resolve("agent.out").toFile());
        builder.environment().put("OS_CLIENT_CONFIG_FILE", bed.cloudsYaml().toString());
        builder.environment().put("OS_CLOUD", OpenStackTestBed.ADMIN_CLOUD);
        builder.environment().put(Failpoint.ENVIRONMENT, Failpoint.AFTER_BOOT_REQUEST.wireName());
        Process agent = builder.start();
        try {
            if (!agent.waitFor(3, TimeUnit.MINUTES)) {
                throw new AssertionError("heps agent reconcile did not finish: " + Files.readString(home.resolve("agent.out")));
            }
            return agent.exitValue();
        } finally {
            agent.destroyForcibly();
        }
    }

    @Test
    void aVmCreatedButNotRecordedIsAdoptedByTheNextPass(@TempDir Path home) throws Exception {
        Instant now = Instant.now();
        MutableClock clock = new MutableClock(now);
        String proposal = proposal("crash");
        String carol = member("carol");
        apply(proposal, now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofHours(2)), "heps.desktop.cpu", 0,
                List.of(carol), clock);
        int status = reconcileInAnotherJvmThatDiesAfterTheBootRequest(home);
        assertEquals(Failpoint.HALT_STATUS, status,
                "the agent halted at the failpoint: " + Files.readString(home.resolve("agent.out")));
        // The process is gone; only the database and the cloud remain.
        Desktop unrecorded = desktops(proposal).get(0);
        assertEquals(DesktopState.CREATING, unrecorded.state());
        assertEquals(null, unrecorded.serverId());
        List<CloudServer> booted = serversOf(proposal, carol);
        assertEquals(1, booted.size(), "the VM exists in Nova");

        // Another agent waits for the dead one's claim; once it runs out, it adopts.
        Reconciler other = reconciler("agent-2", cloud, clock, Duration.ofMinutes(5));
        assertFalse(other.reconcile().actions().containsKey("create"));
        assertEquals(null, desktops(proposal).get(0).serverId());
        // The dead agent's claim was taken on the real clock, a little after this test's "now".
        clock.advance(Duration.ofMinutes(10));
        PassReport adopted = other.reconcile();
        assertEquals(1, adopted.actions().get("adopt"), adopted.actions().toString());
        assertFalse(adopted.actions().containsKey("create"));
        List<CloudServer> servers = serversOf(proposal, carol);
        assertEquals(1, servers.size());
        assertEquals(booted.get(0).id(), servers.get(0).id(), "the VM the dead agent booted is the one adopted");
        assertEquals(servers.get(0).id(), desktops(proposal).get(0).serverId());
        awaitAll(proposal, EnumSet.of(ServerState.ACTIVE));
        other.reconcile();
        assertNothingChanged(other.reconcile());

        // The restarted first agent (same id) finds nothing to do either.
        Reconciler restarted = reconciler("agent-1", cloud, clock, Duration.ofMinutes(5));
        assertNothingChanged(restarted.reconcile());
        assertEquals(1, serversOf(proposal, carol).size());
    }

    @Test
    void aDesktopOutsideTheSecurityGroupIsPutInItInPlace() throws Exception {
        Instant now = Instant.now();
        MutableClock clock = new MutableClock(now);
        String proposal = proposal("firewall");
        String erin = member("erin");
        apply(proposal, now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofHours(2)), "heps.desktop.cpu", 0,
                List.of(erin), clock);
        Reconciler agent = reconciler("agent-f", cloud, clock, Duration.ofMinutes(5));
        agent.reconcile();
        awaitAll(proposal, EnumSet.of(ServerState.ACTIVE));
        agent.reconcile();
        String id = desktops(proposal).get(0).serverId();
        // As a desktop booted before the agent kept a security group: in the project's default only.
        cloud.addServerSecurityGroup(id, DesktopFirewall.DEFAULT_GROUP);
        cloud.removeServerSecurityGroup(id, DesktopAccess.SECURITY_GROUP);
        assertEquals(Set.of(DesktopFirewall.DEFAULT_GROUP), cloud.findServer(id).orElseThrow().securityGroups());

        PassReport secured = agent.reconcile();
        assertEquals(Map.of("secure", 1), secured.actions());
        CloudServer server = cloud.findServer(id).orElseThrow();
        assertEquals(Set.of(DesktopAccess.SECURITY_GROUP), server.securityGroups());
        assertEquals(ServerState.ACTIVE, server.state(), "the same VM, not rebuilt");
        assertEquals(List.of(id), serversOf(proposal, erin).stream().map(CloudServer::id).toList());
        assertNothingChanged(agent.reconcile());
        AuditLog.Entry entry = db.database().inTransaction(c -> new AuditLog().recent(c, "desktop/" + proposal, 100))
                .stream().filter(e -> e.action().equals("desktop.secure")).findFirst().orElseThrow();
        assertEquals("server=" + id + " added to heps-desktop, removed from default", entry.detail());
    }

    @Test
    void twoAgentsAtOnceMakeOneDesktopPerMember() throws Exception {
        Instant now = Instant.now();
        MutableClock clock = new MutableClock(now);
        String proposal = proposal("race");
        List<String> members = List.of(member("d1"), member("d2"), member("d3"));
        apply(proposal, now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofHours(2)), "heps.desktop.cpu", 0,
                members, clock);
        Reconciler first = reconciler("agent-a", cloud, clock, Duration.ofMinutes(5));
        Reconciler second = reconciler("agent-b", cloud, clock, Duration.ofMinutes(5));
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<PassReport> a = pool.submit(() -> {
                go.await();
                return first.reconcile();
            });
            Future<PassReport> b = pool.submit(() -> {
                go.await();
                return second.reconcile();
            });
            go.countDown();
            int creates = a.get().actions().getOrDefault("create", 0) + b.get().actions().getOrDefault("create", 0);
            assertEquals(3, creates, a.get().actions() + " / " + b.get().actions());
        } finally {
            pool.shutdownNow();
        }
        first.reconcile();
        second.reconcile();
        for (String member : members) {
            assertEquals(1, serversOf(proposal, member).size(), member);
        }
        assertEquals(3, desktops(proposal).size());
    }

    @Test
    void gpuDesktopsThatDoNotFitAreHeldAndPlacedWhenCapacityFrees() throws Exception {
        Instant now = Instant.now();
        MutableClock clock = new MutableClock(now);
        String proposal = proposal("gpu");
        // Two hosts with three GPUs each: at most two 2-GPU desktops fit, however busy the bed is.
        List<String> members = List.of(member("g1"), member("g2"), member("g3"), member("g4"));
        apply(proposal, now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofHours(2)), "heps.desktop.gpu2", 2,
                members, clock);
        Reconciler agent = reconciler("agent-g", cloud, clock, Duration.ofMinutes(5));
        agent.reconcile();
        List<Desktop> held = desktops(proposal).stream().filter(d -> d.state() == DesktopState.HELD).toList();
        List<Desktop> placed = desktops(proposal).stream().filter(d -> d.serverId() != null).toList();
        assertTrue(held.size() >= 2, desktops(proposal).toString());
        assertEquals(4, held.size() + placed.size());
        for (Desktop desktop : held) {
            assertTrue(desktop.reason().contains("needs 2 × CUSTOM_GPU_A100 on one host"), desktop.reason());
            assertTrue(serversOf(proposal, desktop.username()).isEmpty());
        }
        for (Desktop desktop : placed) {
            assertNotNull(desktop.host(), desktop.toString());
        }
        awaitAll(proposal, EnumSet.of(ServerState.ACTIVE));
        // Held ones stay held, quietly, while nothing changes.
        agent.reconcile();
        assertEquals(held.size(), desktops(proposal).stream().filter(d -> d.state() == DesktopState.HELD).count());

        // Free the GPUs: the placed members leave the experiment.
        if (!placed.isEmpty()) {
            ExperimentService service = new ExperimentService(db.database(), new ExperimentRepository(), new AuditLog(),
                    new ExperimentValidator(List.of(BEAMLINE), cloud), clock);
            for (Desktop desktop : placed) {
                service.removeMember(proposal, desktop.username(), "test");
            }
            agent.reconcile();
            for (Desktop desktop : placed) {
                awaitGone(cloud, desktop.serverId(), Duration.ofMinutes(2));
            }
        }
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        long placedAfter = 0;
        while (Instant.now().isBefore(deadline) && placedAfter == 0) {
            agent.reconcile();
            placedAfter = desktops(proposal).stream()
                    .filter(d -> d.state() != DesktopState.DELETED && d.serverId() != null).count();
            Thread.sleep(2000);
        }
        assertTrue(placedAfter >= 1, "a held desktop was placed once GPUs freed: " + desktops(proposal));
    }

    @Test
    void futureGpuDesktopsShowWhetherTheCalendarHasRoomForThem() {
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        MutableClock clock = new MutableClock(t0);
        String proposal = proposal("calendar");
        // Two hosts with three GPUs each: two 2-GPU desktops fit in the window, one per host.
        List<String> members = List.of(member("c1"), member("c2"), member("c3"), member("c4"));
        apply(proposal, t0.plus(Duration.ofDays(2)), t0.plus(Duration.ofDays(3)), "heps.desktop.gpu2", 2, members, clock);
        AgentMetrics metrics = new AgentMetrics();
        Reconciler agent = reconciler("agent-c", cloud, clock, Duration.ofMinutes(5), metrics);
        agent.reconcile();

        List<Desktop> rows = desktops(proposal);
        List<Desktop> planned = rows.stream()
                .filter(d -> d.reason().contains("; 2 × CUSTOM_GPU_A100 planned on heps-compute-")).toList();
        List<Desktop> atRisk = rows.stream()
                .filter(d -> d.reason().contains("; at risk: 2 × CUSTOM_GPU_A100 on one host do not fit the GPU calendar"))
                .toList();
        assertEquals(4, planned.size() + atRisk.size(), rows.toString());
        assertTrue(atRisk.size() >= 2, rows.toString());
        assertTrue(metrics.scrape().contains("\nheps_gpu_desktops_at_risk " + atRisk.size() + "\n"), metrics.scrape());
        // The user-service system hears of each at-risk desktop once, with the reason.
        List<com.fasterxml.jackson.databind.JsonNode> warned = webhook.events("desktop.gpu_at_risk", proposal);
        assertEquals(atRisk.size(), warned.size(), warned.toString());
        for (com.fasterxml.jackson.databind.JsonNode event : warned) {
            assertTrue(event.get("detail").asText().startsWith("at risk: 2 × CUSTOM_GPU_A100"), event.toString());
            assertEquals(t0.plus(Duration.ofDays(2)).minus(LEAD).toString(), event.get("dueAt").asText());
        }
        assertEquals(planned.size(), planned.stream().map(d -> d.reason().substring(d.reason().lastIndexOf(' ')))
                .distinct().count(), "one planned desktop per host: " + planned);
        for (Desktop desktop : rows) {
            assertEquals(DesktopState.PENDING, desktop.state());
            assertTrue(serversOf(proposal, desktop.username()).isEmpty());
        }
        assertNothingChanged(agent.reconcile());
        assertEquals(atRisk.size(), webhook.events("desktop.gpu_at_risk", proposal).size());
    }

    @Test
    void unknownFlavorsAndGpuMismatchesAreRefusedByTheRealCatalogue() {
        MutableClock clock = new MutableClock(Instant.now());
        InvalidExperimentException unknown = org.junit.jupiter.api.Assertions.assertThrows(InvalidExperimentException.class,
                () -> apply(proposal("bad"), Instant.now(), Instant.now().plusSeconds(60), "m1.nonexistent", 0,
                        List.of(), clock));
        assertEquals("desktop.flavor", unknown.errors().get(0).field());
        InvalidExperimentException mismatch = org.junit.jupiter.api.Assertions.assertThrows(InvalidExperimentException.class,
                () -> apply(proposal("bad2"), Instant.now(), Instant.now().plusSeconds(60), "heps.desktop.gpu1", 2,
                        List.of(), clock));
        assertTrue(mismatch.errors().get(0).message().contains("gives 1 GPU(s)"), mismatch.errors().toString());
    }

    private static CloudServer awaitServer(CloudProvider cloud, String id, Set<ServerState> states, Duration timeout)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
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
        throw new AssertionError("Server " + id + " did not reach " + states + " in " + timeout + ": "
                + server.map(s -> s.state().name()).orElse("gone"));
    }

    private static void awaitGone(CloudProvider cloud, String id, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            Optional<CloudServer> server = cloud.findServer(id);
            if (server.isEmpty() || server.get().state() == ServerState.DELETED) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("Server " + id + " was not deleted in " + timeout);
    }
}
