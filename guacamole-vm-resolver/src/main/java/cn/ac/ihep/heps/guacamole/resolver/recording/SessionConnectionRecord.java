package cn.ac.ihep.heps.guacamole.resolver.recording;

import java.util.Date;
import java.util.UUID;
import org.apache.guacamole.net.auth.ConnectionRecord;

/**
 * A recorded session as Guacamole's history shows it. Its UUID is the recording's name, which is
 * how guacamole-history-recording-storage finds the recording to offer for playback.
 *
 * @param end when the session ended: as its node wrote it, else its recording's last write; null
 *     while it is open
 */
public record SessionConnectionRecord(SessionRecord record, Date end, boolean active) implements ConnectionRecord {

    @Override
    public String getConnectionIdentifier() {
        return record.serverId();
    }

    @Override
    public String getConnectionName() {
        return record.connectionName();
    }

    /** Recorded sessions are the owners' own; those who join a shared session add to the same recording. */
    @Override
    public String getSharingProfileIdentifier() {
        return null;
    }

    @Override
    public String getSharingProfileName() {
        return null;
    }

    @Override
    public Date getStartDate() {
        return Date.from(record.startedAt());
    }

    @Override
    public Date getEndDate() {
        return end;
    }

    @Override
    public String getRemoteHost() {
        return record.remoteHost();
    }

    @Override
    public String getUsername() {
        return record.username();
    }

    @Override
    public boolean isActive() {
        return active;
    }

    @Override
    public UUID getUUID() {
        return record.id();
    }

    @Override
    public String getIdentifier() {
        return record.id().toString();
    }
}
