package cn.ac.ihep.heps.agent.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/**
 * A fresh PostgreSQL database on the machine's server (127.0.0.1:5432, trust auth) for one
 * test class, dropped afterwards, so parallel test runs never share state.
 */
public final class TestDatabase implements AutoCloseable {
    public static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";
    public static final String USER = "postgres";

    private final String name;
    private final Database database;

    private TestDatabase(String name) {
        this.name = name;
        this.database = Database.open(url(), USER, "");
    }

    public static TestDatabase create(Class<?> owner) {
        String name = ("heps_agent_" + owner.getSimpleName() + "_" + UUID.randomUUID().toString().substring(0, 8))
                .toLowerCase(Locale.ROOT);
        execute("CREATE DATABASE " + name);
        return new TestDatabase(name);
    }

    public String url() {
        return SERVER + name;
    }

    public Database database() {
        return database;
    }

    private static void execute(String sql) {
        try (Connection connection = DriverManager.getConnection(SERVER + "postgres", USER, "");
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at 127.0.0.1:5432 is needed for this test: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        database.close();
        execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
}
