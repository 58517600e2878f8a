package cn.ac.ihep.heps.bench.agent;

import cn.ac.ihep.heps.agent.accounts.AccountPasswords;
import cn.ac.ihep.heps.agent.accounts.AccountSettings;
import cn.ac.ihep.heps.agent.accounts.DirectoryAccounts;
import cn.ac.ihep.heps.agent.accounts.SignInSettings;
import cn.ac.ihep.heps.agent.activity.ActivityService;
import cn.ac.ihep.heps.agent.api.ApiServer;
import cn.ac.ihep.heps.agent.api.BearerTokens;
import cn.ac.ihep.heps.agent.config.DirectoryServer;
import cn.ac.ihep.heps.agent.config.NumberRange;
import cn.ac.ihep.heps.agent.desktop.DesktopSignIn;
import cn.ac.ihep.heps.agent.desktop.DesktopState;
import cn.ac.ihep.heps.agent.experiment.DesktopSpec;
import cn.ac.ihep.heps.agent.experiment.Experiment;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.agent.secrets.SecretBox;
import cn.ac.ihep.heps.agent.secrets.SiteKey;
import cn.ac.ihep.heps.agent.store.ActivityRepository;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.bench.Percentiles;
import cn.ac.ihep.heps.bench.resolver.BenchEnvironment;
import cn.ac.ihep.heps.guacamole.resolver.ConfigurationService;
import cn.ac.ihep.heps.guacamole.resolver.signin.AgentSignIn;
import cn.ac.ihep.heps.testsupport.ldap.SambaAdTestBed;
import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * What RDP single sign-on costs: the time a login waits for the owner's sign-in (the VM
 * resolver's own client, {@link AgentSignIn}, against the agent's real
 * {@code POST /v1/desktop-sign-in} over HTTP on loopback, with the agent's database on
 * PostgreSQL), and the time one password change takes against the Samba AD test bed, alone
 * (its own LDAPS connection, as {@code AccountPasswords.rotate} makes it) and in a round of
 * changes after sessions ended (one connection for the round, as the agent's rotation loop does).
 *
 * <pre>
 * dev/samba-ad/up
 * ./mvnw -q -B -ntp -pl bench -am compile dependency:build-classpath -Dmdep.outputFile=target/bench.cp
 * java -cp bench/target/classes:$(cat bench/target/bench.cp) \
 *     cn.ac.ihep.heps.bench.agent.SignInBenchmark --fetches 50 --rotations 20
 * </pre>
 */
public final class SignInBenchmark {
    private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String CREDENTIAL_TOKEN = "bench-credential-token";

    private SignInBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int fetches = 50;
        int rotations = 20;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--fetches" -> fetches = Integer.parseInt(args[i + 1]);
                case "--rotations" -> rotations = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("Unknown option " + args[i] + " (known: --fetches, --rotations)");
            }
        }
        if (fetches < 20 || rotations < 1) {
            throw new IllegalArgumentException("--fetches must be 20 or more and --rotations 1 or more");
        }
        SambaAdTestBed ad = SambaAdTestBed.require();
        String tag = UUID.randomUUID().toString().substring(0, 5).toLowerCase(Locale.ROOT);
        String database = "heps_bench_signin_" + tag;
        execute("CREATE DATABASE " + database);
        String ou = ad.createOrganizationalUnit("heps-signin-bench");
        Path keyDir = Files.createTempDirectory("heps-bench-key");
        try (Database db = Database.open(SERVER + database, "postgres", "")) {
            try (LDAPConnection connection = ad.connect()) {
                connection.add(new Entry("OU=users," + ou, new Attribute("objectClass", "top", "organizationalUnit")));
                connection.add(new Entry("OU=groups," + ou, new Attribute("objectClass", "top", "organizationalUnit")));
            }
            AccountSettings settings = new AccountSettings("bench", Optional.empty(),
                    Optional.of(new DirectoryServer(ad.url(), ad.bindDn(), ad.bindPassword(), "OU=users," + ou,
                            "OU=groups," + ou, Optional.of(ad.caFile()), TIMEOUT)),
                    ad.upnSuffix(), new NumberRange(48000, 48999), new NumberRange(68000, 68999), 100,
                    "/home/{username}", "/bin/bash", Duration.ofDays(7));
            AccountPasswords passwords = new AccountPasswords(db, new AuditLog(), settings,
                    new SignInSettings(true, Duration.ofHours(1), ad.upnSuffix()),
                    new SecretBox(SiteKey.loadOrCreate(keyDir.resolve("key"))), Clock.systemUTC());

            // Members with AD accounts the agent made, each owning one desktop: the first signs in,
            // the others' passwords are changed (one just handed out is left alone for a minute).
            int members = rotations + 1;
            List<String> users = new ArrayList<>();
            for (int i = 0; i < members; i++) {
                users.add("s" + i + tag);
            }
            ExperimentRepository experiments = new ExperimentRepository();
            Instant now = Instant.now();
            Experiment experiment = new Experiment(0, "BENCH-SSO-" + tag, "B1", "bs" + tag,
                    now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)),
                    new DesktopSpec("windows", 0, "heps.desktop.cpu", null), users, now);
            db.inTransaction(c -> experiments.upsert(c, experiment, now));
            if (!new DirectoryAccounts(db, experiments, new AuditLog(), settings, Clock.systemUTC(), passwords).sync()
                    .succeeded()) {
                throw new IllegalStateException("the accounts pass failed");
            }
            DesktopRepository desktops = new DesktopRepository();
            db.inTransaction(c -> {
                long experimentId = experiments.find(c, experiment.proposalId()).orElseThrow().id();
                for (String user : users) {
                    long id = desktops.insert(c, experimentId, user, "b1-" + user, 0, now);
                    desktops.update(id).serverId("server-" + user).state(DesktopState.RUNNING).execute(c, now);
                }
                return null;
            });
            ActivityService activity = new ActivityService(db, new ActivityRepository(), new BearerTokens(List.of("a")),
                    ids -> List.of(), passwords::sessionEnded, Clock.systemUTC());
            try (ApiServer api = ApiServer.start(new InetSocketAddress("127.0.0.1", 0), new ApiServer.Services(null, db,
                    desktops, null, null, null, new AgentMetrics(), new BearerTokens(List.of("api")), false, activity,
                    new ApiServer.SignInAccess(new DesktopSignIn(db, desktops, passwords),
                            new BearerTokens(List.of(CREDENTIAL_TOKEN)), false)), null, false)) {
                measureFetches(api, users.get(0), fetches);
            }
            measureRotations(passwords, db, users.subList(1, users.size()), rotations);
        } finally {
            ad.deleteTree(ou);
            execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            try (var files = Files.list(keyDir)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(keyDir);
        }
    }

    /** The resolver's client, as a connect calls it, against the agent's API. */
    private static void measureFetches(ApiServer api, String user, int fetches) throws Exception {
        AgentSignIn client = new AgentSignIn(new ConfigurationService(new BenchEnvironment()
                .set("heps-agent-url", api.baseUri(false).toString())
                .set("heps-agent-token", "unused")
                .set("heps-agent-credential-token", CREDENTIAL_TOKEN)));
        long coldStart = System.nanoTime();
        if (client.fetch("server-" + user, user).isEmpty()) {
            throw new IllegalStateException("the agent gave no sign-in");
        }
        double cold = (System.nanoTime() - coldStart) / 1e6;
        double[] times = new double[fetches];
        for (int i = 0; i < fetches; i++) {
            long started = System.nanoTime();
            if (client.fetch("server-" + user, user).isEmpty()) {
                throw new IllegalStateException("the agent gave no sign-in");
            }
            times[i] = (System.nanoTime() - started) / 1e6;
        }
        Arrays.sort(times);
        System.out.printf(Locale.ROOT, "sign-in fetch (resolver -> agent API -> PostgreSQL), %d fetches: first %.1f ms, "
                + "p50 %.1f ms, p90 %.1f ms, max %.1f ms%n", fetches, cold, Percentiles.nearestRank(times, 50),
                Percentiles.nearestRank(times, 90), times[times.length - 1]);
    }

    private static void measureRotations(AccountPasswords passwords, Database db, List<String> users, int rotations) {
        double[] alone = new double[rotations];
        for (int i = 0; i < rotations; i++) {
            long started = System.nanoTime();
            passwords.rotate(users.get(i % users.size()));
            alone[i] = (System.nanoTime() - started) / 1e6;
        }
        Arrays.sort(alone);
        System.out.printf(Locale.ROOT, "password change against Samba AD, alone (own LDAPS connection), %d changes: "
                + "p50 %.1f ms, p90 %.1f ms, max %.1f ms%n", rotations, Percentiles.nearestRank(alone, 50),
                Percentiles.nearestRank(alone, 90), alone[alone.length - 1]);

        // Every member's session ended: one round changes them all over one connection.
        Instant ended = Instant.now();
        db.inTransaction(c -> {
            for (String user : users) {
                passwords.sessionEnded(c, "server-" + user, ended);
            }
            return null;
        });
        long started = System.nanoTime();
        AccountPasswords.RotationReport round = passwords.rotateDue();
        double roundMs = (System.nanoTime() - started) / 1e6;
        if (round.changed().size() != users.size()) {
            throw new IllegalStateException("the round changed " + round.changed() + " of " + users);
        }
        System.out.printf(Locale.ROOT, "a round after %d sessions ended: %.0f ms, %.1f ms per change%n", users.size(),
                roundMs, roundMs / users.size());
    }

    private static void execute(String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(SERVER + "postgres", "postgres", "");
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
