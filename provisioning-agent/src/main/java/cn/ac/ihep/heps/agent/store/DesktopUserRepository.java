package cn.ac.ihep.heps.agent.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The named users of each desktop (its {@code heps-user:} tags), besides its owner. */
public final class DesktopUserRepository {

    /** How many desktop ids one query names at most. */
    private static final int CHUNK = 500;

    /** One named user: who, since when, and who added them. */
    public record NamedUser(String username, Instant addedAt, String addedBy) {
    }

    public List<NamedUser> list(Connection connection, long desktopId) throws SQLException {
        return byDesktop(connection, List.of(desktopId)).getOrDefault(desktopId, List.of());
    }

    /** The named users of each of these desktops, sorted by name; a desktop without any is absent. */
    public Map<Long, List<NamedUser>> byDesktop(Connection connection, Collection<Long> desktopIds) throws SQLException {
        Map<Long, List<NamedUser>> users = new HashMap<>();
        List<Long> ids = List.copyOf(desktopIds);
        for (int from = 0; from < ids.size(); from += CHUNK) {
            List<Long> chunk = ids.subList(from, Math.min(ids.size(), from + CHUNK));
            String marks = String.join(", ", java.util.Collections.nCopies(chunk.size(), "?"));
            try (PreparedStatement select = connection.prepareStatement("SELECT desktop_id, username, added_at, "
                    + "added_by FROM desktop_users WHERE desktop_id IN (" + marks + ") ORDER BY username")) {
                for (int i = 0; i < chunk.size(); i++) {
                    select.setLong(i + 1, chunk.get(i));
                }
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        users.computeIfAbsent(rows.getLong(1), id -> new ArrayList<>()).add(new NamedUser(
                                rows.getString(2), Sql.instant(rows, "added_at"), rows.getString(4)));
                    }
                }
            }
        }
        return users;
    }

    /** Every desktop's named users, for one reconcile pass. */
    public Map<Long, List<String>> all(Connection connection) throws SQLException {
        Map<Long, List<String>> users = new HashMap<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT desktop_id, username FROM desktop_users ORDER BY username");
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                users.computeIfAbsent(rows.getLong(1), id -> new ArrayList<>()).add(rows.getString(2));
            }
        }
        return users;
    }

    public int count(Connection connection, long desktopId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT COUNT(*) FROM desktop_users WHERE desktop_id = ?")) {
            select.setLong(1, desktopId);
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }

    /** Adds a named user; false when they were one already. */
    public boolean add(Connection connection, long desktopId, String username, Instant now, String actor)
            throws SQLException {
        try (PreparedStatement exists = connection.prepareStatement(
                "SELECT 1 FROM desktop_users WHERE desktop_id = ? AND username = ?")) {
            exists.setLong(1, desktopId);
            exists.setString(2, username);
            try (ResultSet rows = exists.executeQuery()) {
                if (rows.next()) {
                    return false;
                }
            }
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO desktop_users (desktop_id, username, added_at, added_by) VALUES (?, ?, ?, ?)")) {
            insert.setLong(1, desktopId);
            insert.setString(2, username);
            Sql.setInstant(insert, 3, now);
            insert.setString(4, actor.length() <= 128 ? actor : actor.substring(0, 128));
            insert.executeUpdate();
            return true;
        }
    }

    /** Removes a named user; false when they were not one. */
    public boolean remove(Connection connection, long desktopId, String username) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement(
                "DELETE FROM desktop_users WHERE desktop_id = ? AND username = ?")) {
            delete.setLong(1, desktopId);
            delete.setString(2, username);
            return delete.executeUpdate() == 1;
        }
    }
}
