package cn.ac.ihep.heps.agent.store;

import cn.ac.ihep.heps.agent.desktop.Desktop;
import cn.ac.ihep.heps.agent.desktop.DesktopState;
import cn.ac.ihep.heps.agent.idle.DesktopActivity;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Desktops: one row per member and experiment, guarded by a unique constraint. */
public final class DesktopRepository {
    private final DesktopUserRepository namedUsers = new DesktopUserRepository();

    private static final String SELECT =
            "SELECT d.id, d.experiment_id, e.proposal_id, e.beamline, d.username, d.server_name, d.server_id, "
                    + "d.state, d.cloud_state, d.reason, d.host, d.address, d.image_id, d.flavor_id, d.gpu_count, "
                    + "d.updated_at, d.last_connected_at, d.last_disconnected_at, d.last_input_at, "
                    + "(SELECT COALESCE(SUM(s.connections), 0) FROM desktop_sessions s WHERE s.server_id = d.server_id) "
                    + "AS open_connections, "
                    + "(SELECT MIN(s.disconnect_at) FROM desktop_sessions s WHERE s.server_id = d.server_id) AS disconnect_at "
                    + "FROM desktops d JOIN experiments e ON e.id = d.experiment_id ";

    /** Filters for {@link #list}; null fields match everything. */
    public record Filter(String proposalId, String username, Boolean includeDeleted) {
        public static Filter all() {
            return new Filter(null, null, true);
        }
    }

    public List<Desktop> list(Connection connection, Filter filter) throws SQLException {
        StringBuilder where = new StringBuilder("WHERE 1 = 1");
        List<Object> parameters = new ArrayList<>();
        if (filter.proposalId() != null) {
            where.append(" AND e.proposal_id = ?");
            parameters.add(filter.proposalId());
        }
        if (filter.username() != null) {
            where.append(" AND d.username = ?");
            parameters.add(filter.username());
        }
        if (!Boolean.TRUE.equals(filter.includeDeleted())) {
            where.append(" AND d.state <> 'DELETED'");
        }
        return query(connection, where + " ORDER BY e.proposal_id, d.username", parameters.toArray());
    }

    public Optional<Desktop> find(Connection connection, long experimentId, String username) throws SQLException {
        return first(query(connection, "WHERE d.experiment_id = ? AND d.username = ?", experimentId, username));
    }

    public Optional<Desktop> findById(Connection connection, long id) throws SQLException {
        return first(query(connection, "WHERE d.id = ?", id));
    }

    /** By server id, server name, or {@code <proposal>/<user>}. */
    public Optional<Desktop> findByReference(Connection connection, String reference) throws SQLException {
        int slash = reference.indexOf('/');
        if (slash > 0) {
            return first(query(connection, "WHERE e.proposal_id = ? AND d.username = ?",
                    reference.substring(0, slash), reference.substring(slash + 1)));
        }
        return first(query(connection, "WHERE d.server_id = ? OR d.server_name = ?", reference, reference));
    }

    public Optional<Desktop> findByServerId(Connection connection, String serverId) throws SQLException {
        return first(query(connection, "WHERE d.server_id = ?", serverId));
    }

    /**
     * Where the idle policy stands for a desktop: when it last became running, and when the
     * reconcile loop first found it unused beyond its limit (null when it has not).
     */
    public record IdleClock(Instant awakeSince, Instant idleDueSince) {
    }

