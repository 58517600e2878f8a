package cn.ac.ihep.heps.agent.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The agent's database: H2 in file mode by default, PostgreSQL in production. Every
 * change runs in one transaction that is committed before the caller acknowledges it,
 * so a crash loses nothing that was acknowledged.
 */
public final class Database implements AutoCloseable {
    private final String url;
    private final String user;
    private final String password;

    public Database(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /** Opens the database and brings its schema up to date. */
    public static Database open(String url, String user, String password) {
        Path embedded = embeddedFile(url);
        if (embedded != null) {
            PrivateFiles.directory(embedded.getParent());
        }
        Database database = new Database(url, user, password);
        database.migrate();
        if (embedded != null) {
            PrivateFiles.files(embedded.getParent(), embedded.getFileName().toString() + ".");
        }
        return database;
    }

    /** {@code jdbc:h2:file:/home/heps/.heps/agent;...} → {@code /home/heps/.heps/agent}; null for other databases. */
    static Path embeddedFile(String url) {
        if (!url.startsWith("jdbc:h2:file:")) {
            return null;
        }
        String file = url.substring("jdbc:h2:file:".length());
        int options = file.indexOf(';');
        return Path.of(options < 0 ? file : file.substring(0, options)).toAbsolutePath();
    }

    public String url() {
        return url;
    }

    void migrate() {
        try {
            Flyway.configure()
                    .loggers("slf4j")
                    .dataSource(url, user, password)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            throw new StoreException("Cannot prepare the database at " + redactedUrl()
                    + ": " + e.getMessage() + " (check database-url and that the database is running)", e);
        }
    }

    /** The URL without a password parameter, for messages. */
    public String redactedUrl() {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Runs the work in one transaction; commits when it returns, rolls back when it throws. */
    public <T> T inTransaction(Work<T> work) {
        Connection connection = null;
        boolean reusable = false;
        try {
            connection = borrow();
            try {
                T result = work.run(connection);
                connection.commit();
                reusable = true;
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                reusable = true;
                throw e;
            }
        } catch (SQLException e) {
            if (isUniqueViolation(e)) {
                throw new ConflictException("Already exists: " + e.getMessage(), e);
            }
            throw new StoreException("Database error at " + redactedUrl() + ": " + e.getMessage(), e);
        } finally {
            giveBack(connection, reusable);
        }
    }

    /** A few idle connections are kept, so a reconcile pass does not open one per step. */
    private static final int IDLE_CONNECTIONS = 4;
    private final Deque<Connection> idle = new ConcurrentLinkedDeque<>();

    private Connection borrow() throws SQLException {
        Connection connection = idle.pollFirst();
        if (connection == null || connection.isClosed()) {
            connection = DriverManager.getConnection(url, user, password);
            connection.setAutoCommit(false);
        }
        return connection;
    }

    private void giveBack(Connection connection, boolean reusable) {
        if (connection == null) {
            return;
        }
        if (reusable && idle.size() < IDLE_CONNECTIONS) {
            idle.offerFirst(connection);
            return;
        }
        try {
            connection.close();
        } catch (SQLException e) {
            // A broken connection is dropped either way.
        }
    }

    /** Closes the idle connections (the database itself stays). */
    @Override
    public void close() {
        for (Connection connection = idle.pollFirst(); connection != null; connection = idle.pollFirst()) {
            try {
                connection.close();
            } catch (SQLException e) {
                // Closing anyway.
            }
        }
        // Files H2 made since opening (a trace file) get the umask's mode; the 0700 home already
        // keeps them from others, and this makes them 0600 too.
        Path embedded = embeddedFile(url);
        if (embedded != null && java.nio.file.Files.isDirectory(embedded.getParent())) {
            PrivateFiles.files(embedded.getParent(), embedded.getFileName().toString() + ".");
        }
    }

    /** SQLState 23505 is a unique violation in both H2 and PostgreSQL. */
    static boolean isUniqueViolation(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
