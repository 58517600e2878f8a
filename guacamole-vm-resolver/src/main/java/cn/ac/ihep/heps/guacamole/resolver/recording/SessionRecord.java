package cn.ac.ihep.heps.guacamole.resolver.recording;

import java.time.Instant;
import java.util.UUID;

/**
 * One recorded session as it is written beside its recording ({@code <session id>.json}): the
 * history entry Guacamole shows for it.
 *
 * @param id the session's id: the name of its recording and of the history entry
 * @param serverId the desktop (the connection's identifier)
 * @param connectionName the connection's name when the session opened
 * @param username who opened it
 * @param remoteHost the browser's address as Guacamole saw it, or null
 * @param startedAt when the session opened
 * @param endedAt when it closed, or null while it is open (or when its node stopped before writing it)
 */
public record SessionRecord(UUID id, String serverId, String connectionName, String username, String remoteHost,
        Instant startedAt, Instant endedAt) {

    public SessionRecord ended(Instant at) {
        return new SessionRecord(id, serverId, connectionName, username, remoteHost, startedAt, at);
    }
}
