package cn.ac.ihep.heps.agent.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Every action the agent or an operator takes, written in the same transaction as the action. */
public final class AuditLog {

    public record Entry(long id, Instant at, String actor, String action, String subject, String detail) {
    }

    public void record(Connection connection, Instant at, String actor, String action, String subject, String detail)
            throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)")) {
            Sql.setInstant(insert, 1, at);
            insert.setString(2, truncate(actor, 128));
            insert.setString(3, truncate(action, 64));
            insert.setString(4, truncate(subject, 255));
            insert.setString(5, truncate(detail, 4000));
            insert.executeUpdate();
        }
    }

    /** The newest entries first; {@code subjectPrefix} may be empty for all. */
    public List<Entry> recent(Connection connection, String subjectPrefix, int limit) throws SQLException {
        List<Entry> entries = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT id, at, actor, action, subject, detail FROM audit_log WHERE subject LIKE ? "
                        + "ORDER BY id DESC FETCH FIRST " + Math.max(1, limit) + " ROWS ONLY")) {
            query.setString(1, subjectPrefix.replace("%", "\\%") + "%");
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    entries.add(new Entry(rows.getLong("id"), Sql.instant(rows, "at"), rows.getString("actor"),
                            rows.getString("action"), rows.getString("subject"), rows.getString("detail")));
                }
            }
        }
        return entries;
    }

    private static String truncate(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max);
    }
}