    public IdleClock idleClock(Connection connection, long id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT awake_since, idle_due_since FROM desktops WHERE id = ?")) {
            select.setLong(1, id);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? new IdleClock(Sql.instant(rows, "awake_since"), Sql.instant(rows, "idle_due_since"))
                        : new IdleClock(null, null);
            }
        }
    }

    private static Optional<Desktop> first(List<Desktop> desktops) {
        return desktops.isEmpty() ? Optional.empty() : Optional.of(desktops.get(0));
    }

    private List<Desktop> query(Connection connection, String where, Object... parameters) throws SQLException {
        List<Desktop> desktops = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(SELECT + where)) {
            for (int i = 0; i < parameters.length; i++) {
                Sql.bind(select, i + 1, parameters[i]);
            }
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    desktops.add(new Desktop(rows.getLong(1), rows.getLong(2), rows.getString(3), rows.getString(4),
                            rows.getString(5), rows.getString(6), rows.getString(7),
                            DesktopState.valueOf(rows.getString(8)), rows.getString(9), rows.getString(10),
                            rows.getString(11), rows.getString(12), rows.getString(13), rows.getString(14),
                            rows.getInt(15), Sql.instant(rows, "updated_at"),
                            new DesktopActivity(rows.getInt("open_connections"), Sql.instant(rows, "last_connected_at"),
                                    Sql.instant(rows, "last_disconnected_at"), Sql.instant(rows, "last_input_at"),
                                    Sql.instant(rows, "disconnect_at"))));
                }
            }
        }
        if (desktops.isEmpty()) {
            return desktops;
        }
        Map<Long, List<DesktopUserRepository.NamedUser>> users = namedUsers.byDesktop(connection,
                desktops.stream().map(Desktop::id).toList());
        List<Desktop> withUsers = new ArrayList<>(desktops.size());
        for (Desktop d : desktops) {
            List<String> names = users.getOrDefault(d.id(), List.of()).stream()
                    .map(DesktopUserRepository.NamedUser::username).toList();
            withUsers.add(names.isEmpty() ? d : new Desktop(d.id(), d.experimentId(), d.proposalId(), d.beamline(),
                    d.username(), d.serverName(), d.serverId(), d.state(), d.cloudState(), d.reason(), d.host(),
                    d.address(), d.imageId(), d.flavorId(), d.gpuCount(), d.updatedAt(), d.activity(), names));
        }
        return withUsers;
    }

    /**
     * Inserts the row for a member's desktop. The unique constraint on (experiment, member)
     * makes this the single point where two agents race; the loser gets a {@link ConflictException}.
     */
    public long insert(Connection connection, long experimentId, String username, String serverName, int gpuCount,
            Instant now) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO desktops (experiment_id, username, server_name, state, gpu_count, created_at, updated_at) "
                        + "VALUES (?, ?, ?, 'PENDING', ?, ?, ?)", java.sql.Statement.RETURN_GENERATED_KEYS)) {
            insert.setLong(1, experimentId);
            insert.setString(2, username);
            insert.setString(3, serverName);
            insert.setInt(4, gpuCount);
            Sql.setInstant(insert, 5, now);
            Sql.setInstant(insert, 6, now);
            insert.executeUpdate();
            try (ResultSet keys = insert.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    /**
     * Claims the desktop for this agent until {@code until}, unless another agent holds a
     * claim that has not run out. Atomic: of two agents, exactly one gets true.
     */
    public boolean claim(Connection connection, long id, String agentId, Instant now, Instant until)
            throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE desktops SET claimed_by = ?, claimed_until = ? WHERE id = ? "
                        + "AND (claimed_by IS NULL OR claimed_by = ? OR claimed_until < ?)")) {
            update.setString(1, agentId);
            Sql.setInstant(update, 2, until);
            update.setLong(3, id);
            update.setString(4, agentId);
            Sql.setInstant(update, 5, now);
            return update.executeUpdate() == 1;
        }
    }

    public void releaseClaim(Connection connection, long id, String agentId) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE desktops SET claimed_by = NULL, claimed_until = NULL WHERE id = ? AND claimed_by = ?")) {
            update.setLong(1, id);
            update.setString(2, agentId);
            update.executeUpdate();
        }
    }

    /** Starts an update of the given columns; see {@link Update}. */
    public Update update(long id) {
        return new Update(id);
    }

    /** Sets named columns of one desktop row; {@code updated_at} is always set. */
    public static final class Update {
        private static final java.util.Set<String> TIMESTAMP_COLUMNS =
                java.util.Set.of("enrolled_at", "awake_since", "idle_due_since");
        private static final java.util.Set<String> BINARY_COLUMNS = java.util.Set.of("join_password");
        private final long id;
        private final Map<String, Object> values = new LinkedHashMap<>();

        Update(long id) {
            this.id = id;
        }

        public Update state(DesktopState state) {
            values.put("state", state.name());
            return this;
        }

        public Update reason(String reason) {
            values.put("reason", reason == null || reason.length() <= 1000 ? reason : reason.substring(0, 997) + "...");
            return this;
        }

        public Update serverId(String serverId) {
            values.put("server_id", serverId);
            return this;
        }

        public Update cloudState(String cloudState) {
            values.put("cloud_state", cloudState);
            return this;
        }

        public Update host(String host) {
            values.put("host", host);
            return this;
        }

        public Update address(String address) {
            values.put("address", address);
            return this;
        }

        public Update imageId(String imageId) {
            values.put("image_id", imageId);
            return this;
        }

        public Update flavorId(String flavorId) {
            values.put("flavor_id", flavorId);
            return this;
        }

        public Update gpuCount(int gpuCount) {
            values.put("gpu_count", gpuCount);
            return this;
        }

        public Update enrollmentTokenHash(String hash) {
            values.put("enrollment_token_hash", hash);
            return this;
        }

        /** The sealed one-time password of the desktop's pre-staged computer account; null once fetched. */
        public Update joinPassword(byte[] sealed) {
            values.put("join_password", sealed);
            return this;
        }

        public Update enrolledAt(Instant at) {
            values.put("enrolled_at", at);
            return this;
        }

        /** When the desktop last became running (created, or woken after an idle shelve). */
        public Update awakeSince(Instant at) {
            values.put("awake_since", at);
            return this;
        }

        /** When the reconcile loop first found it unused beyond its idle limit; null clears it. */
        public Update idleDueSince(Instant at) {
            values.put("idle_due_since", at);
            return this;
        }

        /** Writes the changes; returns false when the row no longer exists. */
        public boolean execute(Connection connection, Instant now) throws SQLException {
            StringBuilder sql = new StringBuilder("UPDATE desktops SET updated_at = ?");
            values.keySet().forEach(column -> sql.append(", ").append(column).append(" = ?"));
            sql.append(" WHERE id = ?");
            try (PreparedStatement update = connection.prepareStatement(sql.toString())) {
                int index = 1;
                Sql.setInstant(update, index++, now);
                for (Map.Entry<String, Object> entry : values.entrySet()) {
                    Object value = entry.getValue();
                    if (value == null) {
                        // PostgreSQL wants a null of the column's own type.
                        update.setNull(index++, TIMESTAMP_COLUMNS.contains(entry.getKey())
                                ? java.sql.Types.TIMESTAMP_WITH_TIMEZONE
                                : BINARY_COLUMNS.contains(entry.getKey()) ? java.sql.Types.BINARY : java.sql.Types.VARCHAR);
                    } else {
                        Sql.bind(update, index++, value);
                    }
                }
                update.setLong(index, id);
                return update.executeUpdate() == 1;
            }
        }
    }

    /**
     * The enrollment token hash and whether it was used, for the one-time fetch of the VNC secret
     * and the domain join; {@code joinPassword} is the sealed one-time computer password, or null.
     */
    public record Enrollment(long desktopId, String serverId, String tokenHash, Instant enrolledAt, String address,
            String proposalId, String username, byte[] joinPassword) {
    }

    public Optional<Enrollment> enrollment(Connection connection, String serverId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT d.id, d.server_id, d.enrollment_token_hash, d.enrolled_at, d.address, e.proposal_id, "
                        + "d.username, d.join_password FROM desktops d JOIN experiments e ON e.id = d.experiment_id "
                        + "WHERE d.server_id = ? AND d.state <> 'DELETED' FOR UPDATE")) {
            select.setString(1, serverId);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Enrollment(rows.getLong(1), rows.getString(2), rows.getString(3),
                        Sql.instant(rows, "enrolled_at"), rows.getString(5), rows.getString(6), rows.getString(7),
                        rows.getBytes(8)));
            }
        }
    }

    public boolean wasNotified(Connection connection, long desktopId, String kind, Instant dueAt) throws SQLException {
        try (PreparedStatement exists = connection.prepareStatement(
                "SELECT 1 FROM notifications WHERE desktop_id = ? AND kind = ? AND due_at = ?")) {
            exists.setLong(1, desktopId);
            exists.setString(2, kind);
            Sql.setInstant(exists, 3, dueAt);
            try (ResultSet rows = exists.executeQuery()) {
                return rows.next();
            }
        }
    }

    /** Records that a notification was sent; false when it had been sent already. */
    public boolean markNotified(Connection connection, long desktopId, String kind, Instant dueAt, Instant now)
            throws SQLException {
        try (PreparedStatement exists = connection.prepareStatement(
                "SELECT 1 FROM notifications WHERE desktop_id = ? AND kind = ? AND due_at = ?")) {
            exists.setLong(1, desktopId);
            exists.setString(2, kind);
            Sql.setInstant(exists, 3, dueAt);
            try (ResultSet rows = exists.executeQuery()) {
                if (rows.next()) {
                    return false;
                }
            }
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO notifications (desktop_id, kind, due_at, sent_at) VALUES (?, ?, ?, ?)")) {
            insert.setLong(1, desktopId);
            insert.setString(2, kind);
            Sql.setInstant(insert, 3, dueAt);
            Sql.setInstant(insert, 4, now);
            insert.executeUpdate();
            return true;
        }
    }
}
