package cn.ac.ihep.heps.agent.store;

import cn.ac.ihep.heps.agent.quota.Quota;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Quotas by scope: a proposal id, or {@code *} for the site default. */
public final class QuotaRepository {

    public Optional<Quota> find(Connection connection, String scope) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT desktops, gpus, gpu_hours FROM quotas WHERE scope = ?")) {
            select.setString(1, scope);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(quota(rows)) : Optional.empty();
            }
        }
    }

    /** Every stored quota, the site default first, then by proposal id. */
    public Map<String, Quota> list(Connection connection) throws SQLException {
        Map<String, Quota> quotas = new LinkedHashMap<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT scope, desktops, gpus, gpu_hours FROM quotas ORDER BY CASE WHEN scope = '*' THEN 0 ELSE 1 END, "
                        + "scope");
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                quotas.put(rows.getString("scope"), quota(rows));
            }
        }
        return quotas;
    }

    private static Quota quota(ResultSet rows) throws SQLException {
        int desktops = rows.getInt("desktops");
        Integer d = rows.wasNull() ? null : desktops;
        int gpus = rows.getInt("gpus");
        Integer g = rows.wasNull() ? null : gpus;
        long hours = rows.getLong("gpu_hours");
        Long h = rows.wasNull() ? null : hours;
        return new Quota(d, g, h);
    }

    /** Stores the scope's quota, replacing what was there; a quota with no limit at all is removed. */
    public void put(Connection connection, String scope, Quota quota, Instant now) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM quotas WHERE scope = ?")) {
            delete.setString(1, scope);
            delete.executeUpdate();
        }
        if (quota.equals(Quota.NONE)) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO quotas (scope, desktops, gpus, gpu_hours, updated_at) VALUES (?, ?, ?, ?, ?)")) {
            insert.setString(1, scope);
            setOrNull(insert, 2, quota.desktops(), Types.INTEGER);
            setOrNull(insert, 3, quota.gpus(), Types.INTEGER);
            setOrNull(insert, 4, quota.gpuHours(), Types.BIGINT);
            Sql.setInstant(insert, 5, now);
            insert.executeUpdate();
        }
    }

    private static void setOrNull(PreparedStatement statement, int index, Number value, int type) throws SQLException {
        if (value == null) {
            statement.setNull(index, type);
        } else {
            statement.setObject(index, value);
        }
    }
}
