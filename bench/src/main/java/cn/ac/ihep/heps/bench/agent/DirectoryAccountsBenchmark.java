package cn.ac.ihep.heps.bench.agent;

import cn.ac.ihep.heps.agent.accounts.AccountSettings;
import cn.ac.ihep.heps.agent.accounts.DirectoryAccounts;
import cn.ac.ihep.heps.agent.accounts.SyncReport;
import cn.ac.ihep.heps.agent.config.DirectoryServer;
import cn.ac.ihep.heps.agent.config.NumberRange;
import cn.ac.ihep.heps.agent.experiment.DesktopSpec;
import cn.ac.ihep.heps.agent.experiment.Experiment;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.bench.Percentiles;
import cn.ac.ihep.heps.testsupport.ldap.DirectoryFixture;
import cn.ac.ihep.heps.testsupport.ldap.SambaAdTestBed;
import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import java.net.URI;
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
import java.util.Optional;
import java.util.UUID;

/**
 * How long the directory accounts pass takes for N experiment members, four to an experiment
 * group: the first pass, which creates every LDAP and AD account and group, and steady passes
 * that change nothing (percentiles). LDAP is the in-memory schema-checked server of
 * heps-test-support; AD is the Samba domain controller of dev/samba-ad over LDAPS on loopback;
 * the database is a fresh PostgreSQL one.
 *
 * <pre>
 * dev/samba-ad/up
 * ./mvnw -q -B -ntp -pl bench -am compile dependency:build-classpath -Dmdep.outputFile=target/bench.cp
 * java -cp bench/target/classes:$(cat bench/target/bench.cp) \
 *     cn.ac.ihep.heps.bench.agent.DirectoryAccountsBenchmark --members 20,200 --passes 10
 * </pre>
 */
public final class DirectoryAccountsBenchmark {
    private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private DirectoryAccountsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int[] sizes = {20, 200};
        int passes = 10;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--members" -> sizes = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--passes" -> passes = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("Unknown option " + args[i] + " (known: --members, --passes)");
            }
        }
        SambaAdTestBed ad = SambaAdTestBed.require();
        System.out.printf(Locale.ROOT, "%8s %7s %12s %12s %12s %12s %14s%n", "members", "groups", "first-pass",
                "steady-p50", "steady-p95", "steady-max", "p50/member");
        for (int size : sizes) {
            run(ad, size, passes);
        }
    }

    private static void run(SambaAdTestBed ad, int size, int passes) throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 5).toLowerCase(Locale.ROOT);
        String database = "heps_bench_accounts_" + tag;
        execute("CREATE DATABASE " + database);
        String ou = ad.createOrganizationalUnit("heps-accounts-bench");
        try (DirectoryFixture ldap = DirectoryFixture.posixAccounts();
                Database db = Database.open(SERVER + database, "postgres", "")) {
            try (LDAPConnection connection = ad.connect()) {
                connection.add(new Entry("OU=users," + ou, new Attribute("objectClass", "top", "organizationalUnit")));
                connection.add(new Entry("OU=groups," + ou, new Attribute("objectClass", "top", "organizationalUnit")));
            }
            ExperimentRepository experiments = new ExperimentRepository();
            Instant now = Instant.now();
            int groups = (size + 3) / 4;
            for (int g = 0; g < groups; g++) {
                List<String> members = new ArrayList<>();
                for (int m = g * 4; m < Math.min(size, g * 4 + 4); m++) {
                    members.add("b" + m + tag);
                }
                Experiment experiment = new Experiment(0, "BENCH-" + tag + "-" + g, "B1", "bg" + g + tag,
                        now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(2)),
                        new DesktopSpec("linux", 0, "heps.desktop.cpu", null), members, now);
                db.inTransaction(c -> experiments.upsert(c, experiment, now));
            }
            AccountSettings settings = new AccountSettings("bench",
                    Optional.of(new DirectoryServer(URI.create(ldap.url()), ldap.bindDn(), ldap.bindPassword(),
                            ldap.userBaseDn(), ldap.groupBaseDn(), Optional.empty(), TIMEOUT)),
                    Optional.of(new DirectoryServer(ad.url(), ad.bindDn(), ad.bindPassword(), "OU=users," + ou,
                            "OU=groups," + ou, Optional.of(ad.caFile()), TIMEOUT)),
                    ad.upnSuffix(), new NumberRange(40000, 49999), new NumberRange(60000, 69999), 100,
                    "/home/{username}", "/bin/bash", Duration.ofDays(7));
            DirectoryAccounts accounts = new DirectoryAccounts(db, experiments, new AuditLog(), settings,
                    Clock.systemUTC());

            long started = System.nanoTime();
            SyncReport first = accounts.sync();
            double firstMs = (System.nanoTime() - started) / 1e6;
            if (!first.succeeded()) {
                throw new IllegalStateException("The first pass failed: " + first);
            }
            double[] steady = new double[passes];
            for (int i = 0; i < passes; i++) {
                long t = System.nanoTime();
                SyncReport report = accounts.sync();
                steady[i] = (System.nanoTime() - t) / 1e6;
                if (!report.unchanged() || !report.succeeded()) {
                    throw new IllegalStateException("A steady pass changed something or failed: " + report);
                }
            }
            Arrays.sort(steady);
            System.out.printf(Locale.ROOT, "%8d %7d %10.0f ms %10.1f ms %10.1f ms %10.1f ms %12.2f ms%n", size, groups,
                    firstMs, Percentiles.nearestRank(steady, 50), Percentiles.nearestRank(steady, 95), steady[steady.length - 1],
                    Percentiles.nearestRank(steady, 50) / size);
        } finally {
            ad.deleteTree(ou);
            execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }


    private static void execute(String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(SERVER + "postgres", "postgres", "");
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
