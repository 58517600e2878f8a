package cn.ac.ihep.heps.agent.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The migrations that make the audit log readable by user (V7) and desktops personal (V6) on
 * a database that already holds entries and experiments, on both databases the agent runs on:
 * earlier entries learn whom they concern from their subject or detail, and earlier experiments
 * become personal.
 */
class AuditMigrationTest {

    @Test
    void onPostgreSql() throws Exception {
        String name = "heps_agent_audit_migration_" + UUID.randomUUID().toString().substring(0, 8).toLowerCase(Locale.ROOT);
        try (Connection server = DriverManager.getConnection(TestDatabase.SERVER + "postgres", TestDatabase.USER, "");
                Statement statement = server.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        }
        try {
            check(TestDatabase.SERVER + name, TestDatabase.USER);
        } finally {
            try (Connection server = DriverManager.getConnection(TestDatabase.SERVER + "postgres", TestDatabase.USER, "");
                    Statement statement = server.createStatement()) {
                statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            }
        }
    }

    @Test
    void onTheEmbeddedH2(@TempDir Path home) throws Exception {
        check("jdbc:h2:file:" + home.resolve("agent") + ";WRITE_DELAY=0", "");
    }

    private static void check(String url, String user) throws Exception {
        Flyway.configure().dataSource(url, user, "").locations("classpath:db/migration").target("5").load().migrate();
        try (Connection c = DriverManager.getConnection(url, user, "")) {
            try (Statement insert = c.createStatement()) {
                insert.executeUpdate("INSERT INTO experiments (proposal_id, beamline, group_name, starts_at, ends_at, "
                        + "os_type, gpu_count, flavor, created_at, updated_at) VALUES ('P-OLD', 'B1', 'P-OLD', "
                        + "TIMESTAMP WITH TIME ZONE '2026-01-01 00:00:00+00', TIMESTAMP WITH TIME ZONE "
                        + "'2026-01-02 00:00:00+00', 'linux', 0, 'cpu', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
            }
            Map<String, String[]> entries = new LinkedHashMap<>();
            entries.put("plan", new String[] {"agent-1", "desktop.plan", "desktop/P-OLD/alice", "server=x"});
            entries.put("member", new String[] {"api:10.0.0.1", "member.add", "experiment/P-OLD", "username=bob"});
            entries.put("account", new String[] {"agent-1", "account-number-allocated", "account:carol", "uidNumber=1"});
            entries.put("quota", new String[] {"cli:root", "quota.set", "quota/site", "desktops=3"});
            entries.put("long", new String[] {"agent-1", "desktop.plan", "desktop/P-OLD/" + "x".repeat(60), "server=y"});
            for (String[] entry : entries.values()) {
                try (PreparedStatement insert = c.prepareStatement(
                        "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)")) {
                    Sql.setInstant(insert, 1, Instant.parse("2026-01-01T00:00:00Z"));
                    for (int i = 0; i < 4; i++) {
                        insert.setString(i + 2, entry[i]);
                    }
                    insert.executeUpdate();
                }
            }
        }
        try (Database database = Database.open(url, user, "")) {
            Map<String, String> concerns = database.inTransaction(c -> {
                Map<String, String> bySubject = new LinkedHashMap<>();
                try (Statement select = c.createStatement();
                        ResultSet rows = select.executeQuery("SELECT subject, username FROM audit_log ORDER BY id")) {
                    while (rows.next()) {
                        bySubject.put(rows.getString(1), rows.getString(2));
                    }
                }
                return bySubject;
            });
            Map<String, String> expected = new LinkedHashMap<>();
            expected.put("desktop/P-OLD/alice", "alice");
            expected.put("experiment/P-OLD", "bob");
            expected.put("account:carol", "carol");
            expected.put("quota/site", null);
            expected.put("desktop/P-OLD/" + "x".repeat(60), null);
            assertEquals(expected, concerns);
            assertEquals("personal", database.inTransaction(c -> {
                try (Statement select = c.createStatement(); ResultSet rows = select.executeQuery(
                        "SELECT desktop_access FROM experiments WHERE proposal_id = 'P-OLD'")) {
                    rows.next();
                    return rows.getString(1);
                }
            }), "an experiment from before asked for nothing: its desktops become personal");
        }
    }
}
