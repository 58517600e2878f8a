package cn.ac.ihep.heps.bench.gpu;

import cn.ac.ihep.heps.agent.gpu.GpuPlacementStrategy;
import cn.ac.ihep.heps.agent.gpu.GpuRequest;
import cn.ac.ihep.heps.agent.gpu.PackingGpuPlacement;
import cn.ac.ihep.heps.agent.gpu.PlacementDecision;
import cn.ac.ihep.heps.agent.gpu.SpreadingGpuPlacement;
import cn.ac.ihep.heps.agent.idle.DesktopActivity;
import cn.ac.ihep.heps.agent.idle.IdlePolicy;
import cn.ac.ihep.heps.agent.idle.IdleVerdict;
import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Plays a trace of GPU desktops and their users' connections minute by minute on a cluster.
 * Each minute, in this order:
 * <ol>
 *   <li>windows that ended release their GPUs; windows that open make their desktop wanted;</li>
 *   <li>the agent's reconcile pass: wanted desktops without a VM are placed where
 *       {@link PackingGpuPlacement} says (retried every pass while nothing fits); each running
 *       desktop is judged by {@link IdlePolicy#judge} on what the Guacamole nodes reported at the
 *       end of the previous minute, and shelved (its GPUs released) when it says so;</li>
 *   <li>desktops woken three minutes earlier are ready;</li>
 *   <li>users: a connection opens on a ready desktop; a shelved one is woken first (Nova picks
 *       the host, as {@link SpreadingGpuPlacement} models, and the user waits three minutes), or
 *       the attempt is refused for lack of a GPU and retried every ten minutes; input is sent;
 *       connections close; the VM resolver closes a connection left without input for the
 *       policy's disconnect limit (the user reconnects at their next input);</li>
 *   <li>the GPUs held are counted, in use or idle;</li>
 *   <li>the nodes report (connections open, last connect, disconnect and input).</li>
 * </ol>
 * Without a policy ({@code policies} returns null) nothing is ever shelved or disconnected:
 * today's behaviour, a desktop holds its GPUs until its window ends.
 */
final class IdleReclaimRun {

    static final int WAKE_MINUTES = 3;
    static final int RETRY_MINUTES = 10;
    static final int IN_USE_AFTER_INPUT_MINUTES = 15;

    private enum State { WAITING, PENDING, ACTIVE, WAKING, SHELVED, DONE }

    private static final GpuPlacementStrategy AGENT = new PackingGpuPlacement();
    private static final GpuPlacementStrategy NOVA = new SpreadingGpuPlacement();

    /** One desktop and its user, as the run goes. */
    private static final class Desk {
        final DesktopRequest request;
        final long start;
        final long end;
        final List<UsageTrace.Connection> connections;
        final IdlePolicy policy;
        State state = State.WAITING;
        int host = -1;
        long readyAt;
        long awakeSince;
        Instant dueSince;
        // The user's side.
        int connectionIndex;
        int inputIndex;
        boolean connected;
        boolean forcedOff;
        long sessionActivity;
        long lastInput = -1;
        long lastConnected = -1;
        long lastDisconnected = -1;
        long nextAttempt;
        boolean attemptRefused;
        boolean served;
        long waitingSince = -1;
        boolean jobKilled;
        boolean everPlaced;
        // Per connection the user wanted, counted when it is over.
        int refused;
        int lost;
        // What the agent knows from the last report.
        int reportedConnections;
        long reportedConnected = -1;
        long reportedDisconnected = -1;
        long reportedInput = -1;

        Desk(DesktopRequest request, List<UsageTrace.Connection> connections, IdlePolicy policy) {
            this.request = request;
            this.start = request.start() * 60;
            this.end = request.end() * 60;
            this.connections = connections;
            this.policy = policy;
        }

        UsageTrace.Connection current(long minute) {
            while (connectionIndex < connections.size() && connections.get(connectionIndex).end() <= minute) {
                countConnection();
                connectionIndex++;
                inputIndex = 0;
                attemptRefused = false;
                served = false;
                forcedOff = false;
                nextAttempt = 0;
                waitingSince = -1;
                jobKilled = false;
            }
            if (connectionIndex >= connections.size()) {
                return null;
            }
            UsageTrace.Connection connection = connections.get(connectionIndex);
            return connection.start() <= minute ? connection : null;
        }

        void countConnection() {
            if (connectionIndex < connections.size() && connections.get(connectionIndex).start() < end) {
                refused += attemptRefused ? 1 : 0;
                lost += served ? 0 : 1;
            }
        }

        /** Whether input is sent in this minute; a new stretch of input also brings a disconnected user back. */
        boolean input(UsageTrace.Connection connection, long minute) {
            long[] starts = connection.inputStart();
            long[] ends = connection.inputEnd();
            while (inputIndex < starts.length && ends[inputIndex] <= minute) {
                inputIndex++;
            }
            if (inputIndex < starts.length && starts[inputIndex] <= minute) {
                if (starts[inputIndex] == minute) {
                    forcedOff = false;
                }
                return true;
            }
            return false;
        }
    }

    private IdleReclaimRun() {
    }

    /**
     * @param usage each desktop's connections ({@link UsageTrace#generate})
     * @param policies the idle policy of each desktop; null for none at all
     */
    static IdleResult run(GpuCluster cluster, List<DesktopRequest> trace,
            Function<DesktopRequest, List<UsageTrace.Connection>> usage,
            Function<DesktopRequest, IdlePolicy> policies) {
        List<GpuCluster.Host> hosts = cluster.hosts();
        Map<String, Integer> hostIndex = new HashMap<>();
        for (int i = 0; i < hosts.size(); i++) {
            hostIndex.put(hosts.get(i).name(), i);
        }
        int[] used = new int[hosts.size()];
        List<Desk> all = new ArrayList<>();
        for (DesktopRequest request : trace) {
            all.add(new Desk(request, usage.apply(request), policies == null ? null : policies.apply(request)));
        }
        all.sort(Comparator.comparingLong((Desk d) -> d.start).thenComparingInt(d -> d.request.id()));

        long held = 0;
        long inUse = 0;
        long connectedUnused = 0;
        int sessions = 0;
        int refused = 0;
        int lost = 0;
        int wakes = 0;
        long wakeWait = 0;
        int shelves = 0;
        int shelvedWhileConnected = 0;
        int jobs = 0;
        int jobsInterrupted = 0;
        int forcedDisconnects = 0;
        for (Desk desk : all) {
            sessions += desk.connections.size();
            jobs += (int) desk.connections.stream().filter(UsageTrace.Connection::hasJob).count();
        }

        List<Desk> open = new ArrayList<>();
        int next = 0;
        long minute = all.isEmpty() ? 0 : all.get(0).start;
        while (next < all.size() || !open.isEmpty()) {
            // 1. Windows end and open.
            for (int i = open.size() - 1; i >= 0; i--) {
                Desk desk = open.get(i);
                if (desk.end <= minute) {
                    if (desk.connected || desk.state == State.SHELVED || desk.state == State.WAKING) {
                        // The connection the window cut short counts as it was.
                        desk.connected = false;
                    }
                    desk.current(desk.end);
                    release(desk, used);
                    desk.state = State.DONE;
                    open.remove(i);
                }
            }
            while (next < all.size() && all.get(next).start <= minute) {
                Desk desk = all.get(next++);
                desk.state = State.PENDING;
                open.add(desk);
            }
            Instant now = at(minute);

            // 2. The agent's pass.
            for (Desk desk : open) {
                if (desk.state == State.PENDING) {
                    int host = place(AGENT, cluster, hostIndex, used, desk.request.gpus());
                    if (host >= 0) {
                        desk.host = host;
                        used[host] += desk.request.gpus();
                        desk.state = State.ACTIVE;
                        desk.awakeSince = minute;
                        desk.everPlaced = true;
                    }
                } else if (desk.state == State.ACTIVE && desk.policy != null) {
                    DesktopActivity activity = new DesktopActivity(desk.reportedConnections,
                            atOrNull(desk.reportedConnected), atOrNull(desk.reportedDisconnected),
                            atOrNull(desk.reportedInput), null);
                    // The nodes reported at the end of the previous minute, that is now.
                    IdleVerdict verdict = desk.policy.judge(activity, now, at(desk.awakeSince), desk.dueSince, now);
                    if (verdict instanceof IdleVerdict.Due due) {
                        desk.dueSince = due.dueSince();
                    } else if (verdict instanceof IdleVerdict.Shelve) {
                        shelves++;
                        if (desk.connected) {
                            shelvedWhileConnected++;
                            desk.connected = false;
                            desk.lastDisconnected = minute;
                        }
                        UsageTrace.Connection connection = desk.current(minute);
                        if (connection != null && connection.hasJob() && !desk.jobKilled
                                && connection.jobStart() <= minute && minute < connection.jobEnd()) {
                            jobsInterrupted++;
                            desk.jobKilled = true;
                        }
                        release(desk, used);
                        desk.state = State.SHELVED;
                        desk.dueSince = null;
                    }
                }
            }

            // 3. Woken desktops are ready.
            for (Desk desk : open) {
                if (desk.state == State.WAKING && desk.readyAt <= minute) {
                    desk.state = State.ACTIVE;
                    desk.awakeSince = minute;
                }
            }

            // 4. Users.
            for (Desk desk : open) {
                UsageTrace.Connection connection = desk.current(minute);
                boolean input = connection != null && desk.input(connection, minute);
                boolean wants = connection != null && !desk.forcedOff;
                if (wants && !desk.connected) {
                    if (desk.waitingSince < 0) {
                        desk.waitingSince = minute;
                    }
                    switch (desk.state) {
                        case ACTIVE -> {
                            desk.connected = true;
                            desk.served = true;
                            desk.lastConnected = minute;
                            desk.sessionActivity = minute;
                            wakeWait += minute - desk.waitingSince;
                            desk.waitingSince = -1;
                        }
                        case SHELVED -> {
                            if (minute >= desk.nextAttempt) {
                                int host = place(NOVA, cluster, hostIndex, used, desk.request.gpus());
                                if (host >= 0) {
                                    desk.host = host;
                                    used[host] += desk.request.gpus();
                                    desk.state = State.WAKING;
                                    desk.readyAt = minute + WAKE_MINUTES;
                                    wakes++;
                                } else {
                                    desk.attemptRefused = true;
                                    desk.nextAttempt = minute + RETRY_MINUTES;
                                }
                            }
                        }
                        case PENDING -> desk.attemptRefused = true;
                        default -> {
                            // Waking: the user waits.
                        }
                    }
                } else if (connection == null && desk.connected) {
                    desk.connected = false;
                    desk.lastDisconnected = minute;
                }
                if (!wants) {
                    desk.waitingSince = -1;
                }
                if (desk.connected && input) {
                    desk.lastInput = minute;
                    desk.sessionActivity = minute;
                }
                if (desk.connected && desk.policy != null) {
                    var disconnectAt = desk.policy.disconnectAt(at(desk.sessionActivity));
                    if (disconnectAt.isPresent() && !now.isBefore(disconnectAt.get())) {
                        desk.connected = false;
                        desk.forcedOff = true;
                        desk.lastDisconnected = minute;
                        forcedDisconnects++;
                    }
                }

                // 5. GPUs held, in use or idle.
                if (desk.state == State.ACTIVE || desk.state == State.WAKING) {
                    int gpus = desk.request.gpus();
                    held += gpus;
                    boolean jobRunning = connection != null && connection.hasJob() && !desk.jobKilled
                            && connection.jobStart() <= minute && minute < connection.jobEnd();
                    boolean working = desk.connected && desk.lastInput >= 0
                            && minute - desk.lastInput < IN_USE_AFTER_INPUT_MINUTES;
                    if (desk.state == State.WAKING || jobRunning || working) {
                        inUse += gpus;
                    } else if (desk.connected) {
                        connectedUnused += gpus;
                    }
                }

                // 6. The report.
                desk.reportedConnections = desk.connected ? 1 : 0;
                desk.reportedConnected = desk.lastConnected;
                desk.reportedDisconnected = desk.lastDisconnected;
                desk.reportedInput = desk.lastInput;
            }
            minute++;
        }
        int neverPlaced = (int) all.stream().filter(d -> !d.everPlaced).count();
        for (Desk desk : all) {
            refused += desk.refused;
            lost += desk.lost;
        }
        return new IdleResult(all.size(), neverPlaced, held, inUse, connectedUnused, sessions, refused, lost,
                wakes, wakeWait, shelves, shelvedWhileConnected, jobs, jobsInterrupted, forcedDisconnects);
    }

    private static void release(Desk desk, int[] used) {
        if (desk.host >= 0 && (desk.state == State.ACTIVE || desk.state == State.WAKING)) {
            used[desk.host] -= desk.request.gpus();
        }
        desk.host = -1;
    }

    private static int place(GpuPlacementStrategy strategy, GpuCluster cluster, Map<String, Integer> hostIndex,
            int[] used, int gpus) {
        List<GpuInventory> inventory = new ArrayList<>(used.length);
        for (int i = 0; i < used.length; i++) {
            GpuCluster.Host host = cluster.hosts().get(i);
            inventory.add(new GpuInventory(host.name(), cluster.resourceClass(), host.gpus(), used[i]));
        }
        PlacementDecision decision = strategy.place(new GpuRequest(cluster.resourceClass(), gpus), inventory);
        if (decision instanceof PlacementDecision.Place place) {
            int host = hostIndex.get(place.host());
            if (cluster.hosts().get(host).gpus() - used[host] < gpus) {
                throw new IllegalStateException(strategy.getClass().getSimpleName() + " placed on a full host");
            }
            return host;
        }
        return -1;
    }

    private static Instant at(long minute) {
        return Instant.ofEpochSecond(minute * 60);
    }

    private static Instant atOrNull(long minute) {
        return minute < 0 ? null : at(minute);
    }
}
