package cn.ac.ihep.heps.agent.gpu;

import java.util.Arrays;
import java.util.PriorityQueue;

/**
 * Minimum-cost flow by successive shortest paths (Dijkstra with potentials) on a graph whose
 * arcs all point forward in node order, so the first potentials come from one pass in that
 * order even with negative costs. Exact for integer capacities and costs.
 */
public final class MinCostFlow {

    private final int nodes;
    private int[] head;
    private int[] next = new int[16];
    private int[] to = new int[16];
    private long[] capacity = new long[16];
    private long[] cost = new long[16];
    private int arcs;

    public MinCostFlow(int nodes) {
        this.nodes = nodes;
        this.head = new int[nodes];
        Arrays.fill(head, -1);
    }

    /** Adds an arc {@code from → to} ({@code from < to}) and returns its id for {@link #flow}. */
    public int addArc(int from, int toNode, long arcCapacity, long arcCost) {
        if (from >= toNode) {
            throw new IllegalArgumentException("arcs must point forward: " + from + " → " + toNode);
        }
        int id = arcs;
        push(from, toNode, arcCapacity, arcCost);
        push(toNode, from, 0, -arcCost);
        return id;
    }

    /** The flow on arc {@code id} after {@link #solve}. */
    public long flow(int id) {
        return capacity[id ^ 1];
    }

    /** Sends {@code amount} from node 0 to the last node; returns the total cost. */
    public long solve(long amount) {
        long[] potential = forwardPotentials();
        long[] distance = new long[nodes];
        int[] via = new int[nodes];
        long sent = 0;
        long totalCost = 0;
        int sink = nodes - 1;
        while (sent < amount) {
            Arrays.fill(distance, Long.MAX_VALUE);
            Arrays.fill(via, -1);
            distance[0] = 0;
            PriorityQueue<long[]> queue = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
            queue.add(new long[] {0, 0});
            while (!queue.isEmpty()) {
                long[] top = queue.poll();
                int node = (int) top[1];
                if (top[0] > distance[node]) {
                    continue;
                }
                for (int arc = head[node]; arc >= 0; arc = next[arc]) {
                    if (capacity[arc] <= 0) {
                        continue;
                    }
                    int target = to[arc];
                    long reduced = cost[arc] + potential[node] - potential[target];
                    long candidate = distance[node] + reduced;
                    if (candidate < distance[target]) {
                        distance[target] = candidate;
                        via[target] = arc;
                        queue.add(new long[] {candidate, target});
                    }
                }
            }
            if (distance[sink] == Long.MAX_VALUE) {
                throw new IllegalStateException("only " + sent + " of " + amount + " units can flow");
            }
            for (int node = 0; node < nodes; node++) {
                if (distance[node] != Long.MAX_VALUE) {
                    potential[node] += distance[node];
                }
            }
            long push = amount - sent;
            for (int node = sink; node != 0; node = to[via[node] ^ 1]) {
                push = Math.min(push, capacity[via[node]]);
            }
            for (int node = sink; node != 0; node = to[via[node] ^ 1]) {
                capacity[via[node]] -= push;
                capacity[via[node] ^ 1] += push;
                totalCost += push * cost[via[node]];
            }
            sent += push;
        }
        return totalCost;
    }

    /** Shortest distances from node 0 over the forward arcs, taken in node order. */
    private long[] forwardPotentials() {
        long[] distance = new long[nodes];
        Arrays.fill(distance, Long.MAX_VALUE);
        distance[0] = 0;
        for (int node = 0; node < nodes; node++) {
            if (distance[node] == Long.MAX_VALUE) {
                continue;
            }
            for (int arc = head[node]; arc >= 0; arc = next[arc]) {
                if (capacity[arc] > 0 && to[arc] > node) {
                    distance[to[arc]] = Math.min(distance[to[arc]], distance[node] + cost[arc]);
                }
            }
        }
        for (int node = 0; node < nodes; node++) {
            if (distance[node] == Long.MAX_VALUE) {
                distance[node] = 0;
            }
        }
        return distance;
    }

    private void push(int from, int toNode, long arcCapacity, long arcCost) {
        if (arcs == to.length) {
            int size = arcs * 2;
            next = Arrays.copyOf(next, size);
            to = Arrays.copyOf(to, size);
            capacity = Arrays.copyOf(capacity, size);
            cost = Arrays.copyOf(cost, size);
        }
        to[arcs] = toNode;
        capacity[arcs] = arcCapacity;
        cost[arcs] = arcCost;
        next[arcs] = head[from];
        head[from] = arcs;
        arcs++;
    }
}
