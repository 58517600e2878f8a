package cn.ac.ihep.heps.testsupport.guacamole.web;

import java.time.Instant;
import java.util.Map;

/**
 * A connection history entry as {@code GET api/session/data/{dataSource}/history/connections}
 * lists it.
 *
 * @param logs the entry's logs (recordings among them) by name, each with its type
 *     ({@code GUACAMOLE_SESSION_RECORDING}, ...)
 */
public record HistoryEntry(String identifier, String uuid, String connectionIdentifier, String connectionName,
        String username, String remoteHost, Instant startDate, Instant endDate, boolean active,
        Map<String, String> logs) {

    public HistoryEntry {
        logs = Map.copyOf(logs);
    }
}
