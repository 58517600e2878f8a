package cn.ac.ihep.heps.agent.accounts;

import cn.ac.ihep.heps.agent.store.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The {@code account_passwords} table: sealed values only ({@link AccountPasswords} seals them). */
final class PasswordStore {

    /** One account's row; {@code sealed} is null until the account exists, {@code pending} between a change's two steps. */
    record Row(String username, byte[] sealed, byte[] pending, Instant changedAt, Instant rotateDueAt,
            Instant handedOutAt) {
    }

    Optional<Row> find(Connection connection, String username) throws SQLException {
        return select(connection, username, "");
    }

    /** The row, locked until the transaction ends (a second agent changing it waits). */
    Optional<Row> lock(Connection connection, String username) throws SQLException {
        return select(connection, username, " FOR UPDATE");
    }

    private Optional<Row> select(Connection connection, String username, String locking) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT username, sealed, pending, changed_at, "
                + "rotate_due_at, handed_out_at FROM account_passwords WHERE username = ?" + locking)) {
            select.setString(1, username);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Row(rows.getString(1), rows.getBytes(2), rows.getBytes(3),
                        Sql.instant(rows, "changed_at"), Sql.instant(rows, "rotate_due_at"),
                        Sql.instant(rows, "handed_out_at")));
            }
        }
    }

    /** A new row holding only a pending password (for an account about to be created). */
    void insertPending(Connection connection, String username, byte[] pending, Instant now) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO account_passwords "
                + "(username, pending, pending_since, created_at) VALUES (?, ?, ?, ?)")) {
            insert.setString(1, username);
            insert.setBytes(2, pending);
            Sql.setInstant(insert, 3, now);
            Sql.setInstant(insert, 4, now);
            insert.executeUpdate();
        }
    }

    void setPending(Connection connection, String username, byte[] pending, Instant now) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE account_passwords SET pending = ?, pending_since = ? WHERE username = ?")) {
            update.setBytes(1, pending);
            Sql.setInstant(update, 2, now);
            update.setString(3, username);
            update.executeUpdate();
        }
    }

    /**
     * The pending password is what AD has now: it becomes the current one, and a session end
     * noted before {@code started} is dealt with.
     */
    void promote(Connection connection, String username, Instant started, Instant now) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE account_passwords SET sealed = pending, "
                + "pending = NULL, pending_since = NULL, changed_at = ?, rotate_due_at = CASE WHEN rotate_due_at "
                + "<= ? THEN NULL ELSE rotate_due_at END WHERE username = ? AND pending IS NOT NULL")) {
            Sql.setInstant(update, 1, now);
            Sql.setInstant(update, 2, started);
            update.setString(3, username);
            update.executeUpdate();
        }
    }

    void handedOut(Connection connection, String username, Instant now) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE account_passwords SET handed_out_at = ? WHERE username = ?")) {
            Sql.setInstant(update, 1, now);
            update.setString(2, username);
            update.executeUpdate();
        }
    }

    /** A session on the desktop ended: its owner's password is due for a change (if the agent owns it). */
    int sessionEnded(Connection connection, String serverId, Instant at) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE account_passwords SET rotate_due_at = ? "
                + "WHERE rotate_due_at IS NULL AND username IN (SELECT username FROM desktops WHERE server_id = ?)")) {
            Sql.setInstant(update, 1, at);
            update.setString(2, serverId);
            return update.executeUpdate();
        }
    }

    /**
     * The accounts whose password is due for a change: a change left half done (always: it was
     * decided when nothing stood in its way, and nothing was handed out since), or a session
     * ended or it is older than {@code changedBefore}, while no connection is open to one of the
     * user's desktops and it was not handed out after {@code handedOutBefore} (its session may not
     * be reported yet).
     */
    List<String> due(Connection connection, Instant changedBefore, Instant handedOutBefore) throws SQLException {
        List<String> due = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT p.username FROM account_passwords p "
                + "WHERE p.pending IS NOT NULL OR ((p.rotate_due_at IS NOT NULL OR p.changed_at < ?) "
                + "AND (p.handed_out_at IS NULL OR p.handed_out_at < ?) "
                + "AND NOT EXISTS (SELECT 1 FROM desktops d JOIN desktop_sessions s ON s.server_id = d.server_id "
                + "WHERE d.username = p.username)) ORDER BY p.username")) {
            Sql.setInstant(select, 1, changedBefore);
            Sql.setInstant(select, 2, handedOutBefore);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    due.add(rows.getString(1));
                }
            }
        }
        return due;
    }

    /**
     * Members whose AD account the agent created (its audit log says so) but who have no password
     * here: accounts made before the agent kept sign-in passwords, whose password nobody knows.
     */
    List<String> createdWithoutPassword(Connection connection) throws SQLException {
        List<String> found = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT a.username FROM directory_accounts a "
                + "WHERE NOT EXISTS (SELECT 1 FROM account_passwords p WHERE p.username = a.username) "
                + "AND EXISTS (SELECT 1 FROM audit_log l WHERE l.action = 'AD-account-created' "
                + "AND l.subject = 'account:' || a.username) ORDER BY a.username")) {
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    found.add(rows.getString(1));
                }
            }
        }
        return found;
    }

    /** Takes ownership of an existing account: a row with a pending password, which a change then sets. */
    boolean insertIfAbsent(Connection connection, String username, byte[] pending, Instant now) throws SQLException {
        if (find(connection, username).isPresent()) {
            return false;
        }
        insertPending(connection, username, pending, now);
        return true;
    }
}
