package cn.ac.ihep.heps.agent.desktop;

import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
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
 * What an operator does to one desktop by hand: start, stop, shelve, delete. Each action
 * is audited. The reconcile loop leaves a stopped or shelved desktop alone during its
 * window (the VM resolver starts it when its owner connects); a deleted desktop whose
 * window is still open is created again by the next pass, which is how an operator
 * replaces a broken VM.
 */
public final class DesktopService {
    private final Database database;
    private final DesktopRepository desktops;
    private final AuditLog audit;
    private final CloudProvider cloud;
    private final Clock clock;

    public DesktopService(Database database, DesktopRepository desktops, AuditLog audit, CloudProvider cloud,
            Clock clock) {
        this.database = database;
        this.desktops = desktops;
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

    public enum Action { start, stop, shelve, delete }

    /** Applies the action to the desktop's VM and returns the VM's state as Nova reports it afterwards. */
    public Optional<CloudServer> apply(Desktop desktop, Action action, String actor) {
        Instant now = clock.instant();
        String serverId = desktop.serverId();
        if (serverId == null && action != Action.delete) {
            throw new IllegalStateException("The desktop " + desktop.serverName() + " has no VM yet (state "
                    + desktop.state() + (desktop.reason() == null ? "" : ": " + desktop.reason()) + ")");
        }
        Optional<CloudServer> server = serverId == null ? Optional.empty() : cloud.findServer(serverId);
        switch (action) {
            case start -> server.ifPresent(s -> {
                if (s.state() == ServerState.SHELVED || s.state() == ServerState.SHELVED_OFFLOADED) {
                    cloud.unshelveServer(s.id());
                } else if (s.state() == ServerState.SHUTOFF) {
                    cloud.startServer(s.id());
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
            } else if (action == Action.start && (desktop.state() == DesktopState.SHELVED
                    || desktop.state() == DesktopState.SHELVED_IDLE)) {
                // Started by hand: a whole idle limit from now before it may be shelved again.
                update.state(DesktopState.RUNNING).awakeSince(now).idleDueSince(null);
            }
            update.execute(c, now);
            audit.record(c, now, actor, "desktop." + action.name() + ".manual",
                    "desktop/" + desktop.proposalId() + "/" + desktop.username(), "server=" + serverId);
            return null;
        });
        return serverId == null || action == Action.delete ? Optional.empty() : cloud.findServer(serverId);
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
