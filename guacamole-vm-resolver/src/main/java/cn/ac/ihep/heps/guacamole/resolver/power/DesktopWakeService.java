package cn.ac.ihep.heps.guacamole.resolver.power;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.guacamole.net.GuacamoleTunnel;

import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.desktop.DesktopTags;
import cn.ac.ihep.heps.common.log.LogSafe;
import cn.ac.ihep.heps.guacamole.resolver.ConfigurationService;
import cn.ac.ihep.heps.guacamole.resolver.connection.ConnectionProfileFactory;
import cn.ac.ihep.heps.guacamole.resolver.connection.DesktopNames;
import cn.ac.ihep.heps.guacamole.resolver.index.Desktop;
import cn.ac.ihep.heps.guacamole.resolver.index.DesktopFactory;
import cn.ac.ihep.heps.guacamole.resolver.index.DesktopIndex;
import cn.ac.ihep.heps.guacamole.resolver.index.DesktopPrincipal;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.time.Clock;
import cn.ac.ihep.heps.common.cloud.ServerState;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.GuacamoleSecurityException;
import org.apache.guacamole.language.TranslatableGuacamoleClientException;
import org.apache.guacamole.language.TranslatableGuacamoleResourceNotFoundException;
import org.apache.guacamole.language.TranslatableGuacamoleUpstreamUnavailableException;
import org.apache.guacamole.language.TranslatableMessage;
import org.apache.guacamole.properties.CaseSensitivity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a desktop ready before guacd connects to it: wakes a stopped, shelved, suspended or
 * paused VM, and until the desktop port accepts a TCP connection answers with Guacamole's
 * "upstream unavailable" status (0x0208), which the Guacamole client retries by itself.
 *
 * <p>A desktop whose beamtime window has ended ({@code heps.expires}, which the agent keeps
 * current) is neither woken nor opened: the agent would shelve it again at its next pass. The
 * user is told when it ended and whom to ask ({@code heps-site-contact}). The window comes from
 * Nova's metadata, so the check costs no call to the agent.
 *
 * <p>Only its owner wakes a desktop; a named user or group member opens it while it runs. Nova
 * lets nobody change the tags of a shelved VM, so a grant taken away while it was shelved is
 * still on it until the agent's first pass after it runs again: waking is kept to the one user
 * no retagging ever removes.
 */
@Singleton
public class DesktopWakeService {

    private static final Logger logger = LoggerFactory.getLogger(DesktopWakeService.class);

    private final CloudProvider cloud;
    private final DesktopFactory desktops;
    private final ConnectionProfileFactory profiles;
    private final PortProbe probe;
    private final Clock clock;
    private final Duration probeTimeout;
    private final Duration wakeRetryInterval;
    private final CaseSensitivity caseSensitivity;
    private final String siteContact;

    /** When a wake action was last sent per server, so client retries do not repeat it. */
    private final Map<String, Instant> lastWake = new ConcurrentHashMap<>();

    /** The longest a tunnel waits for its access check before the listing's answer stands. */
    static final Duration CHECK_TIMEOUT = Duration.ofSeconds(10);

    /**
     * Access checks overlapping guacd's connect: four threads (a pool grows past its core size
     * only once its queue is full, so the core is the parallelism), idle ones let go, a bounded
     * queue; beyond it a connect checks first.
     */
    private final ExecutorService checks = checkPool();

