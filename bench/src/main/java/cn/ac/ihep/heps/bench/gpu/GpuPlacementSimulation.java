package cn.ac.ihep.heps.bench.gpu;

import cn.ac.ihep.heps.agent.gpu.GpuCalendarPlanner;
import cn.ac.ihep.heps.agent.gpu.GpuPlacementStrategy;
import cn.ac.ihep.heps.agent.gpu.PackingGpuPlacement;
import cn.ac.ihep.heps.agent.gpu.SpreadingGpuPlacement;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * Compares GPU placement strategies on synthetic beamtime traces and prints one table:
 * {@link SpreadingGpuPlacement} (Nova's default), {@link PackingGpuPlacement} (online packing,
 * deciding each desktop alone when it is due), an online reference that may move desktops
 * freely, {@link GpuCalendarPlanner} (what the agent runs: it plans every desktop it knows of)
 * under each {@link BeamtimeTrace.Notice} model, and a bracket around the offline optimum.
 *
 * <p>Run from the repository root:
 * <pre>
 * ./mvnw -q -B -ntp -pl bench -am compile exec:java \
 *     -Dexec.mainClass=cn.ac.ihep.heps.bench.gpu.GpuPlacementSimulation
 * </pre>
 * ({@code -Dexec.mainClass} is needed because {@code -am} asks every module in the build to
 * run something; the others skip.) Options go in {@code -Dexec.args="..."}: {@code --seeds N}
 * (traces per load, default 10), {@code --days N} (365), {@code --loads 0.5,0.8}
 * (0.5,0.65,0.8,0.95), {@code --hosts4 N} (6), {@code --hosts8 N} (4).
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
                    case "--seeds" -> seeds = atLeast(name, value, 1);
                    case "--days" -> days = atLeast(name, value, 1);
                    case "--hosts4" -> hosts4 = atLeast(name, value, 0);
                    case "--hosts8" -> hosts8 = atLeast(name, value, 0);
                    case "--loads" -> loads = loads(value);
                    default -> throw new IllegalArgumentException("unknown option " + name
                            + " (known: --seeds, --days, --loads, --hosts4, --hosts8)");
                }
            }
            if (hosts4 + hosts8 == 0) {
                throw new IllegalArgumentException("--hosts4 and --hosts8 leave no GPU host");
            }
            return new Settings(seeds, days, loads, hosts4, hosts8);
        }

        private static int atLeast(String name, String value, int minimum) {
            int number;
            try {
                number = Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " needs a whole number, not '" + value + "'");
            }
            if (number < minimum) {
                throw new IllegalArgumentException(name + " must be at least " + minimum + ", not " + number);
            }
            return number;
        }

        private static double[] loads(String value) {
            String[] parts = value.split(",");
            double[] loads = new double[parts.length];
            for (int i = 0; i < parts.length; i++) {
                try {
                    loads[i] = Double.parseDouble(parts[i].trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--loads needs fractions such as 0.5,0.8, not '"
                            + value + "'");
                }
                if (!(loads[i] > 0 && loads[i] <= 2)) {
                    throw new IllegalArgumentException("--loads must lie in (0, 2], not " + parts[i].trim());
                }
            }
            return loads;
        }
    }

    /** One load level, summed over all seeds. */
    record Row(double load, SimulationResult spreading, SimulationResult packing,
            SimulationResult repacking, Map<BeamtimeTrace.Notice, SimulationResult> calendar, SimulationResult hindsight,
            int optimumLower, double optimumUpper, double optimumGpuHoursUpper, double[] multiRatioPerTrace) {
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
        // Free live migration between hosts, as a reference: because 1, 2 and 4 divide every
        // host size, that is the same as one host holding all the GPUs.
        GpuCluster pooled = new GpuCluster(cluster.resourceClass(),
                List.of(new GpuCluster.Host("all-hosts", cluster.totalGpus())));
        SimulationResult spread = null;
        SimulationResult packed = null;
        SimulationResult repacked = null;
        SimulationResult hindsight = null;
        Map<BeamtimeTrace.Notice, SimulationResult> calendar = new EnumMap<>(BeamtimeTrace.Notice.class);
        GpuCalendarPlanner planner = new GpuCalendarPlanner();
        int lower = 0;
        double upper = 0;
        double gpuHoursUpper = 0;
        double[] multiRatios = new double[seeds];
        for (int seed = 1; seed <= seeds; seed++) {
            List<DesktopRequest> trace = BeamtimeTrace.generate(seed, load, cluster.totalGpus(), days);
            SimulationResult s = OnlineSimulation.run(cluster, trace, spreading);
            SimulationResult p = OnlineSimulation.run(cluster, trace, packing);
            SimulationResult r = OnlineSimulation.run(pooled, trace, packing);
            int bestOnline = Math.max(s.accepted(), p.accepted());
            for (BeamtimeTrace.Notice notice : BeamtimeTrace.Notice.values()) {
                // The same desktops, announced earlier or later.
                List<DesktopRequest> announced = BeamtimeTrace.generate(seed, load, cluster.totalGpus(), days, notice);
                SimulationResult c = CalendarSimulation.run(cluster, announced, planner);
                calendar.merge(notice, c, SimulationResult::plus);
                bestOnline = Math.max(bestOnline, c.accepted());
            }
            OfflineOptimum.Bounds bounds = OfflineOptimum.compute(cluster, trace);
            SimulationResult h = OnlineSimulation.replay(cluster, trace, bounds.hindsightHosts());
            hindsight = hindsight == null ? h : hindsight.plus(h);
            spread = spread == null ? s : spread.plus(s);
            packed = packed == null ? p : packed.plus(p);
            repacked = repacked == null ? r : repacked.plus(r);
            multiRatios[seed - 1] = s.multiRejected() == 0 ? Double.NaN
                    : p.multiRejected() / (double) s.multiRejected();
            // Every online schedule is also a schedule the optimum could have chosen.
            lower += Math.max(bounds.lowerBound(), bestOnline);
            upper += Math.floor(bounds.upperBound() + 1e-9);
            gpuHoursUpper += bounds.gpuHoursUpperBound();
        }
        calendar.replaceAll((notice, result) -> result.averagedOver(seeds));
        return new Row(load, spread.averagedOver(seeds), packed.averagedOver(seeds),
                repacked.averagedOver(seeds), calendar, hindsight.averagedOver(seeds), lower, upper, gpuHoursUpper, multiRatios);
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
            SimulationResult r = row.repacking();
            out.printf(Locale.ROOT, "%-5s %-9s %8d %9d %9d %9d %8.1f %8s %8s %7s%n",
                    percent(row.load()), "repacking", r.requested(), r.rejected(),
                    r.singleRejected(), r.multiRejected(),
                    100.0 * r.gpuHoursAccepted() / r.gpuHoursRequested(), "-", "-", "-");
            for (Map.Entry<BeamtimeTrace.Notice, SimulationResult> entry : row.calendar().entrySet()) {
                line(out, row.load(), "cal/" + entry.getKey().name().toLowerCase(Locale.ROOT), entry.getValue());
            }
            line(out, row.load(), "hindsight", row.hindsight());
            out.printf(Locale.ROOT, "%-5s %-9s %8d %9s %9s %9s %8s%n",
                    percent(row.load()), "optimum", s.requested(),
                    (s.requested() - (long) row.optimumUpper()) + "-"
                            + (s.requested() - row.optimumLower()),
                    "", "", String.format(Locale.ROOT, "≤%.1f",
                            100.0 * row.optimumGpuHoursUpper() / s.gpuHoursRequested()));
        }
        out.println();
        String summary = "%-5s %-27s %-10s %-12s %-12s %-12s %-12s %-12s %s%n";
        out.printf(Locale.ROOT, "%-5s %-38s %s%n", "load", "multi-GPU rejected / spreading's",
                "accepted / optimum (upper-lower end of its bracket)");
        out.printf(Locale.ROOT, summary, "", "packing (per trace)", "cal/cycle", "spreading", "packing",
                "repacking", "cal/none", "cal/short", "cal/cycle");
        for (Row row : rows) {
            SimulationResult s = row.spreading();
            SimulationResult p = row.packing();
            SimulationResult cycle = row.calendar().get(BeamtimeTrace.Notice.CYCLE);
            double[] perTrace = Arrays.stream(row.multiRatioPerTrace())
                    .filter(ratio -> !Double.isNaN(ratio)).sorted().toArray();
            boolean noneRejected = s.multiRejected() == 0;
            String multi = noneRejected ? "n/a (none rejected)"
                    : String.format(Locale.ROOT, "%.3f (%.3f-%.3f)",
                            p.multiRejected() / (double) s.multiRejected(),
                            perTrace[0], perTrace[perTrace.length - 1]);
            out.printf(Locale.ROOT, summary, percent(row.load()), multi,
                    noneRejected ? "n/a" : String.format(Locale.ROOT, "%.3f", cycle.multiRejected() / (double) s.multiRejected()),
                    share(s, row), share(p, row), share(row.repacking(), row),
                    share(row.calendar().get(BeamtimeTrace.Notice.NONE), row),
                    share(row.calendar().get(BeamtimeTrace.Notice.SHORT), row), share(cycle, row));
        }
        out.println();
        out.println("optimum: offline with hindsight. Its rejected column is a range: at least the"
                + " LP bound (desktops may move between hosts and be");
        out.println("accepted fractionally, solved exactly as a min-cost flow), at most what a real"
                + " hindsight schedule on the actual hosts rejects.");
        out.println("The shares divide by both ends of that range: the true figure lies between them.");
        out.println("hindsight: that real hindsight schedule itself, with its stranded GPUs.");
        out.println("repacking: online like the others, but desktops may move between hosts at no"
                + " cost (no fragmentation at all): a reference");
        out.println("for how much of the gap to the optimum is placement and how much is accepting"
                + " whatever fits without knowing the future.");
        out.println("cal/<notice>: the agent's GPU calendar, deciding each desktop when it is due with every"
                + " desktop announced by then in view;");
        out.println("none = announced when due, short = 0-7 days ahead, cycle = 70 % with the run cycle's"
                + " schedule 14-90 days ahead, 30 % 0-7 days ahead.");
    }

    private static void line(PrintStream out, double load, String name, SimulationResult r) {
        out.printf(Locale.ROOT, "%-5s %-9s %8d %9d %9d %9d %8.1f %8.2f %8.2f %7.2f%n",
                percent(load), name, r.requested(), r.rejected(), r.singleRejected(),
                r.multiRejected(), 100.0 * r.gpuHoursAccepted() / r.gpuHoursRequested(),
                r.strandedBelow2(), r.strandedBelow4(), r.wholeFreeHosts());
    }

    /** Accepted desktops over the optimum's upper and lower bound, in percent. */
    private static String share(SimulationResult result, Row row) {
        return String.format(Locale.ROOT, "%.1f-%.1f%%", 100.0 * result.accepted() / row.optimumUpper(),
                100.0 * result.accepted() / row.optimumLower());
    }

    private static String percent(double load) {
        return String.format(Locale.ROOT, "%.0f%%", 100 * load);
    }
}
