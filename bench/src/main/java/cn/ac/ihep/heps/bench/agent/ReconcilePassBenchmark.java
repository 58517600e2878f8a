package cn.ac.ihep.heps.bench.agent;

import cn.ac.ihep.heps.agent.agent.AgentContext;
import cn.ac.ihep.heps.agent.agent.CloudProviders;
import cn.ac.ihep.heps.agent.config.AgentConfiguration;
import cn.ac.ihep.heps.agent.experiment.ExperimentInput;
import cn.ac.ihep.heps.agent.reconcile.PassReport;
import cn.ac.ihep.heps.agent.reconcile.Reconciler;
import cn.ac.ihep.heps.bench.Percentiles;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerQuery;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.common.desktop.DesktopMetadata;
import cn.ac.ihep.heps.common.desktop.DesktopTags;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * How long a reconcile pass takes for N desktops, against the OpenStack test bed and a fresh
 * PostgreSQL database: the pass that creates them, steady-state passes that change nothing
 * (percentiles), and the pass that deletes them.
 *
 * <p>Run from the repository root with the test bed up (dev/openstack/up) and a beamline
 * image present (dev/demo makes B1 and B7):
 * <pre>
 * export OS_CLIENT_CONFIG_FILE=/var/lib/heps-openstack/clouds.yaml OS_CLOUD=heps-dev-admin
 * ./mvnw -q -B -ntp -pl bench -am compile dependency:build-classpath -Dmdep.outputFile=target/bench.cp
 * java -cp bench/target/classes:$(cat bench/target/bench.cp) \
 *     cn.ac.ihep.heps.bench.agent.ReconcilePassBenchmark --desktops 5,20 --passes 10
 * </pre>
 * Options: {@code --desktops 10,40}, {@code --passes 20} (steady passes per size),
 * {@code --beamline B7}, {@code --flavor heps.desktop.cpu}, {@code --future true} (the window
 * opens in a week: no VM is booted, and with a GPU flavor every pass plans the GPU calendar;
 * compare with a CPU flavor for what planning adds).
 */
public final class ReconcilePassBenchmark {
    private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";

    public static void main(String[] args) throws Exception {
        int[] sizes = {10, 40};
        int passes = 20;
        String beamline = "B7";
        String flavor = "heps.desktop.cpu";
        boolean future = false;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--desktops" -> sizes = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--passes" -> passes = Integer.parseInt(args[i + 1]);
                case "--beamline" -> beamline = args[i + 1];
                case "--flavor" -> flavor = args[i + 1];
                case "--future" -> future = Boolean.parseBoolean(args[i + 1]);
                default -> throw new IllegalArgumentException("Unknown option " + args[i]);
            }
        }
        System.out.printf(Locale.ROOT, "%9s %12s %12s %12s %12s %14s %12s%n", "desktops", "create-pass",
                "steady-p50", "steady-p95", "steady-max", "p50/desktop", "delete-pass");
        for (int size : sizes) {
            run(size, passes, beamline, flavor, future);
        }
    }

    private static void run(int size, int passes, String beamline, String flavor, boolean future) throws Exception {
        String database = "heps_bench_" + UUID.randomUUID().toString().substring(0, 8);
        execute("CREATE DATABASE " + database);
        try {
            String proposal = "BENCH-" + database.substring(11);
            AgentConfiguration configuration = AgentConfiguration.of(Map.of(
                    "database-url", SERVER + database, "database-user", "postgres", "beamlines", beamline,
                    "agent-id", "bench", "vnc-site-secret", "a-site-secret-of-at-least-16-bytes",
                    "guacd-cidrs", "10.42.0.1/32"));
            AgentContext context = new AgentContext(configuration, CloudProviders::fromEnvironment, Clock.systemUTC());
            List<String> members = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                members.add("bench" + i + "-" + database.substring(11));
            }
            Instant now = Instant.now();
            Instant start = future ? now.plus(Duration.ofDays(7)) : now.minus(Duration.ofMinutes(5));
            int gpus = context.cloud().findFlavor(flavor).orElseThrow(() ->
                    new IllegalArgumentException("no flavor " + flavor)).gpuCount();
            context.experiments().apply(new ExperimentInput(proposal, beamline, null,
                    start.toString(), start.plus(Duration.ofHours(4)).toString(),
                    new ExperimentInput.DesktopInput("linux", gpus, flavor, null), members), "bench");
            Reconciler reconciler = context.reconciler("http://127.0.0.1:8640");
            PassReport create = reconciler.reconcile();
            if (!future) {
                waitUntilActive(context, proposal, size);
            }
            reconciler.reconcile(); // records addresses and states
            double[] steady = new double[passes];
            for (int i = 0; i < passes; i++) {
                PassReport report = reconciler.reconcile();
                if (!report.changedNothing()) {
                    throw new IllegalStateException("A steady pass changed something: " + report.actions());
                }
                steady[i] = report.duration().toNanos() / 1e6;
            }
            Arrays.sort(steady);
            for (String member : members) {
                context.experiments().removeMember(proposal, member, "bench");
            }
            PassReport delete = reconciler.reconcile();
            System.out.printf(Locale.ROOT, "%9d %10d ms %10.1f ms %10.1f ms %10.1f ms %12.2f ms %10d ms%n", size,
                    create.duration().toMillis(), Percentiles.nearestRank(steady, 50), Percentiles.nearestRank(steady, 95), steady[steady.length - 1],
                    Percentiles.nearestRank(steady, 50) / size, delete.duration().toMillis());
            context.database().close();
        } finally {
            execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }

    private static void waitUntilActive(AgentContext context, String proposal, int size) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(10));
        while (Instant.now().isBefore(deadline)) {
            long active = 0;
            for (CloudServer server : context.cloud().listServers(ServerQuery.withTag(DesktopTags.DESKTOP))) {
                if (proposal.equals(server.metadata().get(DesktopMetadata.EXPERIMENT))
                        && server.state() == ServerState.ACTIVE) {
                    active++;
                }
            }
            if (active >= size) {
                return;
            }
            Thread.sleep(1000);
        }
        throw new IllegalStateException("The desktops of " + proposal + " did not become ACTIVE in 10 minutes");
    }


    private static void execute(String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(SERVER + "postgres", "postgres", "");
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
