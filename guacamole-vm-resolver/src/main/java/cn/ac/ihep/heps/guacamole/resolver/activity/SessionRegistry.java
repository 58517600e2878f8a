package cn.ac.ihep.heps.guacamole.resolver.activity;

import cn.ac.ihep.heps.common.activity.ActivityAnswer.DisconnectLimit;
import cn.ac.ihep.heps.common.activity.ActivityReport;
import cn.ac.ihep.heps.common.activity.ActivityReport.OpenDesktop;
import cn.ac.ihep.heps.common.activity.ActivityReport.SessionEvent;
import cn.ac.ihep.heps.guacamole.resolver.ConfigurationService;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.net.GuacamoleTunnel;

/**
 * The desktop connections open on this Guacamole node, the events not yet reported, and the
 * disconnect limits the agent asked for. Every method returns at once: it is called on login
 * and tunnel threads, and the report goes out on the {@link ActivityReporter}'s own thread.
 *
 * <p>The events wait in a bounded queue ({@code heps-agent-queue}); when the agent is away long
 * enough to fill it, the oldest are dropped and counted. Nothing is lost that matters for
 * safety: every report also carries the full list of open connections.
 */
@Singleton
public class SessionRegistry {

    private final Clock clock;
    private final boolean reporting;
    private final int capacity;
    private final Map<ObservedTunnel, Boolean> open = new ConcurrentHashMap<>();
    private final Map<String, DisconnectLimit> limits = new ConcurrentHashMap<>();
    private final Deque<SessionEvent> events = new ArrayDeque<>();
    private long dropped;
    private volatile Runnable onOpened = () -> { };
    private volatile Runnable onClosed = () -> { };

    @Inject
    public SessionRegistry(ConfigurationService configuration, Clock clock) throws GuacamoleException {
        this.clock = clock;
        this.reporting = configuration.getAgentUrl().isPresent();
        this.capacity = configuration.getAgentQueue();
    }

    /** Whether connections are observed at all: only when there is an agent to report to. */
    public boolean reporting() {
        return reporting;
    }

    /** The tunnel to hand back from {@code connect()}: observed when this node reports. */
    public GuacamoleTunnel observe(GuacamoleTunnel tunnel, String serverId, String username) {
        if (!reporting) {
            return tunnel;
        }
        ObservedTunnel observed = new ObservedTunnel(tunnel, serverId, username, clock, this);
        open.put(observed, Boolean.TRUE);
        enqueue(new SessionEvent(serverId, SessionEvent.OPENED, observed.openedAt().toString(), null));
        onOpened.run();
        return observed;
    }

    void closed(ObservedTunnel tunnel) {
        if (open.remove(tunnel) != null) {
            Instant input = tunnel.lastInputAt();
            enqueue(new SessionEvent(tunnel.serverId(), SessionEvent.CLOSED, clock.instant().toString(),
                    input == null ? null : input.toString()));
            onClosed.run();
        }
    }

    /** Runs (quickly, without blocking) whenever a connection closes. */
    void onClosed(Runnable hook) {
        this.onClosed = hook;
    }

    /** Runs (quickly, without blocking) whenever a connection opens. */
    void onOpened(Runnable hook) {
        this.onOpened = hook;
    }

    public Collection<ObservedTunnel> openTunnels() {
        return List.copyOf(open.keySet());
    }

    private synchronized void enqueue(SessionEvent event) {
        if (events.size() >= capacity) {
            events.removeFirst();
            dropped++;
        }
        events.addLast(event);
    }

    /** Takes up to {@code max} events, oldest first, for a report. */
    synchronized List<SessionEvent> takeEvents(int max) {
        List<SessionEvent> taken = new ArrayList<>(Math.min(max, events.size()));
        while (taken.size() < max && !events.isEmpty()) {
            taken.add(events.removeFirst());
        }
        return taken;
    }

    /** Puts back the events of a report that did not reach the agent, before any newer ones. */
    synchronized void putBack(List<SessionEvent> taken) {
        for (int i = taken.size() - 1; i >= 0; i--) {
            if (events.size() >= capacity) {
                dropped++;
            } else {
                events.addFirst(taken.get(i));
            }
        }
    }

    /** Events dropped because the queue was full, since this node started. */
    public synchronized long dropped() {
        return dropped;
    }

    public synchronized int queued() {
        return events.size();
    }

    /** What is open now, per desktop, and whether all of it fits in one report. */
    record Snapshot(List<OpenDesktop> desktops, boolean complete) {
    }

    Snapshot snapshot() {
        Map<String, List<ObservedTunnel>> byDesktop = new TreeMap<>();
        for (ObservedTunnel tunnel : open.keySet()) {
            byDesktop.computeIfAbsent(tunnel.serverId(), id -> new ArrayList<>()).add(tunnel);
        }
        List<OpenDesktop> desktops = new ArrayList<>();
        for (Map.Entry<String, List<ObservedTunnel>> entry : byDesktop.entrySet()) {
            if (desktops.size() == ActivityReport.MAX_DESKTOPS) {
                return new Snapshot(desktops, false);
            }
            Instant lastInput = null;
            Instant disconnectAt = null;
            for (ObservedTunnel tunnel : entry.getValue()) {
                lastInput = later(lastInput, tunnel.lastInputAt());
                Instant warned = tunnel.warnedDisconnectAt();
                if (warned != null && (disconnectAt == null || warned.isBefore(disconnectAt))) {
                    disconnectAt = warned;
                }
            }
            desktops.add(new OpenDesktop(entry.getKey(), entry.getValue().size(),
                    lastInput == null ? null : lastInput.toString(), disconnectAt == null ? null : disconnectAt.toString()));
        }
        return new Snapshot(desktops, true);
    }

    private static Instant later(Instant a, Instant b) {
        return a == null || b != null && b.isAfter(a) ? b : a;
    }

    /** The agent's answer for the desktops of a report: a limit for some, none for the others. */
    void limits(Set<String> reported, List<DisconnectLimit> answer) {
        Map<String, DisconnectLimit> byServer = new TreeMap<>();
        answer.forEach(limit -> byServer.put(limit.serverId(), limit));
        for (String serverId : reported) {
            DisconnectLimit limit = byServer.get(serverId);
            if (limit == null || limit.afterSeconds() <= 0) {
                limits.remove(serverId);
            } else {
                limits.put(serverId, limit);
            }
        }
        limits.keySet().removeIf(serverId -> open.keySet().stream().noneMatch(t -> t.serverId().equals(serverId)));
    }

    public Optional<DisconnectLimit> limitFor(String serverId) {
        return Optional.ofNullable(limits.get(serverId));
    }
}
