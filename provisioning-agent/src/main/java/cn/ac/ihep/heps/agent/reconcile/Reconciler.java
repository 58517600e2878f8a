package cn.ac.ihep.heps.agent.reconcile;

import cn.ac.ihep.heps.agent.accounts.ComputerAccounts;
import cn.ac.ihep.heps.agent.accounts.DirectoryException;
import cn.ac.ihep.heps.common.log.LogSafe;
import cn.ac.ihep.heps.agent.desktop.Desktop;
import cn.ac.ihep.heps.agent.desktop.DesktopState;
import cn.ac.ihep.heps.agent.desktop.EnrollmentService;
import cn.ac.ihep.heps.agent.experiment.DesktopAccess;
import cn.ac.ihep.heps.agent.experiment.Experiment;
import cn.ac.ihep.heps.agent.firewall.DesktopFirewall;
import cn.ac.ihep.heps.agent.gpu.GpuCalendar;
import cn.ac.ihep.heps.agent.gpu.PlacementDecision;
import cn.ac.ihep.heps.agent.idle.IdlePolicy;
import cn.ac.ihep.heps.agent.idle.IdleVerdict;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.agent.store.ActivityRepository;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.ConflictException;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.DesktopUserRepository;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudNotFoundException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.GpuInventory;
import cn.ac.ihep.heps.common.cloud.ServerQuery;
import cn.ac.ihep.heps.common.cloud.ServerRequest;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.common.desktop.DesktopMetadata;
import cn.ac.ihep.heps.common.desktop.DesktopProtocol;
import cn.ac.ihep.heps.common.desktop.DesktopTags;
import cn.ac.ihep.heps.common.desktop.ImageProperties;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reconcile pass, Kubernetes-controller style: read what should exist (experiments and
 * their members in the database), read what does exist (desktop VMs in Nova, found by the
 * {@code heps-desktop} tag), and take one idempotent step per desktop towards its phase.
 * Every step is recorded in the database, with an audit entry, right after the cloud
 * accepted it; a second pass over an unchanged world changes nothing.
 *
 * <p>Crash safety: the desktop row is claimed and committed before the boot request, and
 * the VM carries tags and metadata that identify its member and experiment. If the agent
 * dies between "VM created" and "recorded", the next pass finds the VM by those tags and
 * adopts it instead of booting another. Two agents cannot both claim one desktop.
 */
public final class Reconciler {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
    /** A Guacamole node silent for this long is taken to be gone, with the connections it reported. */
    static final Duration NODE_FORGOTTEN_AFTER = Duration.ofDays(1);
    /** The states in which Nova lets a server's tags and metadata change (vm_state active, stopped, paused, suspended). */
    private static final Set<ServerState> ADJUSTABLE = Set.of(ServerState.ACTIVE, ServerState.SHUTOFF,
            ServerState.PAUSED, ServerState.SUSPENDED);
    /** An idle shelve Nova has not finished in this long is given up; the desktop counts as running again. */
    static final Duration SHELVE_GIVEN_UP_AFTER = Duration.ofMinutes(15);

    private final Database database;
    private final ExperimentRepository experiments;
    private final DesktopRepository desktops;
    private final AuditLog audit;
    private final ActivityRepository activity = new ActivityRepository();
    private final DesktopUserRepository namedUsers = new DesktopUserRepository();
    private final CloudProvider cloud;
    private final ImageSelector images;
    private final DesktopFirewall firewall;
    private final UserDataRenderer userData;
    private final Notifier notifier;
    private final AgentMetrics metrics;
    private final ReconcileSettings settings;
    private final Clock clock;
    /** Present when desktops join the domain: their computer accounts are pre-staged here. */
    private final Optional<ComputerAccounts> computers;

    public Reconciler(Database database, ExperimentRepository experiments, DesktopRepository desktops, AuditLog audit,
            CloudProvider cloud, Notifier notifier, AgentMetrics metrics,
            ReconcileSettings settings, Clock clock) {
        this(database, experiments, desktops, audit, cloud, notifier, metrics, settings, clock, Optional.empty());
    }

    public Reconciler(Database database, ExperimentRepository experiments, DesktopRepository desktops, AuditLog audit,
            CloudProvider cloud, Notifier notifier, AgentMetrics metrics,
            ReconcileSettings settings, Clock clock, Optional<ComputerAccounts> computers) {
        if (settings.adDomain().isPresent() && computers.isEmpty()) {
            throw new IllegalArgumentException("ad-domain is set but the agent has no AD to pre-stage computer "
                    + "accounts in: set ad-url (and its bind settings) too");
        }
        this.computers = computers;
        this.database = database;
        this.experiments = experiments;
        this.desktops = desktops;
        this.audit = audit;
        this.cloud = cloud;
        this.images = new ImageSelector(cloud);
        this.firewall = new DesktopFirewall(cloud, settings.desktopAccess());
        this.userData = new UserDataRenderer(settings.userDataTemplateDir());
        this.notifier = notifier;
        this.metrics = metrics;
        this.settings = settings;
        this.clock = clock;
    }

    /** State shared by the steps of one pass. */
    private final class Pass {
        final Instant now = clock.instant();
        final Map<String, Integer> actions = new TreeMap<>();
        final Map<String, CloudServer> serversById = new HashMap<>();
        int creates;
        List<Experiment> experiments = List.of();
        /** The named users of each desktop (by desktop id), read once per pass. */
        Map<Long, List<String>> namedUsers = Map.of();
        final PassGpus gpus = new PassGpus(cloud, metrics, recentGpus, now,
                (resourceClass, inventory) -> planGpus(this, resourceClass, inventory));

