package cn.ac.ihep.heps.agent.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the Guacamole nodes reported: one row per node (its latest report), the desktops each
 * node has connections open to, and on the desktop rows the latest connect, disconnect and
 * input times, which only ever move forward.
 */
public final class ActivityRepository {

    /** A node's latest report as stored. */
    public record Node(String node, String instance, long sequence, boolean complete, long dropped,
            Instant reportedAt) {
    }

    /** A desktop with connections open on a node. */
    public record OpenDesktop(String serverId, int connections, Instant lastInputAt, Instant disconnectAt) {
    }

    /** The node's row, locked until the transaction ends. */
    public Optional<Node> lockNode(Connection connection, String node) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT node, instance, sequence, complete, dropped, reported_at FROM activity_nodes WHERE node = ? "
                        + "FOR UPDATE")) {
            select.setString(1, node);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(node(rows)) : Optional.empty();
            }
        }
    }

    public List<Node> nodes(Connection connection) throws SQLException {
        List<Node> nodes = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT node, instance, sequence, complete, dropped, reported_at FROM activity_nodes ORDER BY node");
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                nodes.add(node(rows));
            }
        }
        return nodes;
    }

    private static Node node(ResultSet rows) throws SQLException {
        return new Node(rows.getString("node"), rows.getString("instance"), rows.getLong("sequence"),
                rows.getBoolean("complete"), rows.getLong("dropped"), Sql.instant(rows, "reported_at"));
    }

    /** The server ids the node's stored report lists as having connections open. */
    public List<String> openOn(Connection connection, String node) throws SQLException {
        List<String> open = new java.util.ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT server_id FROM desktop_sessions WHERE node = ?")) {
            select.setString(1, node);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    open.add(rows.getString(1));
                }
            }
        }
        return open;
    }

    /** Stores the node's latest report and replaces the desktops it has connections open to. */
    public void replace(Connection connection, Node node, boolean exists, List<OpenDesktop> desktops) throws SQLException {
        String sql = exists
                ? "UPDATE activity_nodes SET instance = ?, sequence = ?, complete = ?, dropped = ?, reported_at = ? "
                        + "WHERE node = ?"
                : "INSERT INTO activity_nodes (instance, sequence, complete, dropped, reported_at, node) "
                        + "VALUES (?, ?, ?, ?, ?, ?)";
        try (PreparedStatement write = connection.prepareStatement(sql)) {
            write.setString(1, node.instance());
            write.setLong(2, node.sequence());
            write.setBoolean(3, node.complete());
            write.setLong(4, node.dropped());
            Sql.setInstant(write, 5, node.reportedAt());
            write.setString(6, node.node());
            write.executeUpdate();
        }
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM desktop_sessions WHERE node = ?")) {
            delete.setString(1, node.node());
            delete.executeUpdate();
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO desktop_sessions (node, server_id, connections, last_input_at, disconnect_at) "
                        + "VALUES (?, ?, ?, ?, ?)")) {
            for (OpenDesktop desktop : desktops) {
                insert.setString(1, node.node());
                insert.setString(2, desktop.serverId());
                insert.setInt(3, desktop.connections());
                Sql.setInstant(insert, 4, desktop.lastInputAt());
                Sql.setInstant(insert, 5, desktop.disconnectAt());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    /** Moves one of the desktop's activity times forward to {@code at}; never back. */
    public void advance(Connection connection, String serverId, Column column, Instant at) throws SQLException {
        if (at == null) {
            return;
        }
        try (PreparedStatement update = connection.prepareStatement("UPDATE desktops SET " + column.name
                + " = ? WHERE server_id = ? AND (" + column.name + " IS NULL OR " + column.name + " < ?)")) {
            Sql.setInstant(update, 1, at);
            update.setString(2, serverId);
            Sql.setInstant(update, 3, at);
            update.executeUpdate();
        }
    }

    /** The activity times kept on a desktop. */
    public enum Column {
        CONNECTED("last_connected_at"), DISCONNECTED("last_disconnected_at"), INPUT("last_input_at");

        private final String name;

        Column(String name) {
            this.name = name;
        }
    }

    /** Forgets nodes (and what they had open) that have not reported since {@code before}; returns their names. */
    public List<String> forgetNodesSilentSince(Connection connection, Instant before) throws SQLException {
        List<String> forgotten = new ArrayList<>();
        for (Node node : nodes(connection)) {
            if (node.reportedAt().isBefore(before)) {
                forgotten.add(node.node());
            }
        }
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM activity_nodes WHERE node = ?")) {
            for (String node : forgotten) {
                delete.setString(1, node);
                delete.executeUpdate();
            }
        }
        return forgotten;
    }
}
