package cn.ac.ihep.heps.agent.metrics;

import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * The agent's Prometheus metrics, written in the text exposition format (version 0.0.4):
 * reconcile passes and their duration, API requests and latency, OpenStack errors, GPUs
 * free and total per host, and desktops per state.
 */
public final class AgentMetrics {
    /** Latency buckets in seconds, for API requests and reconcile passes. */
    private static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    private final Map<String, DoubleAdder> counters = new ConcurrentHashMap<>();
    private final Map<String, Double> gauges = new ConcurrentHashMap<>();
    private final Map<String, Histogram> histograms = new ConcurrentHashMap<>();

    private static final class Histogram {
        final DoubleAdder[] buckets = new DoubleAdder[BUCKETS.length];
        final DoubleAdder sum = new DoubleAdder();
        final DoubleAdder count = new DoubleAdder();

        Histogram() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new DoubleAdder();
            }
        }

        void observe(double seconds) {
            for (int i = 0; i < BUCKETS.length; i++) {
                if (seconds <= BUCKETS[i]) {
                    buckets[i].add(1);
                }
            }
            sum.add(seconds);
            count.add(1);
        }
    }

    public void reconcilePass(boolean succeeded, double seconds) {
        increment("heps_reconcile_passes_total{outcome=\"" + (succeeded ? "ok" : "failed") + "\"}");
        histograms.computeIfAbsent("heps_reconcile_pass_seconds", k -> new Histogram()).observe(seconds);
    }

    public void reconcileAction(String action) {
        increment("heps_reconcile_actions_total{action=\"" + escape(action) + "\"}");
    }

    public void apiRequest(String route, int status, double seconds) {
        increment("heps_api_requests_total{route=\"" + escape(route) + "\",status=\"" + status + "\"}");
        histograms.computeIfAbsent("heps_api_request_seconds{route=\"" + escape(route) + "\"}", k -> new Histogram())
                .observe(seconds);
    }

    public void openStackError(String operation, String kind) {
        increment("heps_openstack_errors_total{operation=\"" + escape(operation) + "\",kind=\"" + escape(kind) + "\"}");
    }

    /** Replaces the GPU gauges with the given inventory. */
    public void gpuInventory(List<GpuInventory> inventory) {
        gauges.keySet().removeIf(key -> key.startsWith("heps_gpus_"));
        for (GpuInventory row : inventory) {
            String labels = "{host=\"" + escape(row.host()) + "\",resource_class=\"" + escape(row.resourceClass()) + "\"}";
            gauges.merge("heps_gpus_free" + labels, (double) row.free(), Double::sum);
            gauges.merge("heps_gpus_total" + labels, (double) row.total(), Double::sum);
        }
    }

    /** GPU desktops not yet due that the GPU calendar cannot fit. */
    public void gpuDesktopsAtRisk(int count) {
        gauges.put("heps_gpu_desktops_at_risk", (double) count);
    }

    /** Replaces the desktops-per-state gauges. */
    public void desktopsByState(Map<String, Integer> counts) {
        gauges.keySet().removeIf(key -> key.startsWith("heps_desktops{"));
        counts.forEach((state, count) -> gauges.put("heps_desktops{state=\"" + escape(state) + "\"}", (double) count));
    }

    private void increment(String series) {
        counters.computeIfAbsent(series, k -> new DoubleAdder()).add(1);
    }

    private static String escape(String value) {
        return value == null ? "" : value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** The current values in Prometheus text format. */
    public String scrape() {
        StringBuilder out = new StringBuilder();
        Map<String, String> help = Map.of(
                "heps_reconcile_passes_total", "Reconcile passes by outcome.",
                "heps_reconcile_actions_total", "Changes made by reconcile passes, by action.",
                "heps_api_requests_total", "API requests by route and status.",
                "heps_openstack_errors_total", "Failed OpenStack calls by operation and kind.",
                "heps_gpus_free", "GPUs free per host and resource class, from Placement.",
                "heps_gpus_total", "GPUs in total per host and resource class, from Placement.",
                "heps_desktops", "Desktops known to the agent, by state.",
                "heps_gpu_desktops_at_risk", "GPU desktops not yet due that the GPU calendar cannot fit.");
        writeFamily(out, new TreeMap<>(counters), help, "counter");
        Map<String, Double> gaugeCopy = new TreeMap<>(gauges);
        writeGauges(out, gaugeCopy, help);
        for (Map.Entry<String, Histogram> entry : new TreeMap<>(histograms).entrySet()) {
            writeHistogram(out, entry.getKey(), entry.getValue());
        }
        return out.toString();
    }

    private static String familyOf(String series) {
        int brace = series.indexOf('{');
        return brace < 0 ? series : series.substring(0, brace);
    }

    private static void writeFamily(StringBuilder out, Map<String, DoubleAdder> series, Map<String, String> help,
            String type) {
        String current = null;
        for (Map.Entry<String, DoubleAdder> entry : series.entrySet()) {
            String family = familyOf(entry.getKey());
            if (!family.equals(current)) {
                out.append("# HELP ").append(family).append(' ').append(help.getOrDefault(family, family)).append('\n');
                out.append("# TYPE ").append(family).append(' ').append(type).append('\n');
                current = family;
            }
            out.append(entry.getKey()).append(' ').append(format(entry.getValue().sum())).append('\n');
        }
    }

    private static void writeGauges(StringBuilder out, Map<String, Double> series, Map<String, String> help) {
        String current = null;
        for (Map.Entry<String, Double> entry : series.entrySet()) {
            String family = familyOf(entry.getKey());
            if (!family.equals(current)) {
                out.append("# HELP ").append(family).append(' ').append(help.getOrDefault(family, family)).append('\n');
                out.append("# TYPE ").append(family).append(" gauge\n");
                current = family;
            }
            out.append(entry.getKey()).append(' ').append(format(entry.getValue())).append('\n');
        }
    }

    private static void writeHistogram(StringBuilder out, String series, Histogram histogram) {
        String family = familyOf(series);
        String labels = series.length() > family.length() ? series.substring(family.length() + 1, series.length() - 1) : "";
        String prefix = labels.isEmpty() ? "{" : "{" + labels + ",";
        out.append("# TYPE ").append(family).append(" histogram\n");
        for (int i = 0; i < BUCKETS.length; i++) {
            out.append(family).append("_bucket").append(prefix).append("le=\"").append(BUCKETS[i]).append("\"} ")
                    .append(format(histogram.buckets[i].sum())).append('\n');
        }
        out.append(family).append("_bucket").append(prefix).append("le=\"+Inf\"} ")
                .append(format(histogram.count.sum())).append('\n');
        String plain = labels.isEmpty() ? "" : "{" + labels + "}";
        out.append(family).append("_sum").append(plain).append(' ').append(histogram.sum.sum()).append('\n');
        out.append(family).append("_count").append(plain).append(' ').append(format(histogram.count.sum())).append('\n');
    }

    private static String format(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
