package cn.ac.ihep.heps.guacamole.resolver.recording;

import java.nio.file.Path;

/**
 * A session being recorded: its record and the directory guacd writes its recording to
 * ({@code recording-path}), under the recording's name ({@code recording-name}, the session id).
 */
public record RecordedSession(SessionRecord record, Path directory) {

    /** guacd's {@code recording-name}. */
    public String recordingName() {
        return record.id().toString();
    }

    public Path recording() {
        return directory.resolve(recordingName());
    }
}
