package cn.ac.ihep.heps.guacamole.resolver.activity;

import cn.ac.ihep.heps.common.activity.ActivityReport.SessionJoin;
import cn.ac.ihep.heps.common.log.LogSafe;
import cn.ac.ihep.heps.guacamole.resolver.ConfigurationService;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.apache.guacamole.GuacamoleException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every join of someone else's live desktop session through this node (support staff watching,
 * share links), for the audit log: each is logged here at once, and, when the node reports to
 * the agent, waits in a bounded queue ({@code heps-agent-queue}) for the next report, which the
 * agent writes to its audit table. A report that fails puts its joins back.
 */
@Singleton
public class JoinLog {

    private static final Logger logger = LoggerFactory.getLogger(JoinLog.class);

    private final Clock clock;
    private final boolean reporting;
    private final int capacity;
    private final Deque<SessionJoin> queued = new ArrayDeque<>();
    private long dropped;
    private volatile Runnable onJoined = () -> { };

    @Inject
    public JoinLog(ConfigurationService configuration, Clock clock) throws GuacamoleException {
        this.clock = clock;
        this.reporting = configuration.getAgentUrl().isPresent();
        this.capacity = configuration.getAgentQueue();
    }

    /**
     * Records a join that has just been let through.
     *
     * @param via {@link SessionJoin#SUPPORT_VIEW}, {@link SessionJoin#SHARE_VIEW} or {@link SessionJoin#SHARE_FULL}
     * @param user the support user, or null for a share link's holder
     * @param from the joining browser's address, or null
     */
    public void joined(String serverId, String via, String user, String sessionOf, String from) {
        logger.info("Audit: {} joined the session of {} on desktop {} ({}) from {}",
                user == null ? "a share link" : "\"" + LogSafe.text(user) + "\"", LogSafe.text(sessionOf), serverId,
                via, from == null ? "an unknown address" : LogSafe.text(from));
        if (!reporting) {
            return;
        }
        String address = from == null || from.length() > 64 ? null : from;
        synchronized (this) {
            if (queued.size() >= capacity) {
                queued.removeFirst();
                dropped++;
                logger.warn("The join queue is full (the agent has been unreachable): the oldest unreported join "
                        + "was dropped from the agent's audit log; this node's log still has it");
            }
            queued.addLast(new SessionJoin(serverId, via, user, sessionOf, clock.instant().toString(), address));
        }
        onJoined.run();
    }

    /** Runs (quickly, without blocking) whenever a join is recorded. */
    void onJoined(Runnable hook) {
        this.onJoined = hook;
    }

    /** Takes up to {@code max} joins, oldest first, for a report. */
    synchronized List<SessionJoin> take(int max) {
        List<SessionJoin> taken = new ArrayList<>(Math.min(max, queued.size()));
        while (taken.size() < max && !queued.isEmpty()) {
            taken.add(queued.removeFirst());
        }
        return taken;
    }

    /** Puts back the joins of a report that did not reach the agent, before any newer ones. */
    synchronized void putBack(List<SessionJoin> taken) {
        for (int i = taken.size() - 1; i >= 0; i--) {
            if (queued.size() >= capacity) {
                dropped++;
            } else {
                queued.addFirst(taken.get(i));
            }
        }
    }

    /** Joins waiting for the next report. */
    public synchronized int queued() {
        return queued.size();
    }

    /** Joins dropped from the agent's audit log because the queue was full, since this node started. */
    public synchronized long dropped() {
        return dropped;
    }
}
