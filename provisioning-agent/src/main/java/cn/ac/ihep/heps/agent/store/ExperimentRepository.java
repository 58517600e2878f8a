package cn.ac.ihep.heps.agent.store;

import cn.ac.ihep.heps.agent.experiment.DesktopAccess;
import cn.ac.ihep.heps.agent.experiment.DesktopSpec;
import cn.ac.ihep.heps.agent.experiment.Experiment;
import cn.ac.ihep.heps.agent.experiment.IdleOverride;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Experiments and their members. */
public final class ExperimentRepository {
    private static final String COLUMNS =
            "id, proposal_id, beamline, group_name, starts_at, ends_at, os_type, gpu_count, flavor, protocol, updated_at, "
                    + "idle_disconnect_after, idle_shelve_after, desktop_access";

    public Optional<Experiment> find(Connection connection, String proposalId) throws SQLException {
        List<Experiment> found = query(connection, "WHERE proposal_id = ?", proposalId);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    public List<Experiment> list(Connection connection) throws SQLException {
        return query(connection, "", null);
    }

    private List<Experiment> query(Connection connection, String where, String parameter) throws SQLException {
        List<Long> ids = new ArrayList<>();
        Map<Long, Object[]> rowsById = new HashMap<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT " + COLUMNS + " FROM experiments " + where + " ORDER BY starts_at, proposal_id")) {
            if (parameter != null) {
                select.setString(1, parameter);
            }
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    long id = rows.getLong("id");
                    ids.add(id);
                    rowsById.put(id, new Object[] {
                            rows.getString("proposal_id"), rows.getString("beamline"), rows.getString("group_name"),
                            Sql.instant(rows, "starts_at"), Sql.instant(rows, "ends_at"),
                            new DesktopSpec(rows.getString("os_type"), rows.getInt("gpu_count"),
                                    rows.getString("flavor"), rows.getString("protocol"),
                                    idle(rows.getString("idle_disconnect_after"), rows.getString("idle_shelve_after")),
                                    DesktopAccess.valueOf(rows.getString("desktop_access"))),
                            Sql.instant(rows, "updated_at")});
                }
            }
        }
        Map<Long, List<String>> members = members(connection, parameter == null ? null : ids);
        List<Experiment> experiments = new ArrayList<>();
        for (long id : ids) {
            Object[] row = rowsById.get(id);
            experiments.add(new Experiment(id, (String) row[0], (String) row[1], (String) row[2],
                    (Instant) row[3], (Instant) row[4], (DesktopSpec) row[5],
                    members.getOrDefault(id, List.of()), (Instant) row[6]));
        }
        return experiments;
    }

    private Map<Long, List<String>> members(Connection connection, List<Long> onlyIds) throws SQLException {
        Map<Long, List<String>> members = new HashMap<>();
        String sql = "SELECT experiment_id, username FROM members"
                + (onlyIds == null ? "" : onlyIds.isEmpty() ? " WHERE 1 = 0" : " WHERE experiment_id = " + onlyIds.get(0))
                + " ORDER BY username";
        try (Statement select = connection.createStatement(); ResultSet rows = select.executeQuery(sql)) {
            while (rows.next()) {
                members.computeIfAbsent(rows.getLong(1), id -> new ArrayList<>()).add(rows.getString(2));
            }
        }
        return members;
    }

    /** Inserts or replaces the experiment (and its member list); returns its id. */
    public long upsert(Connection connection, Experiment experiment, Instant now) throws SQLException {
        Optional<Experiment> existing = find(connection, experiment.proposalId());
        long id;
        if (existing.isPresent()) {
            id = existing.get().id();
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE experiments SET beamline = ?, group_name = ?, starts_at = ?, ends_at = ?, os_type = ?, "
                            + "gpu_count = ?, flavor = ?, protocol = ?, idle_disconnect_after = ?, idle_shelve_after = ?, "
                            + "desktop_access = ?, updated_at = ? WHERE id = ?")) {
                bindValues(update, experiment);
                Sql.setInstant(update, 12, now);
                update.setLong(13, id);
                update.executeUpdate();
            }
        } else {
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO experiments (beamline, group_name, starts_at, ends_at, os_type, gpu_count, flavor, "
                            + "protocol, idle_disconnect_after, idle_shelve_after, desktop_access, updated_at, created_at, "
                            + "proposal_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    Statement.RETURN_GENERATED_KEYS)) {
                bindValues(insert, experiment);
                Sql.setInstant(insert, 12, now);
                Sql.setInstant(insert, 13, now);
                insert.setString(14, experiment.proposalId());
                insert.executeUpdate();
                try (ResultSet keys = insert.getGeneratedKeys()) {
                    keys.next();
                    id = keys.getLong(1);
                }
            }
        }
        List<String> current = existing.map(Experiment::members).orElse(List.of());
        for (String username : current) {
            if (!experiment.members().contains(username)) {
                removeMember(connection, id, username);
            }
        }
        for (String username : experiment.members()) {
            if (!current.contains(username)) {
                addMember(connection, id, username, now);
            }
        }
        return id;
    }

    private static void bindValues(PreparedStatement statement, Experiment experiment) throws SQLException {
        statement.setString(1, experiment.beamline());
        statement.setString(2, experiment.group());
        Sql.setInstant(statement, 3, experiment.startsAt());
        Sql.setInstant(statement, 4, experiment.endsAt());
        statement.setString(5, experiment.desktop().os());
        statement.setInt(6, experiment.desktop().gpus());
        statement.setString(7, experiment.desktop().flavor());
        statement.setString(8, experiment.desktop().protocol());
        IdleOverride idle = experiment.desktop().idle();
        statement.setString(9, idle == null ? null : idle.disconnectAfter());
        statement.setString(10, idle == null ? null : idle.shelveAfter());
        statement.setString(11, experiment.desktop().access().name());
    }

    private static IdleOverride idle(String disconnectAfter, String shelveAfter) {
        return disconnectAfter == null && shelveAfter == null ? null : new IdleOverride(disconnectAfter, shelveAfter);
    }

    /** Adds a member; false when already a member. */
    public boolean addMember(Connection connection, long experimentId, String username, Instant now)
            throws SQLException {
        try (PreparedStatement exists = connection.prepareStatement(
                "SELECT 1 FROM members WHERE experiment_id = ? AND username = ?")) {
            exists.setLong(1, experimentId);
            exists.setString(2, username);
            try (ResultSet rows = exists.executeQuery()) {
                if (rows.next()) {
                    return false;
                }
            }
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO members (experiment_id, username, added_at) VALUES (?, ?, ?)")) {
            insert.setLong(1, experimentId);
            insert.setString(2, username);
            Sql.setInstant(insert, 3, now);
            insert.executeUpdate();
            return true;
        }
    }

    /** Removes a member; false when not a member. */
    public boolean removeMember(Connection connection, long experimentId, String username) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement(
                "DELETE FROM members WHERE experiment_id = ? AND username = ?")) {
            delete.setLong(1, experimentId);
            delete.setString(2, username);
            return delete.executeUpdate() == 1;
        }
    }
}