    private static ExecutorService checkPool() {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64),
                runnable -> {
                    Thread thread = new Thread(runnable, "heps-desktop-access-check");
                    thread.setDaemon(true);
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    @Inject
    public DesktopWakeService(CloudProvider cloud, DesktopFactory desktops, ConnectionProfileFactory profiles,
            PortProbe probe, Clock clock, ConfigurationService configuration) throws GuacamoleException {
        this.cloud = cloud;
        this.desktops = desktops;
        this.profiles = profiles;
        this.probe = probe;
        this.clock = clock;
        this.probeTimeout = configuration.getPortProbeTimeout();
        this.wakeRetryInterval = configuration.getWakeRetryInterval();
        this.caseSensitivity = configuration.getCaseSensitivity();
        this.siteContact = configuration.getSiteContact();
    }

    /**
     * The desktop as it is now, ready for guacd; throws the status the user should see
     * otherwise.
     *
     * @param known the desktop as the user's session knows it (from the index at login)
     */
    public Desktop prepare(Desktop known, DesktopPrincipal principal) throws GuacamoleException {
        Desktop desktop = currentState(known, principal);
        refuseAfterWindow(desktop);
        switch (desktop.state()) {
            case ACTIVE -> {
                if (desktop.address() != null
                        && probe.accepts(desktop.address(), profiles.portFor(desktop.protocol()), probeTimeout)) {
                    lastWake.remove(desktop.id());
                    return desktop;
                }
                throw starting(desktop, "its desktop port does not answer yet");
            }
            case SHUTOFF -> wake(desktop, principal, "start", () -> cloud.startServer(desktop.id()));
            case SHELVED, SHELVED_OFFLOADED -> wake(desktop, principal, "unshelve",
                    () -> cloud.unshelveServer(desktop.id()));
            case SUSPENDED -> wake(desktop, principal, "resume", () -> cloud.resumeServer(desktop.id()));
            case PAUSED -> wake(desktop, principal, "unpause", () -> cloud.unpauseServer(desktop.id()));
            case ERROR -> throw failed(desktop);
            case DELETED -> throw gone(desktop);
            default -> throw starting(desktop, "it is " + desktop.state().name().toLowerCase(java.util.Locale.ROOT));
        }
        throw starting(desktop, "it is being woken from " + desktop.state());
    }

    /**
     * Opens the desktop for guacd: when the session's listing says it is running and its port
     * answers, at once, with the access check against Nova still under way (it gates the
     * tunnel, see {@link AccessCheckedTunnel}); otherwise as {@link #prepare} does, Nova first.
     *
     * @param open connects guacd to the desktop it is given
     */
    public GuacamoleTunnel connect(Desktop known, DesktopPrincipal principal, TunnelOpener open)
            throws GuacamoleException {
        if (known.state() == ServerState.ACTIVE && known.address() != null && !known.expiredAt(clock.instant())
                && probe.accepts(known.address(), profiles.portFor(known.protocol()), probeTimeout)) {
            CompletableFuture<Desktop> check = new CompletableFuture<>();
            try {
                checks.execute(() -> {
                    try {
                        Desktop current = currentState(known, principal);
                        refuseAfterWindow(current);
                        check.complete(current);
                    } catch (GuacamoleException | RuntimeException e) {
                        check.completeExceptionally(e);
                    }
                });
            } catch (RejectedExecutionException busy) {
                // Too many connects at once: check first, as the slow path does.
                return open.open(prepare(known, principal));
            }
            return new AccessCheckedTunnel(open.open(known), check, CHECK_TIMEOUT.toMillis());
        }
        return open.open(prepare(known, principal));
    }

    /** What connects guacd to a desktop made ready. */
    @FunctionalInterface
    public interface TunnelOpener {
        GuacamoleTunnel open(Desktop ready) throws GuacamoleException;
    }

    /** The server's state from Nova, or the known state when Nova does not answer. */
    private Desktop currentState(Desktop known, DesktopPrincipal principal) throws GuacamoleException {
        Optional<CloudServer> server;
        try {
            server = cloud.findServer(known.id());
        } catch (CloudException e) {
            logger.warn("Cannot read the state of desktop {} ({}); using the state listed earlier ({})",
                    known.id(), e.getMessage(), known.state());
            return known;
        }
        if (server.isEmpty()) {
            throw gone(known);
        }
        CloudServer found = server.get();
        Desktop current = desktops.desktopFor(found);
        // Tags may have changed since login: access is checked again against the live server.
        if (!found.tags().contains(DesktopTags.DESKTOP) || !DesktopIndex.grants(current, principal, caseSensitivity)) {
            logger.warn("User \"{}\" no longer has access to desktop {}: refused", LogSafe.text(principal.username()), known.id());
            throw new GuacamoleSecurityException("Permission denied.");
        }
        return current;
    }

    private boolean ownedBy(Desktop desktop, DesktopPrincipal principal) {
        String me = caseSensitivity.canonicalizeUsername(principal.username());
        return desktop.owner().map(caseSensitivity::canonicalizeUsername).filter(me::equals).isPresent();
    }

    /** A desktop past its beamtime is refused for good (no retry), with when it ended and whom to ask. */
    private void refuseAfterWindow(Desktop desktop) throws GuacamoleException {
        if (!desktop.expiredAt(clock.instant())) {
            return;
        }
        logger.info("Desktop {} was not opened: its beamtime ended at {}", desktop.id(), desktop.expiresAt());
        throw beamtimeEnded(desktop, siteContact);
    }

    /** The refusal a user sees for a desktop past its beamtime, naming when it ended and whom to ask. */
    public static GuacamoleException beamtimeEnded(Desktop desktop, String contact) {
        String ended = DesktopNames.endOf(desktop);
        return new TranslatableGuacamoleClientException("The beamtime of desktop \"" + desktop.name() + "\" ended at "
                + ended + " (UTC), so it is no longer started. To use it again, ask " + contact
                + " to extend the beamtime.", new TranslatableMessage("HEPS_VM_RESOLVER.ERROR_BEAMTIME_ENDED",
                        Map.of("NAME", desktop.name(), "ENDED", ended, "CONTACT", contact)));
    }

    private void wake(Desktop desktop, DesktopPrincipal principal, String action, Runnable call)
            throws GuacamoleException {
        if (!ownedBy(desktop, principal)) {
            logger.info("Desktop {} is {}: not woken for \"{}\", who does not own it", desktop.id(), desktop.state(),
                    LogSafe.text(principal.username()));
            String owner = desktop.owner().orElse("its owner");
            throw new TranslatableGuacamoleClientException("Desktop \"" + desktop.name() + "\" is not running. It starts "
                    + "when its owner (" + owner + ") opens it; you can open it while it runs.",
                    new TranslatableMessage("HEPS_VM_RESOLVER.ERROR_NOT_OWNER_WAKE",
                            Map.of("NAME", desktop.name(), "OWNER", owner)));
        }
        Instant now = clock.instant();
        // Atomic, so two tabs retrying at the same instant send one action between them.
        java.util.concurrent.atomic.AtomicBoolean due = new java.util.concurrent.atomic.AtomicBoolean();
        lastWake.compute(desktop.id(), (id, previous) -> {
            if (previous == null || Duration.between(previous, now).compareTo(wakeRetryInterval) >= 0) {
                due.set(true);
                return now;
            }
            return previous;
        });
        if (!due.get()) {
            return;
        }
        try {
            call.run();
            logger.info("Desktop {} was {}; sent \"{}\"", desktop.id(), desktop.state(), action);
        } catch (CloudException e) {
            // Often a conflict because the action is already under way; the user keeps retrying.
            logger.warn("Could not {} desktop {} ({}); will try again in {} s", action, desktop.id(),
                    e.getMessage(), wakeRetryInterval.toSeconds());
            logger.debug("Wake failure", e);
        }
    }

    private static GuacamoleException starting(Desktop desktop, String why) {
        logger.debug("Desktop {} is not ready: {}", desktop.id(), why);
        return new TranslatableGuacamoleUpstreamUnavailableException(
                "Desktop \"" + desktop.name() + "\" is starting: " + why + ".",
                new TranslatableMessage("HEPS_VM_RESOLVER.INFO_DESKTOP_STARTING", Map.of("NAME", desktop.name())));
    }

    private static GuacamoleException failed(Desktop desktop) {
        logger.warn("Desktop {} (\"{}\") is in ERROR state; the user was told to ask for a repair",
                desktop.id(), LogSafe.text(desktop.name()));
        return new TranslatableGuacamoleClientException(
                "Desktop \"" + desktop.name() + "\" has failed and cannot be started. Ask the facility's "
                        + "IT support to repair it, quoting desktop id " + desktop.id() + ".",
                new TranslatableMessage("HEPS_VM_RESOLVER.ERROR_DESKTOP_FAILED",
                        Map.of("NAME", desktop.name(), "ID", desktop.id())));
    }

    private static GuacamoleException gone(Desktop desktop) {
        return new TranslatableGuacamoleResourceNotFoundException(
                "Desktop \"" + desktop.name() + "\" no longer exists. Sign in again from the portal.",
                new TranslatableMessage("HEPS_VM_RESOLVER.ERROR_DESKTOP_GONE", Map.of("NAME", desktop.name())));
    }
}
