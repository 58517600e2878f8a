package cn.ac.ihep.heps.bench.gpu;

import cn.ac.ihep.heps.agent.gpu.GpuPlacementStrategy;
import cn.ac.ihep.heps.agent.gpu.PackingGpuPlacement;
import cn.ac.ihep.heps.agent.gpu.SpreadingGpuPlacement;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Compares GPU placement strategies on synthetic beamtime traces and prints one table.
 *
 * <p>Run: {@code ./mvnw -q -B -ntp -pl bench -am compile exec:java} (options after
 * {@code -Dexec.args="..."}: {@code --seeds N}, {@code --days N}, {@code --loads 0.5,0.8},
 * {@code --hosts4 N}, {@code --hosts8 N}).
 */
public final class GpuPlacementSimulation {

    static final String RESOURCE_CLASS = "CUSTOM_GPU_A100";

    /** Settings of one run of the whole table. */
    record Settings(int seeds, int days, double[] loads, int fourGpuHosts, int eightGpuHosts) {

        static Settings parse(String[] args) {
            int seeds = 10;
            int days = 365;
            double[] loads = {0.50, 0.65, 0.80, 0.95};
            int hosts4 = 6;
            int hosts8 = 4;
            for (int i = 0; i < args.length; i++) {
                String name = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(name + " needs a value");
                }
                String value = args[++i];
                switch (name) {
                    case "--seeds" -> seeds = Integer.parseInt(value);
                    case "--days" -> days = Integer.parseInt(value);
                    case "--hosts4" -> hosts4 = Integer.parseInt(value);
                    case "--hosts8" -> hosts8 = Integer.parseInt(value);
                    case "--loads" -> loads = java.util.Arrays.stream(value.split(","))
                            .mapToDouble(Double::parseDouble).toArray();
                    default -> throw new IllegalArgumentException("unknown option " + name
                            + " (known: --seeds, --days, --loads, --hosts4, --hosts8)");
                }
            }
            return new Settings(seeds, days, loads, hosts4, hosts8);
        }
    }

    /** One load level, summed over all seeds. */
    record Row(double load, SimulationResult spreading, SimulationResult packing,
            int optimumLower, double optimumUpper, double optimumGpuHoursUpper) {
    }

    private GpuPlacementSimulation() {
    }

    public static void main(String[] args) {
        Settings settings;
        try {
            settings = Settings.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("gpu placement simulation: " + e.getMessage());
            System.exit(2);
            return;
        }
        GpuCluster cluster = GpuCluster.of(RESOURCE_CLASS, settings.fourGpuHosts(),
                settings.eightGpuHosts());
        List<Row> rows = new ArrayList<>();
        for (double load : settings.loads()) {
            rows.add(simulate(cluster, load, settings.seeds(), settings.days()));
        }
        print(System.out, cluster, settings, rows);
    }

    static Row simulate(GpuCluster cluster, double load, int seeds, int days) {
        GpuPlacementStrategy spreading = new SpreadingGpuPlacement();
        GpuPlacementStrategy packing = new PackingGpuPlacement();
        SimulationResult spread = null;
        SimulationResult packed = null;
        int lower = 0;
        double upper = 0;
        double gpuHoursUpper = 0;
        for (int seed = 1; seed <= seeds; seed++) {
            List<DesktopRequest> trace = BeamtimeTrace.generate(seed, load, cluster.totalGpus(), days);
            SimulationResult s = OnlineSimulation.run(cluster, trace, spreading);
            SimulationResult p = OnlineSimulation.run(cluster, trace, packing);
            OfflineOptimum.Bounds bounds = OfflineOptimum.compute(cluster, trace, packing);
            spread = spread == null ? s : spread.plus(s);
            packed = packed == null ? p : packed.plus(p);
            // Every online schedule is also a schedule the optimum could have chosen.
            lower += Math.max(bounds.lowerBound(), Math.max(s.accepted(), p.accepted()));
            upper += Math.floor(bounds.upperBound() + 1e-9);
            gpuHoursUpper += bounds.gpuHoursUpperBound();
        }
        return new Row(load, spread.averagedOver(seeds), packed.averagedOver(seeds), lower, upper,
                gpuHoursUpper);
    }

    static void print(PrintStream out, GpuCluster cluster, Settings settings, List<Row> rows) {
        out.printf(Locale.ROOT, "GPU placement on synthetic beamtime traces%n");
        out.printf(Locale.ROOT, "cluster: %s; %d traces of %d days per load; desktops of 1/2/4 GPUs"
                + " (60/25/15 %%), 1-6 day windows on 8 h shifts%n", cluster.describe(),
                settings.seeds(), settings.days());
        out.printf(Locale.ROOT, "rejected = held at arrival and never placed (loss model);"
                + " stranded = time-averaged free GPUs on hosts with fewer than k free%n%n");
        String header = String.format(Locale.ROOT, "%-5s %-9s %8s %9s %9s %9s %8s %8s %8s %7s",
                "load", "strategy", "desktops", "rejected", "rej 1GPU", "rej multi", "GPU-h %",
                "str k=2", "str k=4", "whole");
        out.println(header);
        out.println("-".repeat(header.length()));
        for (Row row : rows) {
            SimulationResult s = row.spreading();
            SimulationResult p = row.packing();
            line(out, row.load(), "spreading", s);
            line(out, row.load(), "packing", p);
            out.printf(Locale.ROOT, "%-5s %-9s %8d %9s %9s %9s %8s%n",
                    percent(row.load()), "optimum", s.requested(),
                    (s.requested() - (long) row.optimumUpper()) + "-"
                            + (s.requested() - row.optimumLower()),
                    "", "", String.format(Locale.ROOT, "≤%.1f",
                            100.0 * row.optimumGpuHoursUpper() / s.gpuHoursRequested()));
        }
        out.println();
        out.printf(Locale.ROOT, "%-5s %26s %26s %26s%n", "load",
                "multi-GPU rejected", "accepted desktops", "accepted desktops");
        out.printf(Locale.ROOT, "%-5s %26s %26s %26s%n", "",
                "packing / spreading", "packing / optimum bound", "spreading / optimum bound");
        for (Row row : rows) {
            SimulationResult s = row.spreading();
            SimulationResult p = row.packing();
            out.printf(Locale.ROOT, "%-5s %26s %26s %26s%n", percent(row.load()),
                    s.multiRejected() == 0 ? "n/a (none rejected)"
                            : String.format(Locale.ROOT, "%.3f (%+.1f %%)",
                                    p.multiRejected() / (double) s.multiRejected(),
                                    100.0 * (p.multiRejected() - s.multiRejected()) / s.multiRejected()),
                    String.format(Locale.ROOT, "%.4f", p.accepted() / row.optimumUpper()),
                    String.format(Locale.ROOT, "%.4f", s.accepted() / row.optimumUpper()));
        }
        out.println();
        out.println("optimum: offline with hindsight. Its rejected column is a range: at least the"
                + " LP bound (desktops may move between hosts and be");
        out.println("accepted fractionally, solved exactly as a min-cost flow), at most a real"
                + " hindsight schedule on the actual hosts. The ratios");
        out.println("divide by the LP bound, so the true optimum is at least as close as shown.");
    }

    private static void line(PrintStream out, double load, String name, SimulationResult r) {
        out.printf(Locale.ROOT, "%-5s %-9s %8d %9d %9d %9d %8.1f %8.2f %8.2f %7.2f%n",
                percent(load), name, r.requested(), r.rejected(), r.singleRejected(),
                r.multiRejected(), 100.0 * r.gpuHoursAccepted() / r.gpuHoursRequested(),
                r.strandedBelow2(), r.strandedBelow4(), r.wholeFreeHosts());
    }

    private static String percent(double load) {
        return String.format(Locale.ROOT, "%.0f%%", 100 * load);
    }
}