        boolean reportsRead;
        Instant reportsCompleteAt;

        /** The desktops' security group, once its rules are right this pass; null while it cannot be made so. */
        String securityGroupId;
        String securityGroupProblem;

        void did(String action) {
            actions.merge(action, 1, Integer::sum);
            metrics.reconcileAction(action);
        }
    }

    /** Why idle shelving is paused, as last logged; null while it runs. */
    private String idlePause;

    /** Why the desktops' security group is not as wanted, as last logged; null while it is. */
    private String securityGroupProblem;

    /** Runs one pass over every experiment and desktop. */
    public PassReport reconcile() {
        long started = System.nanoTime();
        Pass pass = new Pass();
        boolean succeeded = false;
        int seen = 0;
        try {
            for (CloudServer server : cloud.listServers(ServerQuery.withTag(DesktopTags.DESKTOP))) {
                pass.serversById.put(server.id(), server);
            }
            ensureSecurityGroup(pass);
            List<Experiment> all = database.inTransaction(experiments::list);
            pass.experiments = all;
            pass.namedUsers = database.inTransaction(namedUsers::all);
            Map<Long, Experiment> byId = new HashMap<>();
            Set<String> wanted = new HashSet<>();
            for (Experiment experiment : all) {
                byId.put(experiment.id(), experiment);
                for (String member : experiment.members()) {
                    wanted.add(experiment.id() + "/" + member);
                    reconcileMember(pass, experiment, member);
                    seen++;
                }
            }
            // Desktops of members who were removed (or whose experiment changed) go away.
            for (Desktop desktop : database.inTransaction(c -> desktops.list(c, DesktopRepository.Filter.all()))) {
                if (desktop.state() != DesktopState.DELETED
                        && !wanted.contains(desktop.experimentId() + "/" + desktop.username())) {
                    seen++;
                    removeDesktop(pass, byId.get(desktop.experimentId()), desktop, "member removed from the experiment");
                }
            }
            recordStateGauges();
            recordGpuGauges(pass);
            // No calendar this pass means no GPU desktop was waiting for one.
            metrics.gpuDesktopsAtRisk(pass.gpus.calendarIfMade().map(GpuCalendar::atRisk).orElse(0));
            succeeded = true;
        } finally {
            double seconds = (System.nanoTime() - started) / 1e9;
            metrics.reconcilePass(succeeded, seconds);
        }
        PassReport report = new PassReport(pass.actions, seen, Duration.ofNanos(System.nanoTime() - started));
        if (!report.changedNothing()) {
            LOG.info("Reconcile pass: {} desktops, actions {} in {} ms", seen, report.actions(),
                    report.duration().toMillis());
        }
        return report;
    }

    /**
     * The desktops' security group with exactly the wanted rules, each change in the audit log.
     * While the cloud refuses, no desktop is created (each is held, saying why) and the others'
     * steps go on.
     */
    private void ensureSecurityGroup(Pass pass) {
        String subject = "security-group/" + firewall.groupName();
        try {
            DesktopFirewall.Outcome outcome = firewall.ensure();
            pass.securityGroupId = outcome.groupId();
            if (!outcome.changedNothing()) {
                database.inTransaction(c -> {
                    if (outcome.created()) {
                        audit.record(c, pass.now, settings.agentId(), "firewall.group.create", subject,
                                "id=" + outcome.groupId());
                    }
                    for (String rule : outcome.added()) {
                        audit.record(c, pass.now, settings.agentId(), "firewall.rule.add", subject, rule);
                    }
                    for (String rule : outcome.removed()) {
                        audit.record(c, pass.now, settings.agentId(), "firewall.rule.remove", subject, rule);
                    }
                    return null;
                });
                LOG.info("Security group {}: {}{}{}", firewall.groupName(), outcome.created() ? "created; " : "",
                        outcome.added().isEmpty() ? "" : "added " + outcome.added() + " ",
                        outcome.removed().isEmpty() ? "" : "removed " + outcome.removed());
                outcome.added().forEach(rule -> pass.did("firewall-rule-add"));
                outcome.removed().forEach(rule -> pass.did("firewall-rule-remove"));
            }
            if (securityGroupProblem != null) {
                LOG.info("Security group {} is as wanted again", firewall.groupName());
                securityGroupProblem = null;
            }
        } catch (CloudException e) {
            pass.securityGroupProblem = "the security group " + firewall.groupName() + " cannot be made as wanted ("
                    + e.getMessage() + "); no desktop is created without it";
            if (!pass.securityGroupProblem.equals(securityGroupProblem)) {
                LOG.warn("{}", LogSafe.message(pass.securityGroupProblem));
                securityGroupProblem = pass.securityGroupProblem;
            }
            pass.did("cloud-error");
        }
    }

    /** Puts an existing desktop VM into the desktops' group (and out of default) in place, recorded. */
    private void secure(Pass pass, Desktop desktop, CloudServer server) {
        if (pass.securityGroupId == null || firewall.isSecured(server) || server.state() == ServerState.BUILDING
                || server.state() == ServerState.ERROR || server.state() == ServerState.DELETED) {
            return;
        }
        List<String> changes = firewall.secure(server, pass.securityGroupId);
        database.inTransaction(c -> {
            audit.record(c, pass.now, settings.agentId(), "desktop.secure",
                    "desktop/" + desktop.proposalId() + "/" + desktop.username(),
                    "server=" + server.id() + " " + String.join(", ", changes));
            return null;
        });
        LOG.info("Desktop {} of {}: {}", server.id(), desktop.username(), String.join(", ", changes));
        pass.did("secure");
    }

