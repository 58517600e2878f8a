package cn.ac.ihep.heps.agent.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every action the agent, an operator, the user-service system or a Guacamole node takes,
 * written in the same transaction as the action, and read back by filter ({@code heps audit
 * list}, {@code GET /v1/audit}).
 */
public final class AuditLog {

    /** The most entries one page holds; a caller asks for more with the page's cursor. */
    public static final int MAX_PAGE = 1000;

    /** Subjects that name a user: a desktop ({@code desktop/<proposal>/<owner>}) or an account ({@code account:<user>}). */
    private static final Pattern USER_SUBJECT = Pattern.compile("desktop/[^/]+/([^/]{1,48})|account:([^/]{1,48})");

    /**
     * One entry.
     *
     * @param actor who did it: a facility username, {@code api:<address>}, {@code cli:<login>} or an agent id
     * @param username the user it concerns (a desktop's owner, a member or named user added), or null
     */
    public record Entry(long id, Instant at, String actor, String action, String subject, String username,
            String detail) {
    }

    /**
     * What to read: each field null for "any". {@code user} matches the actor or the user an entry
     * concerns; {@code subject} matches exactly; {@code since} is inclusive, {@code until} exclusive;
     * {@code before} is the cursor of the previous page (entries older than that id).
     */
    public record Query(String user, String subject, Instant since, Instant until, Long before, int limit) {
        public Query {
            if (limit < 1 || limit > MAX_PAGE) {
                throw new IllegalArgumentException("limit must be between 1 and " + MAX_PAGE + ", not " + limit);
            }
        }
    }

    /** A page of entries, newest first, and the cursor of the next page (null on the last). */
    public record Page(List<Entry> entries, Long next) {
    }

    /** Records an entry; the user it concerns is read from a {@code desktop/<proposal>/<user>} or {@code account:<user>} subject. */
    public void record(Connection connection, Instant at, String actor, String action, String subject, String detail)
            throws SQLException {
        record(connection, at, actor, action, subject, ownerIn(subject).orElse(null), detail);
    }

    /** Records an entry that concerns the given user (null: nobody in particular). */
    public void record(Connection connection, Instant at, String actor, String action, String subject,
            String username, String detail) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO audit_log (at, actor, action, subject, username, detail) VALUES (?, ?, ?, ?, ?, ?)")) {
            Sql.setInstant(insert, 1, at);
            insert.setString(2, truncate(actor, 128));
            insert.setString(3, truncate(action, 64));
            insert.setString(4, truncate(subject, 255));
            insert.setString(5, username == null || username.length() > 48 ? null : username);
            insert.setString(6, truncate(detail, 4000));
            insert.executeUpdate();
        }
    }

    /** The newest entries first; {@code subjectPrefix} may be empty for all. */
    public List<Entry> recent(Connection connection, String subjectPrefix, int limit) throws SQLException {
        List<Entry> entries = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT id, at, actor, action, subject, username, detail FROM audit_log WHERE subject LIKE ? "
                        + "ORDER BY id DESC FETCH FIRST " + Math.max(1, limit) + " ROWS ONLY")) {
            query.setString(1, subjectPrefix.replace("%", "\\%") + "%");
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    entries.add(entry(rows));
                }
            }
        }
        return entries;
    }

    /** One page of the entries the query matches, newest first. */
    public Page find(Connection connection, Query query) throws SQLException {
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        List<Object> parameters = new ArrayList<>();
        if (query.user() != null) {
            where.append(" AND (actor = ? OR username = ?)");
            parameters.add(query.user());
            parameters.add(query.user());
        }
        if (query.subject() != null) {
            where.append(" AND subject = ?");
            parameters.add(query.subject());
        }
        if (query.since() != null) {
            where.append(" AND at >= ?");
            parameters.add(query.since());
        }
        if (query.until() != null) {
            where.append(" AND at < ?");
            parameters.add(query.until());
        }
        if (query.before() != null) {
            where.append(" AND id < ?");
            parameters.add(query.before());
        }
        List<Entry> entries = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT id, at, actor, action, subject, username, detail FROM audit_log" + where
                        + " ORDER BY id DESC FETCH FIRST " + (query.limit() + 1) + " ROWS ONLY")) {
            for (int i = 0; i < parameters.size(); i++) {
                Sql.bind(select, i + 1, parameters.get(i));
            }
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    entries.add(entry(rows));
                }
            }
        }
        boolean more = entries.size() > query.limit();
        List<Entry> page = more ? List.copyOf(entries.subList(0, query.limit())) : List.copyOf(entries);
        return new Page(page, more ? page.get(page.size() - 1).id() : null);
    }

    /** The user a subject names, if it names one. */
    static Optional<String> ownerIn(String subject) {
        if (subject == null) {
            return Optional.empty();
        }
        Matcher matcher = USER_SUBJECT.matcher(subject);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        return Optional.of(matcher.group(1) != null ? matcher.group(1) : matcher.group(2));
    }

    private static Entry entry(ResultSet rows) throws SQLException {
        return new Entry(rows.getLong("id"), Sql.instant(rows, "at"), rows.getString("actor"), rows.getString("action"),
                rows.getString("subject"), rows.getString("username"), rows.getString("detail"));
    }

    private static String truncate(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max);
    }
}
