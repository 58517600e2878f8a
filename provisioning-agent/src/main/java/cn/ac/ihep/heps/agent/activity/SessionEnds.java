package cn.ac.ihep.heps.agent.activity;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;

/**
 * Told, in the transaction that stores a report, of each desktop a session on which ended: a
 * closed event, or a desktop the node listed as open before and no longer does (its node
 * restarted, or the event was dropped).
 */
@FunctionalInterface
public interface SessionEnds {
    SessionEnds IGNORED = (connection, serverId, at) -> { };

    void sessionEnded(Connection connection, String serverId, Instant at) throws SQLException;
}
