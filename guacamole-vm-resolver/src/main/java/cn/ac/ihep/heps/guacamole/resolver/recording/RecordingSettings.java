package cn.ac.ihep.heps.guacamole.resolver.recording;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where and how sessions are recorded, as the site configured it.
 *
 * @param root {@code heps-recording-path}: a recording is written to
 *     {@code <root>/<server id>/<yyyy-MM-dd>/<session id>}, on the guacd host and the Guacamole
 *     host alike (one shared directory, mounted at the same path on both)
 * @param searchPath Guacamole's own {@code recording-search-path}: the history-recording-storage
 *     extension looks a history entry's recording up as {@code <searchPath>/<session id>}, so a
 *     link of that name points at the recording
 * @param rule which desktops are recorded
 * @param retention how long a recording is kept after its last write
 * @param includeKeys whether key presses go into the recording (they may include passwords)
 * @param excludeMouse whether the pointer is left out of the recording
 */
public record RecordingSettings(Path root, Path searchPath, RecordingRule rule, Duration retention,
        boolean includeKeys, boolean excludeMouse) {
}
