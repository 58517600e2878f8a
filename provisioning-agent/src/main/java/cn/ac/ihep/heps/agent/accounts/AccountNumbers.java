package cn.ac.ihep.heps.agent.accounts;

import cn.ac.ihep.heps.agent.config.NumberRange;
import cn.ac.ihep.heps.agent.store.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The numbers of the accounts and groups in the agent's database (V2__directory_accounts.sql),
 * and the conflicts found. A number is inserted once and never changed; UNIQUE constraints turn
 * a second agent handing out the same number into a unique violation, which the caller retries.
 */
final class AccountNumbers {

    enum Origin { ALLOCATED, ADOPTED }

    enum Kind { account, group }

    record AccountRow(String username, int uidNumber, int gidNumber, Origin origin, Instant createdAt) {
    }

    record GroupRow(String name, int gidNumber, Origin origin, Instant createdAt) {
    }

    record ConflictRow(Kind kind, String name, String detail, Instant since) {
    }

    Optional<AccountRow> account(Connection connection, String username) throws SQLException {
        List<AccountRow> rows = accounts(connection, "WHERE username = ?", username);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    List<AccountRow> accounts(Connection connection) throws SQLException {
        return accounts(connection, "", null);
    }

    private List<AccountRow> accounts(Connection connection, String where, String parameter) throws SQLException {
        List<AccountRow> rows = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT username, uid_number, gid_number, origin, "
                + "created_at FROM directory_accounts " + where + " ORDER BY username")) {
            if (parameter != null) {
                select.setString(1, parameter);
            }
            try (ResultSet result = select.executeQuery()) {
                while (result.next()) {
                    rows.add(new AccountRow(result.getString(1), result.getInt(2), result.getInt(3),
                            Origin.valueOf(result.getString(4)), Sql.instant(result, "created_at")));
                }
            }
        }
        return rows;
    }

    void insertAccount(Connection connection, AccountRow row) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO directory_accounts "
                + "(username, uid_number, gid_number, origin, created_at) VALUES (?, ?, ?, ?, ?)")) {
            insert.setString(1, row.username());
            insert.setInt(2, row.uidNumber());
            insert.setInt(3, row.gidNumber());
            insert.setString(4, row.origin().name());
            Sql.setInstant(insert, 5, row.createdAt());
            insert.executeUpdate();
        }
    }

    Optional<GroupRow> group(Connection connection, String name) throws SQLException {
        List<GroupRow> rows = groups(connection, "WHERE group_name = ?", name);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    List<GroupRow> groups(Connection connection) throws SQLException {
        return groups(connection, "", null);
    }

    private List<GroupRow> groups(Connection connection, String where, String parameter) throws SQLException {
        List<GroupRow> rows = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT group_name, gid_number, origin, created_at "
                + "FROM directory_groups " + where + " ORDER BY group_name")) {
            if (parameter != null) {
                select.setString(1, parameter);
            }
            try (ResultSet result = select.executeQuery()) {
                while (result.next()) {
                    rows.add(new GroupRow(result.getString(1), result.getInt(2), Origin.valueOf(result.getString(3)),
                            Sql.instant(result, "created_at")));
                }
            }
        }
        return rows;
    }

    void insertGroup(Connection connection, GroupRow row) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO directory_groups "
                + "(group_name, gid_number, origin, created_at) VALUES (?, ?, ?, ?)")) {
            insert.setString(1, row.name());
            insert.setInt(2, row.gidNumber());
            insert.setString(3, row.origin().name());
            Sql.setInstant(insert, 4, row.createdAt());
            insert.executeUpdate();
        }
    }

    /**
     * The lowest number in the range above every number already handed out in it, at or after
     * {@code from}; empty when the range is used up.
     */
    Optional<Integer> nextFree(Connection connection, Kind kind, NumberRange range, int from) throws SQLException {
        String sql = kind == Kind.account
                ? "SELECT MAX(uid_number) FROM directory_accounts WHERE uid_number BETWEEN ? AND ?"
                : "SELECT MAX(gid_number) FROM directory_groups WHERE gid_number BETWEEN ? AND ?";
        int candidate = range.first();
        try (PreparedStatement select = connection.prepareStatement(sql)) {
            select.setInt(1, range.first());
            select.setInt(2, range.last());
            try (ResultSet result = select.executeQuery()) {
                if (result.next()) {
                    int max = result.getInt(1);
                    if (!result.wasNull()) {
                        candidate = max + 1;
                    }
                }
            }
        }
        candidate = Math.max(candidate, from);
        return candidate <= range.last() ? Optional.of(candidate) : Optional.empty();
    }

    Optional<ConflictRow> conflict(Connection connection, Kind kind, String name) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT detail, since FROM directory_conflicts WHERE kind = ? AND name = ?")) {
            select.setString(1, kind.name());
            select.setString(2, name);
            try (ResultSet result = select.executeQuery()) {
                return result.next()
                        ? Optional.of(new ConflictRow(kind, name, result.getString(1), Sql.instant(result, "since")))
                        : Optional.empty();
            }
        }
    }

    List<ConflictRow> conflicts(Connection connection) throws SQLException {
        List<ConflictRow> rows = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT kind, name, detail, since FROM directory_conflicts ORDER BY kind, name");
                ResultSet result = select.executeQuery()) {
            while (result.next()) {
                rows.add(new ConflictRow(Kind.valueOf(result.getString(1)), result.getString(2), result.getString(3),
                        Sql.instant(result, "since")));
            }
        }
        return rows;
    }

    /** Records the conflict; false when it was already recorded with the same detail. */
    boolean recordConflict(Connection connection, Kind kind, String name, String detail, Instant now)
            throws SQLException {
        Optional<ConflictRow> existing = conflict(connection, kind, name);
        if (existing.isPresent() && existing.get().detail().equals(detail)) {
            return false;
        }
        if (existing.isPresent()) {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE directory_conflicts SET detail = ? WHERE kind = ? AND name = ?")) {
                update.setString(1, detail);
                update.setString(2, kind.name());
                update.setString(3, name);
                update.executeUpdate();
            }
            return true;
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO directory_conflicts (kind, name, detail, since) VALUES (?, ?, ?, ?)")) {
            insert.setString(1, kind.name());
            insert.setString(2, name);
            insert.setString(3, detail);
            Sql.setInstant(insert, 4, now);
            insert.executeUpdate();
        }
        return true;
    }

    /** Forgets a resolved conflict; false when there was none. */
    boolean clearConflict(Connection connection, Kind kind, String name) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement(
                "DELETE FROM directory_conflicts WHERE kind = ? AND name = ?")) {
            delete.setString(1, kind.name());
            delete.setString(2, name);
            return delete.executeUpdate() > 0;
        }
    }
}
