package cn.ac.ihep.heps.bench.gpu;

import cn.ac.ihep.heps.agent.idle.IdlePolicy;
import cn.ac.ihep.heps.agent.idle.IdleSettings;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * What idle reclaim does to GPUs on synthetic beamtime: the desktops of {@link BeamtimeTrace},
 * their users from {@link UsageTrace}, played by {@link IdleReclaimRun} once without reclaim
 * (today: a desktop holds its GPUs until its window ends) and once per idle policy, all on the
 * same desktops and users. The policies are the agent's own ({@link IdleSettings},
 * {@link IdlePolicy}): the site defaults (shelve a GPU desktop after 2 hours without a
 * connection, never disconnect), and the defaults plus a disconnect after 1 hour without input.
 *
 * <p>Run from the repository root:
 * <pre>
 * ./mvnw -q -B -ntp -pl bench -am compile exec:java \
 *     -Dexec.mainClass=cn.ac.ihep.heps.bench.gpu.IdleReclaimSimulation
 * </pre>
 * Options go in {@code -Dexec.args="..."}: {@code --seeds N} (traces per load, default 5),
 * {@code --days N} (365), {@code --loads 0.8,1.0} (0.6,0.8,1.0), {@code --hosts4 N} (6),
 * {@code --hosts8 N} (4).
 */
public final class IdleReclaimSimulation {

    /** The policies compared, by the name the table shows; null is no reclaim. */
    static final Map<String, IdleSettings> POLICIES = new LinkedHashMap<>();

    static {
        POLICIES.put("none", null);
        POLICIES.put("defaults", IdleSettings.defaults());
        POLICIES.put("+disc 1h", IdleSettings.parse("PT1H", IdleSettings.DEFAULT_SHELVE_AFTER,
                IdleSettings.DEFAULT_SHELVE_AFTER_WITHOUT_GPU));
    }

    /** One load level: each policy's result, summed over the seeds. */
    record Row(double load, int days, Map<String, IdleResult> results) {

        IdleResult none() {
            return results.get("none");
        }
    }

    private IdleReclaimSimulation() {
    }

    public static void main(String[] args) {
        GpuPlacementSimulation.Settings settings;
        try {
            settings = GpuPlacementSimulation.Settings.parse(withDefaults(args));
        } catch (IllegalArgumentException e) {
            System.err.println("idle reclaim simulation: " + e.getMessage());
            System.exit(2);
            return;
        }
        GpuCluster cluster = GpuCluster.of(GpuPlacementSimulation.RESOURCE_CLASS, settings.fourGpuHosts(),
                settings.eightGpuHosts());
        List<Row> rows = new ArrayList<>();
        for (double load : settings.loads()) {
            rows.add(simulate(cluster, load, settings.seeds(), settings.days()));
        }
        print(System.out, cluster, settings, rows);
    }