    /** The last Placement reading, shared between passes for outlooks and the GPU gauges. */
    private final PassGpus.Recent recentGpus = new PassGpus.Recent();

    /** GPUs free per host for the metrics endpoint; as this pass left them. */
    private void recordGpuGauges(Pass pass) {
        try {
            pass.gpus.refreshGauges();
        } catch (CloudException e) {
            LOG.debug("Could not read the GPU inventory for the metrics: {}", e.getMessage());
        }
    }

    private void recordStateGauges() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (DesktopState state : DesktopState.values()) {
            counts.put(state.name(), 0);
        }
        for (Desktop desktop : database.inTransaction(c -> desktops.list(c, DesktopRepository.Filter.all()))) {
            counts.merge(desktop.state().name(), 1, Integer::sum);
        }
        metrics.desktopsByState(counts);
    }

    private void reconcileMember(Pass pass, Experiment experiment, String member) {
        try {
            Phase phase = Phase.at(experiment, pass.now, settings.startLeadTime(), settings.retention());
            Desktop desktop = ensureRow(pass, experiment, member);
            announce(pass, experiment, desktop, phase);
            switch (phase) {
                case NOT_YET -> waitForWindow(pass, experiment, desktop);
                case RUNNING -> ensureRunning(pass, experiment, desktop);
                case SHELVED -> ensureShelved(pass, experiment, desktop);
                case DELETED -> removeDesktop(pass, experiment, desktop, "retention period over");
            }
        } catch (CloudException e) {
            // One desktop's failure does not stop the others; the next pass tries again.
            LOG.warn("Desktop of {} for experiment {}: {}", member, experiment.proposalId(), LogSafe.message(e.getMessage()));
            pass.did("cloud-error");
        }
    }

    private Desktop ensureRow(Pass pass, Experiment experiment, String member) {
        Optional<Desktop> existing = database.inTransaction(c -> desktops.find(c, experiment.id(), member));
        if (existing.isPresent()) {
            return existing.get();
        }
        String serverName = ServerNaming.serverName(experiment.beamline(), experiment.proposalId(), member);
        try {
            database.inTransaction(c -> {
                desktops.insert(c, experiment.id(), member, serverName, experiment.desktop().gpus(), pass.now);
                audit.record(c, pass.now, settings.agentId(), "desktop.plan", subject(experiment, member),
                        "server=" + serverName);
                return null;
            });
            pass.did("plan");
        } catch (ConflictException e) {
            LOG.debug("Another agent planned the desktop of {} for {} first", member, experiment.proposalId());
        }
        return database.inTransaction(c -> desktops.find(c, experiment.id(), member)).orElseThrow();
    }

    private static String subject(Experiment experiment, String member) {
        return "desktop/" + experiment.proposalId() + "/" + member;
    }

    private void announce(Pass pass, Experiment experiment, Desktop desktop, Phase phase) {
        Instant start = Phase.startOf(experiment, settings.startLeadTime());
        Instant delete = Phase.deleteOf(experiment, settings.retention());
        Map<Notifier.Kind, Instant> due = new EnumMap<>(Notifier.Kind.class);
        due.put(Notifier.Kind.start, start);
        due.put(Notifier.Kind.shelve, experiment.endsAt());
        due.put(Notifier.Kind.delete, delete);
        for (Map.Entry<Notifier.Kind, Instant> entry : due.entrySet()) {
            Instant at = entry.getValue();
            boolean inNoticeWindow = !pass.now.isBefore(at.minus(settings.notifyAhead()));
            boolean stillAhead = pass.now.isBefore(at.plus(settings.notifyAhead()));
            if (!inNoticeWindow || !stillAhead || desktop.state() == DesktopState.DELETED) {
                continue;
            }
            notifyOnce(pass, experiment, desktop, entry.getKey(), at, null);
        }
    }

    /** Sends one notice per desktop, kind and due time; a failed webhook is tried again next pass. */
    private void notifyOnce(Pass pass, Experiment experiment, Desktop desktop, Notifier.Kind kind, Instant at,
            String detail) {
        boolean alreadySent = database.inTransaction(c -> desktops.wasNotified(c, desktop.id(), kind.name(), at));
        if (alreadySent) {
            return;
        }
        Notifier.Notice notice = new Notifier.Notice(kind, at, experiment.proposalId(), experiment.beamline(),
                desktop.username(), desktop.serverName(), desktop.serverId(), detail);
        if (notifier.send(notice)) {
            database.inTransaction(c -> {
                if (desktops.markNotified(c, desktop.id(), kind.name(), at, pass.now)) {
                    audit.record(c, pass.now, settings.agentId(), "desktop.notify." + kind.name(),
                            subject(experiment, desktop.username()), "due=" + at);
                }
                return null;
            });
            pass.did("notify-" + kind.name());
        }
    }

    private void waitForWindow(Pass pass, Experiment experiment, Desktop desktop) {
        String reason = "window opens at " + experiment.startsAt() + "; desktop is created from "
                + Phase.startOf(experiment, settings.startLeadTime());
        if (experiment.desktop().gpus() > 0 && desktop.state() == DesktopState.PENDING) {
            try {
                String resourceClass = resourceClass(pass);
                if (resourceClass != null) {
                    String outlook = pass.gpus.calendar(resourceClass, false).outlook(gpuKey(experiment, desktop.username()));
                    reason += "; " + outlook;
                    if (outlook.startsWith(GpuCalendar.AT_RISK)) {
                        notifyOnce(pass, experiment, desktop, Notifier.Kind.gpu_at_risk,
                                Phase.startOf(experiment, settings.startLeadTime()), outlook);
                    }
                }
            } catch (CloudException e) {
                // The outlook waits for Placement; the last one recorded stays until then.
                LOG.debug("No GPU outlook for {} this pass: {}", desktop.serverName(), e.getMessage());
                return;
            }
        }
        if (desktop.state() == DesktopState.PENDING && !reason.equals(desktop.reason())) {
            update(pass, desktops.update(desktop.id()).reason(reason));
        }
    }

    private void ensureRunning(Pass pass, Experiment experiment, Desktop desktop) {
        if (desktop.serverId() != null) {
            CloudServer server = pass.serversById.get(desktop.serverId());
            if (server == null) {
                server = cloud.findServer(desktop.serverId()).orElse(null);
            }
            if (server == null || server.state() == ServerState.DELETED) {
                // Deleted behind our back (or by an operator): plan a new one.
                database.inTransaction(c -> {
                    desktops.update(desktop.id()).serverId(null).state(DesktopState.PENDING).cloudState(null)
                            .host(null).address(null).reason("the VM " + desktop.serverId() + " disappeared")
                            .execute(c, pass.now);
                    audit.record(c, pass.now, settings.agentId(), "desktop.lost", subject(experiment, desktop.username()),
                            "server=" + desktop.serverId());
                    return null;
                });
                pass.did("lost");
                createOrAdopt(pass, experiment, reload(desktop));
                return;
            }
            secure(pass, desktop, server);
            keepAccessCurrent(pass, experiment, desktop, server);
            if (desktop.state() == DesktopState.SHELVED_IDLE) {
                watchIdleShelved(pass, experiment, desktop, server);
                return;
            }
            if (desktop.state() == DesktopState.SHELVED
                    && (server.state() == ServerState.SHELVED || server.state() == ServerState.SHELVED_OFFLOADED)) {
                // The window was extended after the desktop was shelved.
                cloud.unshelveServer(server.id());
                recordAction(pass, experiment, desktop, "unshelve", DesktopState.RUNNING, server, null);
                update(pass, desktops.update(desktop.id()).awakeSince(pass.now));
                return;
            }
            observe(pass, desktop, server);
            reclaimIfIdle(pass, experiment, desktop, server);
            return;
        }
        createOrAdopt(pass, experiment, desktop);
    }

    private static boolean shelved(ServerState state) {
        return state == ServerState.SHELVED || state == ServerState.SHELVED_OFFLOADED;
    }

    /**
     * Shelves a running desktop nobody has used for its idle limit ({@link IdlePolicy#judge}):
     * never one with a connection open, never while a Guacamole node is silent, and only at the
     * pass after the one that found it due, once every node has reported again.
     */
    private void reclaimIfIdle(Pass pass, Experiment experiment, Desktop desktop, CloudServer server) {
        if (server.state() != ServerState.ACTIVE && server.state() != ServerState.SHUTOFF) {
            return;
        }
        IdlePolicy policy = experiment.idlePolicy(settings.idle());
        if (policy.shelveAfter().isEmpty()) {
            return;
        }
        Desktop current = reload(desktop);
        if (current.state() != DesktopState.RUNNING) {
            return;
        }
        DesktopRepository.IdleClock idleClock = database.inTransaction(c -> desktops.idleClock(c, current.id()));
        if (idleClock.awakeSince() == null) {
            // Running since before this agent kept the time: a whole idle limit from now.
            database.inTransaction(c -> desktops.update(current.id()).awakeSince(pass.now).execute(c, pass.now));
            return;
        }
        IdleVerdict verdict = policy.judge(current.activity(), reportsCompleteAt(pass), idleClock.awakeSince(),
                idleClock.idleDueSince(), pass.now);
        if (verdict instanceof IdleVerdict.Keep) {
            if (idleClock.idleDueSince() != null) {
                update(pass, desktops.update(current.id()).idleDueSince(null));
            }
        } else if (verdict instanceof IdleVerdict.Due due) {
            if (!due.dueSince().equals(idleClock.idleDueSince())) {
                update(pass, desktops.update(current.id()).idleDueSince(due.dueSince()));
                pass.did("idle-due");
            }
        } else if (verdict instanceof IdleVerdict.Shelve shelve) {
            cloud.shelveServer(server.id());
            String reason = "shelved at " + pass.now + ": " + shelve.reason() + "; the disk is kept, what was not "
                    + "saved is lost; the next login wakes it";
            database.inTransaction(c -> {
                desktops.update(current.id()).state(DesktopState.SHELVED_IDLE).cloudState(server.state().name())
                        .reason(reason).idleDueSince(null).execute(c, pass.now);
                audit.record(c, pass.now, settings.agentId(), "desktop.shelve.idle",
                        subject(experiment, current.username()), "server=" + server.id() + " " + shelve.reason());
                return null;
            });
            LOG.info("Shelved the desktop of {} for {}: {}", current.username(), experiment.proposalId(),
                    shelve.reason());
            pass.did("idle-shelve");
        }
    }

    /**
     * A desktop shelved for want of use stays shelved until a login wakes it (the VM resolver
     * unshelves it); once Nova shows it running again it is RUNNING, awake from now.
     */
    private void watchIdleShelved(Pass pass, Experiment experiment, Desktop desktop, CloudServer server) {
        boolean wasShelved = ServerState.SHELVED.name().equals(desktop.cloudState())
                || ServerState.SHELVED_OFFLOADED.name().equals(desktop.cloudState());
        if (server.state() == ServerState.ERROR) {
            observe(pass, desktop, server);
        } else if (shelved(server.state()) && windowOnVmEnded(server, pass.now)) {
            // The window was extended while Nova held the VM shelved, where its metadata cannot be
            // written: the VM still says the old end, so the resolver would wake it for nobody.
            // Woken now, it gets the new end at the next pass; its idle limit shelves it again.
            cloud.unshelveServer(server.id());
            database.inTransaction(c -> {
                desktops.update(desktop.id()).state(DesktopState.RUNNING).cloudState(server.state().name()).reason(null)
                        .awakeSince(pass.now).idleDueSince(null).execute(c, pass.now);
                audit.record(c, pass.now, settings.agentId(), "desktop.wake", subject(experiment, desktop.username()),
                        "server=" + server.id() + " the window was extended to " + experiment.endsAt()
                                + " while it was shelved; woken to write the new end");
                return null;
            });
            LOG.info("Woke the idle-shelved desktop of {} for {}: its window was extended while it was shelved",
                    desktop.username(), experiment.proposalId());
            pass.did("window-wake");
        } else if (shelved(server.state())) {
            if (!server.state().name().equals(desktop.cloudState())) {
                update(pass, desktops.update(desktop.id()).cloudState(server.state().name()));
                pass.did("observe");
            }
        } else if (wasShelved) {
            String address = server.fixedAddressOn(settings.vmNetwork()).orElse(server.floatingAddress());
            database.inTransaction(c -> {
                desktops.update(desktop.id()).state(DesktopState.RUNNING).cloudState(server.state().name())
                        .host(server.host() != null ? server.host() : desktop.host()).address(address).reason(null)
                        .awakeSince(pass.now).idleDueSince(null).execute(c, pass.now);
                audit.record(c, pass.now, settings.agentId(), "desktop.wake", subject(experiment, desktop.username()),
                        "server=" + server.id() + " woken by a login");
                return null;
            });
            pass.did("wake");
        } else if (desktop.updatedAt() != null && desktop.updatedAt().plus(SHELVE_GIVEN_UP_AFTER).isBefore(pass.now)) {
            // Nova never got to shelving it: it runs, and holds its GPUs, as before.
            update(pass, desktops.update(desktop.id()).state(DesktopState.RUNNING).cloudState(server.state().name())
                    .reason(null).awakeSince(pass.now));
            LOG.warn("The idle shelve of {} did not complete within {}; it counts as running again", server.id(),
                    SHELVE_GIVEN_UP_AFTER);
            pass.did("idle-shelve-lost");
        }
    }

    /** Whether the end the VM carries ({@code heps.expires}) has passed; the experiment's own end is later. */
    private static boolean windowOnVmEnded(CloudServer server, Instant now) {
        String onVm = server.metadata().get(DesktopMetadata.EXPIRES);
        if (onVm == null) {
            return false;
        }
        try {
            return !now.isBefore(Instant.parse(onVm));
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /**
     * Every Guacamole node that reports has reported at or after this instant; null while idle
     * shelving must wait: no node reports, one has gone silent for {@code idle-report-timeout},
     * or one could not list all it holds.
     */
    private Instant reportsCompleteAt(Pass pass) {
        if (pass.reportsRead) {
            return pass.reportsCompleteAt;
        }
        pass.reportsRead = true;
        List<String> forgotten = new java.util.ArrayList<>();
        List<ActivityRepository.Node> nodes = database.inTransaction(c -> {
            for (String node : activity.forgetNodesSilentSince(c, pass.now.minus(NODE_FORGOTTEN_AFTER))) {
                forgotten.add(node);
                audit.record(c, pass.now, settings.agentId(), "activity.node.forget", "node/" + node,
                        "no report for " + NODE_FORGOTTEN_AFTER);
            }
            return activity.nodes(c);
        });
        forgotten.forEach(node -> LOG.warn("Guacamole node {} has not reported desktop activity for {}: forgotten, "
                + "with the connections it last reported", node, NODE_FORGOTTEN_AFTER));
        String pause = null;
        Instant oldest = null;
        if (nodes.isEmpty()) {
            pause = "no Guacamole node reports desktop activity (set heps-agent-url and heps-agent-token)";
        }
        for (ActivityRepository.Node node : nodes) {
            if (!node.complete()) {
                pause = "Guacamole node " + node.node() + " could not list all its connections";
            } else if (node.reportedAt().plus(settings.idleReportTimeout()).isBefore(pass.now)) {
                pause = "Guacamole node " + node.node() + " has not reported since " + node.reportedAt();
            } else if (oldest == null || node.reportedAt().isBefore(oldest)) {
                oldest = node.reportedAt();
            }
        }
        if (!java.util.Objects.equals(pause, idlePause)) {
            if (pause != null) {
                LOG.warn("Idle shelving is paused: {}", pause);
            } else {
                LOG.info("Idle shelving runs again: every Guacamole node reports");
            }
            idlePause = pause;
        }
        pass.reportsCompleteAt = pause == null ? oldest : null;
        return pass.reportsCompleteAt;
    }

    private Desktop reload(Desktop desktop) {
        return database.inTransaction(c -> desktops.findById(c, desktop.id())).orElseThrow();
    }

    /** Records what Nova says about a VM the agent already owns, when it changed. */
    private void observe(Pass pass, Desktop desktop, CloudServer server) {
        DesktopState state = desktop.state();
        String reason = desktop.reason();
        if (server.state() == ServerState.ERROR) {
            state = DesktopState.FAILED;
            reason = "Nova reports ERROR for " + server.id() + ": see 'openstack server show " + server.id()
                    + "'; 'heps desktops delete' makes the next pass create a new one";
        } else if (server.state() == ServerState.BUILDING) {
            state = DesktopState.CREATING;
        } else if (desktop.state() == DesktopState.CREATING || desktop.state() == DesktopState.FAILED
                || desktop.state() == DesktopState.PENDING || desktop.state() == DesktopState.HELD) {
            state = DesktopState.RUNNING;
            reason = null;
        }
        String address = server.fixedAddressOn(settings.vmNetwork()).orElse(server.floatingAddress());
        String host = server.host() != null ? server.host() : desktop.host();
        if (state != desktop.state() || !server.state().name().equals(desktop.cloudState())
                || !java.util.Objects.equals(address, desktop.address()) || !java.util.Objects.equals(host, desktop.host())
                || !java.util.Objects.equals(reason, desktop.reason())) {
            update(pass, desktops.update(desktop.id()).state(state).cloudState(server.state().name())
                    .address(address).host(host).reason(reason));
            pass.did("observe");
        }
    }

    private void update(Pass pass, DesktopRepository.Update update) {
        database.inTransaction(c -> update.execute(c, pass.now));
    }

    private Optional<CloudServer> findByTags(Pass pass, Experiment experiment, String member) {
        List<CloudServer> matches = cloud.listServers(new ServerQuery(
                        Set.of(DesktopTags.DESKTOP, DesktopTags.owner(member)), Set.of())).stream()
                .filter(server -> experiment.proposalId().equals(server.metadata().get(DesktopMetadata.EXPERIMENT)))
                .filter(server -> server.state() != ServerState.DELETED)
                .toList();
        if (matches.size() > 1) {
            LOG.warn("{} VMs carry the tags of {}'s desktop for {}: {}; adopting the oldest",
                    matches.size(), member, experiment.proposalId(), matches.stream().map(CloudServer::id).toList());
        }
        return matches.stream().min(java.util.Comparator.comparing(
                (CloudServer s) -> s.created() == null ? Instant.EPOCH : s.created()));
    }

    private void createOrAdopt(Pass pass, Experiment experiment, Desktop desktop) {
        Instant until = pass.now.plus(settings.claimDuration());
        boolean claimed = database.inTransaction(c -> desktops.claim(c, desktop.id(), settings.agentId(), pass.now, until));
        if (!claimed) {
            LOG.debug("Desktop {} is being created by another agent", desktop.serverName());
            return;
        }
        Desktop current = reload(desktop);
        if (current.serverId() != null) {
            return; // Another agent finished between our read and our claim.
        }
        Optional<CloudServer> orphan = findByTags(pass, experiment, desktop.username());
        if (orphan.isPresent()) {
            recordAction(pass, experiment, current, "adopt", DesktopState.CREATING, orphan.get(), null);
            observe(pass, reload(current), orphan.get());
            return;
        }
        Optional<CloudImage> image = images.currentImage(experiment.beamline());
        if (image.isEmpty()) {
            hold(pass, current, "no active image for beamline " + experiment.beamline()
                    + " in Glance (an image with heps_beamline=" + experiment.beamline() + "); build one with 'heps images'");
            return;
        }
        if (pass.securityGroupId == null) {
            hold(pass, current, pass.securityGroupProblem);
            return;
        }
        if (pass.creates >= settings.maxCreatesPerPass()) {
            // A flood of members (or of experiments) reaches Nova at a bounded pace: the next pass goes on.
            pass.did("create-deferred");
            return;
        }
        CloudFlavor flavor = cloud.findFlavor(experiment.desktop().flavor()).orElse(null);
        if (flavor == null) {
            hold(pass, current, "flavor " + experiment.desktop().flavor() + " no longer exists in Nova; "
                    + "update the experiment's desktop.flavor");
            return;
        }
        String targetHost = null;
        String resourceClass = null;
        if (flavor.gpuCount() > 0) {
            resourceClass = resourceClass(pass);
            if (resourceClass == null) {
                hold(pass, current, "cannot tell which Placement resource class holds the GPUs: set gpu-resource-class");
                return;
            }
            PlacementDecision decision = pass.gpus.calendar(resourceClass, true)
                    .decide(gpuKey(experiment, current.username()), pass.gpus.inventory());
            if (decision instanceof PlacementDecision.Hold held) {
                hold(pass, current, held.reason());
                return;
            }
            targetHost = ((PlacementDecision.Place) decision).host();
        }
        String os = experiment.desktop().os();
        DesktopProtocol protocol = DesktopProtocol.choose(
                image.get().property(ImageProperties.OS_TYPE).orElse(os), experiment.desktop().protocol());
        // A desktop that joins the domain gets its computer account with a one-time password now,
        // kept sealed with the desktop until its guest fetches it at enrollment.
        byte[] joinPassword = null;
        if (computers.isPresent()) {
            String computerName = ServerNaming.computerName(experiment.proposalId(), current.username());
            try {
                joinPassword = computers.get().prestage(current.id(), computerName);
            } catch (DirectoryException e) {
                hold(pass, current, "cannot pre-stage the computer account " + computerName + " in AD: "
                        + e.getMessage() + " (retried every pass)");
                return;
            }
        }
        // The token's hash is committed before the boot request, so an adopted VM can still enroll.
        String token = protocol == DesktopProtocol.VNC || joinPassword != null ? EnrollmentService.newToken() : null;
        // A new VM enrolls anew: one made again after the last was lost must not find it done.
        update(pass, desktops.update(current.id()).state(DesktopState.CREATING).enrolledAt(null)
                .enrollmentTokenHash(token == null ? null : EnrollmentService.hash(token)).joinPassword(joinPassword)
                .imageId(image.get().id()).flavorId(flavor.id()).host(targetHost).reason(null));
        ServerRequest request = new ServerRequest(current.serverName(), image.get().id(), flavor.id(),
                settings.vmNetwork(), tags(experiment, current.username(), pass.namedUsers.getOrDefault(current.id(), List.of())),
                metadata(experiment, protocol, image.get()),
                userData.render(new UserDataRenderer.Values(os, current.serverName(),
                        ServerNaming.hostname(os, joinPassword != null, experiment.beamline(), experiment.proposalId(), current.username()),
                        experiment.beamline(), experiment.proposalId(), current.username(), protocol.wireName(),
                        settings.agentUrl(), token, settings.adDomain(), settings.adComputerOu(),
                        settings.storageMounts())),
                targetHost, List.of(pass.securityGroupId));
        CloudServer created;
        try {
            created = cloud.createServer(request);
        } catch (CloudException e) {
            // If Nova did boot it after all, the next pass adopts it by its tags.
            database.inTransaction(c -> {
                desktops.update(current.id()).state(DesktopState.FAILED)
                        .reason("Nova refused the boot request: " + e.getMessage() + " (retried every pass)")
                        .execute(c, pass.now);
                desktops.releaseClaim(c, current.id(), settings.agentId());
                return null;
            });
            throw e;
        }
        pass.creates++;
        Failpoint.AFTER_BOOT_REQUEST.reach();
        if (targetHost != null) {
            pass.gpus.consume(targetHost, resourceClass, flavor.gpuCount());
        }
        recordAction(pass, experiment, current, "create", DesktopState.CREATING, created,
                "image=" + image.get().id() + " flavor=" + flavor.name()
                        + (targetHost == null ? "" : " host=" + targetHost + " gpus=" + flavor.gpuCount()));
    }

    private static String gpuKey(Experiment experiment, String member) {
        return GpuBookings.key(experiment, member);
    }

    private GpuCalendar planGpus(Pass pass, String resourceClass, List<GpuInventory> inventory) {
        List<Desktop> rows = database.inTransaction(c -> desktops.list(c, DesktopRepository.Filter.all()));
        return GpuBookings.plan(resourceClass, inventory, pass.experiments, rows, settings.startLeadTime(), pass.now);
    }

    private String resourceClass(Pass pass) {
        return GpuBookings.resourceClass(settings.gpuResourceClass(), pass.gpus.recentInventory()).orElse(null);
    }

    /**
     * Who may open a member's desktop (CONTRACTS §2): its owner, its named users, and the
     * experiment group only when the experiment asked for desktops open to it.
     */
    static Set<String> tags(Experiment experiment, String member, Collection<String> namedUsers) {
        Set<String> tags = new TreeSet<>();
        tags.add(DesktopTags.DESKTOP);
        tags.add(DesktopTags.owner(member));
        if (experiment.desktop().access() == DesktopAccess.experiment) {
            tags.add(DesktopTags.group(experiment.group()));
        }
        for (String user : namedUsers) {
            if (!user.equals(member)) {
                tags.add(DesktopTags.user(user));
            }
        }
        return tags;
    }

    private static boolean grantsAccess(String tag) {
        return tag.equals(DesktopTags.DESKTOP) || DesktopTags.ownerOf(tag).isPresent()
                || DesktopTags.userOf(tag).isPresent() || DesktopTags.groupOf(tag).isPresent();
    }

    /**
     * Brings a VM's access tags and its window ({@code heps.expires}) in line with the
     * experiment, its access and the desktop's named users: a running VM is retagged in place,
     * never recreated. Tags that grant nothing (an operator's own) stay. Nova changes neither
     * tags nor metadata of a shelved or building VM: those are brought up to date the first pass
     * that finds them running or stopped (the VM resolver wakes a desktop for its owner only, so
     * a grant taken away while it was shelved opens it for nobody else). A refusal is logged and
     * retried next pass; the desktop's other steps go on.
     */
    private void keepAccessCurrent(Pass pass, Experiment experiment, Desktop desktop, CloudServer server) {
        if (!ADJUSTABLE.contains(server.state())) {
            return;
        }
        Set<String> wanted = tags(experiment, desktop.username(), pass.namedUsers.getOrDefault(desktop.id(), List.of()));
        Set<String> retagged = new TreeSet<>(wanted);
        server.tags().stream().filter(tag -> !grantsAccess(tag)).forEach(retagged::add);
        String expires = experiment.endsAt().toString();
        try {
            if (!retagged.equals(server.tags())) {
                cloud.setServerTags(server.id(), retagged);
                Set<String> added = new TreeSet<>(retagged);
                added.removeAll(server.tags());
                Set<String> removed = new TreeSet<>(server.tags());
                removed.removeAll(retagged);
                database.inTransaction(c -> {
                    audit.record(c, pass.now, settings.agentId(), "desktop.retag", subject(experiment, desktop.username()),
                            "server=" + server.id() + " added=" + added + " removed=" + removed);
                    return null;
                });
                LOG.info("Retagged the desktop of {} for {} ({}): added {}, removed {}", desktop.username(),
                        experiment.proposalId(), server.id(), added, removed);
                pass.did("retag");
            }
            if (!expires.equals(server.metadata().get(DesktopMetadata.EXPIRES))) {
                cloud.setServerMetadata(server.id(), Map.of(DesktopMetadata.EXPIRES, expires));
                database.inTransaction(c -> {
                    audit.record(c, pass.now, settings.agentId(), "desktop.window", subject(experiment, desktop.username()),
                            "server=" + server.id() + " " + DesktopMetadata.EXPIRES + "=" + expires
                                    + " (was " + server.metadata().get(DesktopMetadata.EXPIRES) + ")");
                    return null;
                });
                pass.did("window");
            }
        } catch (CloudNotFoundException gone) {
            LOG.debug("VM {} went away while its access was brought up to date", server.id());
        } catch (CloudException e) {
            LOG.warn("Could not bring the access of {} ({}) up to date: {}; retried next pass", server.id(),
                    desktop.username(), LogSafe.message(e.getMessage()));
            pass.did("retag-failed");
        }
    }

    static Map<String, String> metadata(Experiment experiment, DesktopProtocol protocol, CloudImage image) {
        Map<String, String> metadata = new HashMap<>();
        metadata.put(DesktopMetadata.BEAMLINE, experiment.beamline());
        metadata.put(DesktopMetadata.PROTOCOL, protocol.wireName());
        metadata.put(DesktopMetadata.EXPERIMENT, experiment.proposalId());
        metadata.put(DesktopMetadata.EXPIRES, experiment.endsAt().toString());
        String recipe = image.property(ImageProperties.RECIPE).orElse(image.name());
        metadata.put(DesktopMetadata.IMAGE_RECIPE,
                image.property(ImageProperties.RECIPE_VERSION).map(v -> recipe + "@" + v).orElse(recipe));
        return metadata;
    }

    private void hold(Pass pass, Desktop desktop, String reason) {
        database.inTransaction(c -> {
            boolean changed = desktop.state() != DesktopState.HELD || !reason.equals(desktop.reason());
            desktops.update(desktop.id()).state(DesktopState.HELD).reason(reason).execute(c, pass.now);
            desktops.releaseClaim(c, desktop.id(), settings.agentId());
            if (changed) {
                audit.record(c, pass.now, settings.agentId(), "desktop.hold",
                        "desktop/" + desktop.proposalId() + "/" + desktop.username(), reason);
            }
            return null;
        });
        if (desktop.state() != DesktopState.HELD || !reason.equals(desktop.reason())) {
            LOG.info("Holding the desktop of {} for {}: {}", desktop.username(), desktop.proposalId(), reason);
            pass.did("hold");
        }
    }

    private void recordAction(Pass pass, Experiment experiment, Desktop desktop, String action, DesktopState state,
            CloudServer server, String detail) {
        database.inTransaction(c -> {
            DesktopRepository.Update update = desktops.update(desktop.id()).state(state).serverId(server.id())
                    .cloudState(server.state().name());
            if (server.host() != null) {
                update.host(server.host());
            }
            server.fixedAddressOn(settings.vmNetwork()).ifPresent(update::address);
            update.execute(c, pass.now);
            desktops.releaseClaim(c, desktop.id(), settings.agentId());
            audit.record(c, pass.now, settings.agentId(), "desktop." + action, subject(experiment, desktop.username()),
                    "server=" + server.id() + (detail == null ? "" : " " + detail));
            return null;
        });
        pass.serversById.put(server.id(), server);
        pass.did(action);
    }

    private void ensureShelved(Pass pass, Experiment experiment, Desktop desktop) {
        if (desktop.state() == DesktopState.DELETED) {
            return; // Deleted by an operator after the window: stays deleted.
        }
        if (desktop.serverId() == null) {
            if (desktop.state() != DesktopState.SHELVED) {
                update(pass, desktops.update(desktop.id()).state(DesktopState.SHELVED)
                        .reason("the window ended before a VM was created"));
                pass.did("shelve");
            }
            return;
        }
        CloudServer server = pass.serversById.get(desktop.serverId());
        if (server == null) {
            server = cloud.findServer(desktop.serverId()).orElse(null);
        }
        if (server == null) {
            update(pass, desktops.update(desktop.id()).state(DesktopState.DELETED).reason("the VM disappeared"));
            pass.did("lost");
            return;
        }
        secure(pass, desktop, server);
        keepAccessCurrent(pass, experiment, desktop, server);
        if (server.state() == ServerState.SHELVED || server.state() == ServerState.SHELVED_OFFLOADED) {
            if (desktop.state() != DesktopState.SHELVED || !server.state().name().equals(desktop.cloudState())) {
                update(pass, desktops.update(desktop.id()).state(DesktopState.SHELVED).cloudState(server.state().name()));
                pass.did("observe");
            }
            return;
        }
        if (server.state() == ServerState.BUILDING) {
            return; // Shelve once it has finished building.
        }
        cloud.shelveServer(server.id());
        recordAction(pass, experiment, desktop, "shelve", DesktopState.SHELVED, server, "window ended");
    }

    private void removeDesktop(Pass pass, Experiment experiment, Desktop desktop, String why) {
        if (desktop.state() == DesktopState.DELETED) {
            return;
        }
        if (desktop.serverId() != null) {
            try {
                cloud.deleteServer(desktop.serverId());
            } catch (CloudNotFoundException gone) {
                LOG.debug("VM {} was already gone", desktop.serverId());
            }
        } else if (experiment != null) {
            // A VM created by a pass that died before recording it.
            Optional<CloudServer> orphan = findByTags(pass, experiment, desktop.username());
            if (orphan.isPresent()) {
                cloud.deleteServer(orphan.get().id());
            }
        }
        database.inTransaction(c -> {
            desktops.update(desktop.id()).state(DesktopState.DELETED).reason(why).cloudState("DELETED")
                    .execute(c, pass.now);
            audit.record(c, pass.now, settings.agentId(), "desktop.delete",
                    "desktop/" + desktop.proposalId() + "/" + desktop.username(),
                    "server=" + desktop.serverId() + " " + why);
            return null;
        });
        pass.did("delete");
    }
}
