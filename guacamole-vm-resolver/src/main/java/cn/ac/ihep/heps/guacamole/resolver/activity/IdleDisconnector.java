package cn.ac.ihep.heps.guacamole.resolver.activity;

import cn.ac.ihep.heps.common.activity.ActivityAnswer.DisconnectLimit;
import cn.ac.ihep.heps.common.log.LogSafe;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.guacamole.GuacamoleException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the agent's disconnect limits to the sessions this node holds, every few seconds on
 * its own thread: a session whose user has sent no input for the limit minus the warning time
 * gets the warning (a {@code msg} the web client shows inside the session, withdrawn at the
 * next input); at the limit it is ended with Guacamole's "inactive session" status. A session
 * whose desktop has no limit, or for which the agent never answered, is never disconnected.
 */
@Singleton
public class IdleDisconnector implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(IdleDisconnector.class);

    /** How often the sessions are looked at. */
    static final Duration TICK = Duration.ofSeconds(5);
    /** How long an ended session may take to leave by itself before its tunnel is closed. */
    static final Duration GRACE = Duration.ofSeconds(15);

    private final SessionRegistry registry;
    private final Clock clock;
    private ScheduledExecutorService scheduler;

    @Inject
    public IdleDisconnector(SessionRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    public synchronized void start() {
        if (!registry.reporting() || scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "heps-idle-sessions");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::checkQuietly, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void checkQuietly() {
        try {
            check();
        } catch (RuntimeException e) {
            logger.warn("Checking idle sessions failed: {}", e.getMessage());
            logger.debug("Idle session check failure", e);
        }
    }

    /** One look at every open session; for tests and the scheduler. */
    synchronized void check() {
        Instant now = clock.instant();
        for (ObservedTunnel tunnel : registry.openTunnels()) {
            if (tunnel.ending()) {
                continue;
            }
            Optional<DisconnectLimit> limit = registry.limitFor(tunnel.serverId());
            if (limit.isEmpty()) {
                continue;
            }
            Duration after = Duration.ofSeconds(limit.get().afterSeconds());
            Instant disconnectAt = tunnel.lastActivityAt().plus(after);
            Instant warnAt = disconnectAt.minusSeconds(Math.max(0, limit.get().warnSeconds()));
            if (!now.isBefore(disconnectAt)) {
                end(tunnel, after);
            } else if (!now.isBefore(warnAt) && !disconnectAt.equals(tunnel.warnedDisconnectAt())) {
                tunnel.warn(disconnectAt);
                logger.debug("Warned {} on desktop {}: disconnect at {}", LogSafe.text(tunnel.username()), tunnel.serverId(),
                        disconnectAt);
            }
        }
    }

    private void end(ObservedTunnel tunnel, Duration after) {
        logger.info("Closing the session of \"{}\" on desktop {}: no input for {} min", LogSafe.text(tunnel.username()),
                tunnel.serverId(), after.toMinutes());
        tunnel.endForIdleness("No input for " + after.toMinutes() + " minutes: the session was closed. "
                + "Your desktop keeps running; reconnect to go on.");
        ScheduledExecutorService running = scheduler;
        if (running != null) {
            running.schedule(() -> closeIfOpen(tunnel), GRACE.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    static void closeIfOpen(ObservedTunnel tunnel) {
        if (tunnel.isOpen()) {
            try {
                tunnel.close();
            } catch (GuacamoleException e) {
                logger.debug("Closing an ended session failed", e);
            }
        }
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }
}