    /** This simulation's own defaults, before the options given. */
    static String[] withDefaults(String[] args) {
        List<String> all = new ArrayList<>(List.of("--seeds", "5", "--loads", "0.6,0.8,1.0"));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    static Row simulate(GpuCluster cluster, double load, int seeds, int days) {
        Map<String, IdleResult> results = new LinkedHashMap<>();
        for (int seed = 1; seed <= seeds; seed++) {
            long traceSeed = seed;
            List<DesktopRequest> trace = BeamtimeTrace.generate(seed, load, cluster.totalGpus(), days);
            Map<Integer, List<UsageTrace.Connection>> usage = new LinkedHashMap<>();
            for (DesktopRequest desktop : trace) {
                usage.put(desktop.id(), UsageTrace.generate(desktop, traceSeed));
            }
            for (Map.Entry<String, IdleSettings> policy : POLICIES.entrySet()) {
                IdleSettings idle = policy.getValue();
                // The trace's desktops all belong to one beamline; each has its GPU count.
                Function<DesktopRequest, IdlePolicy> policies = idle == null ? null
                        : desktop -> idle.policyFor("simulated-beamline", desktop.gpus());
                IdleResult result = IdleReclaimRun.run(cluster, trace, d -> usage.get(d.id()), policies);
                results.merge(policy.getKey(), result, IdleResult::plus);
            }
        }
        return new Row(load, days * seeds, results);
    }

    static void print(PrintStream out, GpuCluster cluster, GpuPlacementSimulation.Settings settings, List<Row> rows) {
        out.printf(Locale.ROOT, "Idle GPU reclaim on synthetic beamtime traces%n");
        out.printf(Locale.ROOT, "cluster: %s; %d traces of %d days per load; users connect a few hours on most"
                + " weekdays, rarely at weekends;%n15 %% leave the day's last tab open 2-14 h, 10 %% of desktops run"
                + " one 6-30 h GPU job with the session open and no input%n%n", cluster.describe(),
                settings.seeds(), settings.days());
        String header = String.format(Locale.ROOT, "%-5s %-9s %9s %9s %9s %9s %6s %8s %7s %8s %6s %6s %6s %5s",
                "load", "reclaim", "GPU-h held", "in use", "idle", "idle open", "cut", "sessions", "refused",
                "lost", "wakes", "wait m", "shelvd", "jobs!");
        out.println(header);
        out.println("-".repeat(header.length()));
        for (Row row : rows) {
            long idleWithout = row.none().gpuMinutesIdle();
            for (Map.Entry<String, IdleResult> entry : row.results().entrySet()) {
                IdleResult r = entry.getValue();
                double cut = idleWithout == 0 ? 0 : 100.0 * (idleWithout - r.gpuMinutesIdle()) / idleWithout;
                int served = r.sessions() - r.sessionsLost();
                out.printf(Locale.ROOT, "%-5s %-9s %10.0f %9.0f %9.0f %9.0f %5.1f%% %8d %7d %8d %6d %6.1f %6d %5d%n",
                        String.format(Locale.ROOT, "%.0f%%", 100 * row.load()), entry.getKey(),
                        r.gpuMinutesHeld() / 60.0, r.gpuMinutesInUse() / 60.0, r.gpuMinutesIdle() / 60.0,
                        r.gpuMinutesConnectedUnused() / 60.0, cut, r.sessions(), r.sessionsRefused(),
                        r.sessionsLost(), r.wakes(), served == 0 ? 0 : (double) r.wakeWaitMinutes() / served,
                        r.shelves(), r.jobsInterrupted());
            }
            out.printf(Locale.ROOT, "%-5s desktops %d (never placed: %s); GPU jobs %d; shelved with a connection open:"
                    + " %s%n%n", "", row.none().desktops(), neverPlaced(row), row.none().jobs(),
                    shelvedWhileConnected(row));
            if (row.results().values().stream().anyMatch(r -> r.shelvedWhileConnected() != 0)) {
                throw new IllegalStateException("a desktop was shelved with a connection open");
            }
        }
        out.println("held: GPU-hours held by running or waking desktops; in use: waking, running a GPU job, or its user");
        out.println("connected and sent input in the last 15 min; idle = held - in use; idle open: idle with a tab open;");
        out.println("cut: idle GPU-hours saved against no reclaim; refused: connections whose first attempt found no GPU");
        out.println("(new desktop not yet placed, or shelved and no host could wake it); lost: never got the desktop;");
        out.println("wait m: mean minutes from wanting to connecting; shelvd: shelves; jobs!: GPU jobs cut by a shelve.");
        out.println("defaults: shelve GPU desktops after 2 h without a connection; +disc 1h: also disconnect after 1 h");
        out.println("without input. Wakes go to the host Nova's spreading picks; new desktops are placed by packing.");
    }

    private static String neverPlaced(Row row) {
        List<String> parts = new ArrayList<>();
        row.results().forEach((name, r) -> parts.add(name + " " + r.desktopsNeverPlaced()));
        return String.join(", ", parts);
    }

    private static String shelvedWhileConnected(Row row) {
        List<String> parts = new ArrayList<>();
        row.results().forEach((name, r) -> parts.add(name + " " + r.shelvedWhileConnected()));
        return String.join(", ", parts);
    }
}
