package cn.ac.ihep.heps.agent.desktop;

import cn.ac.ihep.heps.agent.experiment.Experiment;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.common.cloud.CloudNotFoundException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What an operator does to one desktop by hand: start, stop, restart, shelve, delete; and what
 * its owner may do through the portal (start, stop, restart: {@link #applyFor}). Each action
 * is audited. The reconcile loop leaves a stopped or shelved desktop alone during its
 * window (the VM resolver starts it when its owner connects); a deleted desktop whose
 * window is still open is created again by the next pass, which is how an operator
 * replaces a broken VM.
 */
public final class DesktopService {
    /** What an owner may do to their own desktop; shelving and deleting stay with operators. */
    public static final Set<Action> SELF_SERVICE = Set.of(Action.start, Action.stop, Action.restart);

    private final Database database;
    private final DesktopRepository desktops;
    private final ExperimentRepository experiments;
    private final AuditLog audit;
    private final CloudProvider cloud;
    private final Clock clock;

    public DesktopService(Database database, DesktopRepository desktops, ExperimentRepository experiments,
            AuditLog audit, CloudProvider cloud, Clock clock) {
        this.database = database;
        this.desktops = desktops;
        this.experiments = experiments;
        this.audit = audit;
        this.cloud = cloud;
        this.clock = clock;
    }

    public List<Desktop> list(DesktopRepository.Filter filter) {
        return database.inTransaction(c -> desktops.list(c, filter));
    }

    /** By server id, server name, or {@code <proposal>/<user>}. */
    public Optional<Desktop> find(String reference) {
        return database.inTransaction(c -> desktops.findByReference(c, reference));
    }

    /** {@code restart}: a soft reboot of a running VM; a stopped or shelved one is started instead. */
    public enum Action { start, stop, restart, shelve, delete }

    /** Applies the action to the desktop's VM and returns the VM's state as Nova reports it afterwards. */
    public Optional<CloudServer> apply(Desktop desktop, Action action, String actor) {
        return perform(desktop, action, actor, "desktop." + action.name() + ".manual", "");
    }

    /**
     * The owner's own start, stop or restart, asked through the portal on their behalf: refused
     * unless {@code user} owns the desktop, and a start or restart refused once its beamtime
     * has ended (the agent would shelve it again at its next pass).
     *
     * @param via how the request came (the API caller), for the audit log
     */
    public Optional<CloudServer> applyFor(Desktop desktop, Action action, String user, String via) {
        if (!SELF_SERVICE.contains(action)) {
            throw new DesktopRequestRefused(DesktopRequestRefused.Reason.INVALID, "An owner may start, stop or restart "
                    + "their desktop, not " + action);
        }
        if (!desktop.username().equals(user)) {
            throw new DesktopRequestRefused(DesktopRequestRefused.Reason.FORBIDDEN, "'" + user + "' does not own the "
                    + "desktop " + desktop.reference() + ": only its owner may " + action + " it");
        }
        if (desktop.state() == DesktopState.DELETED || desktop.serverId() == null) {
            throw new DesktopRequestRefused(DesktopRequestRefused.Reason.CONFLICT, "The desktop " + desktop.reference()
                    + " has no VM now (state " + desktop.state() + ")");
        }
        if (action != Action.stop) {
            Instant ends = database.inTransaction(c -> experiments.find(c, desktop.proposalId()))
                    .map(Experiment::endsAt).orElse(null);
            if (ends != null && !clock.instant().isBefore(ends)) {
                throw new DesktopRequestRefused(DesktopRequestRefused.Reason.CONFLICT, "The beamtime of "
                        + desktop.proposalId() + " ended at " + ends + ": the desktop stays shelved unless the "
                        + "experiment's window is extended");
            }
        }
        return perform(desktop, action, user, "desktop." + action.name() + ".self", " via=" + via);
    }

    private Optional<CloudServer> perform(Desktop desktop, Action action, String actor, String auditAction,
            String auditDetail) {
        Instant now = clock.instant();
        String serverId = desktop.serverId();
        if (serverId == null && action != Action.delete) {
            throw new IllegalStateException("The desktop " + desktop.serverName() + " has no VM yet (state "
                    + desktop.state() + (desktop.reason() == null ? "" : ": " + desktop.reason()) + ")");
        }
        Optional<CloudServer> server = serverId == null ? Optional.empty() : cloud.findServer(serverId);
        switch (action) {
            case start -> server.ifPresent(this::wake);
            case restart -> server.ifPresent(s -> {
                if (s.state() == ServerState.ACTIVE) {
                    cloud.rebootServer(s.id());
                } else {
                    wake(s);
                }
            });
            case stop -> server.filter(s -> s.state() == ServerState.ACTIVE).ifPresent(s -> cloud.stopServer(s.id()));
            case shelve -> server.filter(s -> s.state() != ServerState.SHELVED && s.state() != ServerState.SHELVED_OFFLOADED)
                    .ifPresent(s -> cloud.shelveServer(s.id()));
            case delete -> server.ifPresent(s -> {
                try {
                    cloud.deleteServer(s.id());
                } catch (CloudNotFoundException gone) {
                    // Already gone is what we wanted.
                }
            });
        }
        database.inTransaction(c -> {
            DesktopRepository.Update update = desktops.update(desktop.id());
            if (action == Action.delete) {
                update.state(DesktopState.DELETED).reason("deleted by " + actor).cloudState("DELETED");
            } else if (action == Action.shelve) {
                update.state(DesktopState.SHELVED);
            } else if ((action == Action.start || action == Action.restart) && (desktop.state() == DesktopState.SHELVED
                    || desktop.state() == DesktopState.SHELVED_IDLE)) {
                // Started by hand: a whole idle limit from now before it may be shelved again.
                update.state(DesktopState.RUNNING).awakeSince(now).idleDueSince(null);
            }
            update.execute(c, now);
            audit.record(c, now, actor, auditAction, desktop.auditSubject(), "server=" + serverId + auditDetail);
            return null;
        });
        return serverId == null || action == Action.delete ? Optional.empty() : cloud.findServer(serverId);
    }

    /** Starts a stopped VM, unshelves a shelved one; one already running is left alone. */
    private void wake(CloudServer server) {
        if (server.state() == ServerState.SHELVED || server.state() == ServerState.SHELVED_OFFLOADED) {
            cloud.unshelveServer(server.id());
        } else if (server.state() == ServerState.SHUTOFF) {
            cloud.startServer(server.id());
        }
    }

    /**
     * Polls the VM until it reaches one of the states (or is gone, for {@code null} in the set),
     * reporting each observed state; returns the last observation.
     */
    public Optional<CloudServer> waitFor(String serverId, Set<ServerState> targets, Duration timeout,
            Consumer<String> progress) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        Optional<CloudServer> server = cloud.findServer(serverId);
        while (Instant.now().isBefore(deadline)) {
            if (server.isEmpty() ? targets.contains(ServerState.DELETED) : targets.contains(server.get().state())) {
                return server;
            }
            if (server.isPresent() && server.get().state() == ServerState.ERROR) {
                return server;
            }
            progress.accept("waiting for " + serverId + ": " + server.map(s -> s.state().name()).orElse("gone"));
            Thread.sleep(1000);
            server = cloud.findServer(serverId);
        }
        return server;
    }
}
