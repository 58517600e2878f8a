package cn.ac.ihep.heps.guacamole.resolver.recording;

import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.UUID;
import org.apache.guacamole.net.auth.ActivityRecordSet;
import org.apache.guacamole.net.auth.ConnectionRecord;

/**
 * Guacamole's connection history for this data source: the recorded sessions, read from beside
 * their recordings (where they live and are deleted with them, on a volume every Guacamole node
 * shares). Auditors see every session; anyone else their own.
 */
@Singleton
public class RecordingHistory {

    /** An entry whose node has not touched it for this long, and has not noted an end, is over. */
    static final Duration OPEN_ENTRY_FRESHNESS = Duration.ofMinutes(3);

    private final RecordingStore store;
    private final Clock clock;

    @Inject
    public RecordingHistory(RecordingStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Every recorded session for an auditor; the user's own otherwise. */
    public ActivityRecordSet<ConnectionRecord> visibleTo(String username, boolean auditor) {
        return new RecordedSessionHistory(this, record -> auditor || record.username().equals(username));
    }

    /** The same, of one desktop. */
    public ActivityRecordSet<ConnectionRecord> ofDesktop(String serverId, String username, boolean auditor) {
        return new RecordedSessionHistory(this, record -> record.serverId().equals(serverId)
                && (auditor || record.username().equals(username)));
    }

    RecordingStore store() {
        return store;
    }

    Optional<SessionRecord> find(UUID id) {
        return store.find(id);
    }

    ConnectionRecord toConnectionRecord(SessionRecord record) {
        if (record.endedAt() != null) {
            return new SessionConnectionRecord(record, Date.from(record.endedAt()), false);
        }
        if (store.isOpenHere(record.id())) {
            return new SessionConnectionRecord(record, null, true);
        }
        Instant lastWrite = store.lastWrite(record);
        if (lastWrite != null && lastWrite.plus(OPEN_ENTRY_FRESHNESS).isAfter(clock.instant())) {
            return new SessionConnectionRecord(record, null, true); // Open on another node.
        }
        // Its node stopped without noting the end: the last write is as close as anything knows.
        return new SessionConnectionRecord(record, Date.from(lastWrite == null ? record.startedAt() : lastWrite), false);
    }
}
