package cn.ac.ihep.heps.guacamole.resolver.recording;

import cn.ac.ihep.heps.common.log.LogSafe;
import cn.ac.ihep.heps.guacamole.resolver.ConfigurationService;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.GuacamoleServerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recordings on disk, the one place that knows their layout:
 *
 * <pre>
 * &lt;heps-recording-path&gt;/&lt;server id&gt;/&lt;yyyy-MM-dd (UTC)&gt;/&lt;session id&gt;        the recording (guacd writes it)
 * &lt;heps-recording-path&gt;/&lt;server id&gt;/&lt;yyyy-MM-dd (UTC)&gt;/&lt;session id&gt;.json   its history entry ({@link SessionRecord})
 * &lt;recording-search-path&gt;/&lt;session id&gt; → the recording          (a link for guacamole-history-recording-storage)
 * </pre>
 *
 * guacd creates only the last directory of a recording path, so this node makes the desktop's
 * and the day's directories before guacd starts, writable by the group they inherit (a site
 * gives the recording directory the group guacd runs with, set-group-id; docs/operations.md).
 */
@Singleton
public class RecordingStore {

    private static final Logger logger = LoggerFactory.getLogger(RecordingStore.class);

    /** rwxrws---: guacd, in the directory's group, writes recordings into what this node makes. */
    private static final int SHARED_DIRECTORY_MODE = 02770;
    /** rw-r-----, as guacd writes its recordings. */
    private static final int RECORD_FILE_MODE = 0640;
    static final String RECORD_SUFFIX = ".json";
    private static final int MAX_RECORD_BYTES = 16 * 1024;
    /** A Nova server id, or any identifier that is safe as one path element. */
    private static final Pattern SERVER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Optional<RecordingSettings> settings;
    private final Clock clock;
    /** The sessions this node has open, whose entries it keeps fresh ({@link #heartbeat}). */
    private final java.util.Map<UUID, RecordedSession> open = new java.util.concurrent.ConcurrentHashMap<>();

    @Inject
    public RecordingStore(ConfigurationService configuration, Clock clock) throws GuacamoleException {
        this.settings = configuration.getRecordingSettings();
        this.clock = clock;
        Optional<String> obsoleteName = configuration.getObsoleteRecordingName();
        if (obsoleteName.isPresent()) {
            logger.warn("heps-recording-name is set but no longer used: recordings are named by their session id, "
                    + "which Guacamole's history looks them up by");
        }
    }

    public Optional<RecordingSettings> settings() {
        return settings;
    }

    /** Whether sessions on this desktop are recorded. */
    public boolean records(String beamline) {
        return settings.isPresent() && settings.get().rule().records(beamline);
    }

    /**
     * Prepares the recording of a session about to open: its directories, its history entry, and
     * the link Guacamole's history finds it by. A failure refuses the session: a desktop that
     * must be recorded is not opened unrecorded.
     */
    public RecordedSession begin(String serverId, String connectionName, String username, String remoteHost)
            throws GuacamoleException {
        RecordingSettings recording = settings.orElseThrow(() -> new IllegalStateException("recording is off"));
        if (serverId == null || !SERVER_ID.matcher(serverId).matches()) {
            throw new GuacamoleServerException("Desktop id \"" + LogSafe.text(serverId)
                    + "\" cannot name a recording directory, so its session is not opened");
        }
        Instant now = clock.instant();
        SessionRecord record = new SessionRecord(UUID.randomUUID(), serverId, connectionName, username, remoteHost,
                now, null);
        Path directory = recording.root().resolve(serverId).resolve(LocalDate.ofInstant(now, ZoneOffset.UTC).toString());
        RecordedSession session = new RecordedSession(record, directory);
        try {
            try {
                sharedDirectories(recording.root(), directory);
                write(session);
            } catch (NoSuchFileException e) {
                // Retention removed the desktop's empty directory between our two steps: once more.
                sharedDirectories(recording.root(), directory);
                write(session);
            }
            sharedDirectories(recording.searchPath(), recording.searchPath());
            Files.createSymbolicLink(linkOf(record.id()), session.recording());
        } catch (IOException | RuntimeException e) {
            logger.error("Could not prepare the recording of a session on desktop {} in {}, so the session is refused: {}",
                    serverId, directory, e.toString());
            logger.debug("Recording preparation failure", e);
            abandon(session);
            throw new GuacamoleServerException("The session cannot be recorded, and this desktop's sessions must be");
        }
        open.put(record.id(), session);
        logger.info("Recording the session of \"{}\" on desktop {} to {}", LogSafe.text(username), serverId,
                session.recording());
        return session;
    }

    /** Notes the end of a session in its history entry. */
    public void end(RecordedSession session) {
        open.remove(session.record().id());
        try {
            write(new RecordedSession(session.record().ended(clock.instant()), session.directory()));
        } catch (IOException | RuntimeException e) {
            logger.warn("Could not note the end of recorded session {} ({}); its recording's last write stands for it",
                    session.recordingName(), e.toString());
        }
    }

    /** Removes the entry and link of a session that never opened. */
    public void abandon(RecordedSession session) {
        open.remove(session.record().id());
        deleteQuietly(session.directory().resolve(session.recordingName() + RECORD_SUFFIX));
        settings.ifPresent(recording -> deleteQuietly(linkOf(session.record().id())));
    }

    /** Whether this node has the session open. */
    public boolean isOpenHere(UUID sessionId) {
        return open.containsKey(sessionId);
    }

    /**
     * Touches the entries of the sessions open on this node, so that every node can tell an
     * open session ({@link #lastWrite} recent) from one whose node stopped before noting its end.
     */
    public void heartbeat() {
        java.nio.file.attribute.FileTime now = java.nio.file.attribute.FileTime.from(clock.instant());
        for (RecordedSession session : open.values()) {
            try {
                Files.setLastModifiedTime(session.directory().resolve(session.recordingName() + RECORD_SUFFIX), now);
            } catch (IOException e) {
                logger.debug("Could not touch the entry of open session {}: {}", session.recordingName(), e.toString());
            }
        }
    }

    /** The last write to a session's entry or its recording, whichever is later; null when neither exists. */
    public Instant lastWrite(SessionRecord record) {
        Path directory = dayDirectory(record);
        Instant entry = modified(directory.resolve(record.id() + RECORD_SUFFIX));
        Instant recording = modified(directory.resolve(record.id().toString()));
        if (entry == null || recording == null) {
            return entry == null ? recording : entry;
        }
        return entry.isAfter(recording) ? entry : recording;
    }

    private static Instant modified(Path path) {
        try {
            return Files.getLastModifiedTime(path).toInstant();
        } catch (IOException e) {
            return null;
        }
    }

    private Path dayDirectory(SessionRecord record) {
        return settings.orElseThrow().root().resolve(record.serverId())
                .resolve(LocalDate.ofInstant(record.startedAt(), ZoneOffset.UTC).toString());
    }

    /** The entry of one session, wherever it is. */
    public Optional<SessionRecord> find(UUID sessionId) {
        for (Day day : days()) {
            Path file = day.directory().resolve(sessionId + RECORD_SUFFIX);
            if (Files.isRegularFile(file)) {
                return read(file, day);
            }
        }
        return Optional.empty();
    }

    /** The link Guacamole's history extension opens for this session. */
    Path linkOf(UUID sessionId) {
        return settings.orElseThrow().searchPath().resolve(sessionId.toString());
    }

    // Reading

    /** One desktop's recordings of one day. */
    public record Day(String serverId, LocalDate date, Path directory) {
    }

    /** Every day directory under the recording path (none when recording is off). */
    public List<Day> days() {
        List<Day> days = new ArrayList<>();
        if (settings.isEmpty() || !Files.isDirectory(settings.get().root())) {
            return days;
        }
        Path searchPath = settings.get().searchPath();
        try (DirectoryStream<Path> desktops = Files.newDirectoryStream(settings.get().root())) {
            for (Path desktop : desktops) {
                String serverId = desktop.getFileName().toString();
                if (desktop.equals(searchPath) || !SERVER_ID.matcher(serverId).matches()
                        || !Files.isDirectory(desktop, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try (DirectoryStream<Path> dates = Files.newDirectoryStream(desktop)) {
                    for (Path date : dates) {
                        parseDate(date.getFileName().toString())
                                .filter(day -> Files.isDirectory(date, LinkOption.NOFOLLOW_LINKS))
                                .ifPresent(day -> days.add(new Day(serverId, day, date)));
                    }
                } catch (NoSuchFileException e) {
                    // Removed meanwhile (retention).
                }
            }
        } catch (IOException e) {
            logger.warn("Could not list the recordings in {}: {}", settings.get().root(), e.toString());
        }
        return days;
    }

    /** The history entries of one day directory. */
    public List<SessionRecord> records(Day day) {
        List<SessionRecord> records = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(day.directory(), "*" + RECORD_SUFFIX)) {
            for (Path file : files) {
                read(file, day).ifPresent(records::add);
            }
        } catch (NoSuchFileException e) {
            // Removed meanwhile (retention).
        } catch (IOException e) {
            logger.warn("Could not list the recordings in {}: {}", day.directory(), e.toString());
        }
        return records;
    }

    /** The recording of an entry, when guacd wrote one. */
    public Optional<Path> recordingOf(SessionRecord record) {
        Path recording = dayDirectory(record).resolve(record.id().toString());
        return Files.isRegularFile(recording) ? Optional.of(recording) : Optional.empty();
    }

    private Optional<SessionRecord> read(Path file, Day day) {
        try {
            if (Files.size(file) > MAX_RECORD_BYTES) {
                logger.warn("Ignoring the session record {}: larger than {} bytes", file, MAX_RECORD_BYTES);
                return Optional.empty();
            }
            StoredRecord stored = JSON.readValue(Files.readAllBytes(file), StoredRecord.class);
            SessionRecord record = stored.toRecord();
            String expectedName = record.id() + RECORD_SUFFIX;
            if (!expectedName.equals(file.getFileName().toString()) || !day.serverId().equals(record.serverId())) {
                logger.warn("Ignoring the session record {}: it names another session or desktop", file);
                return Optional.empty();
            }
            return Optional.of(record);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            logger.warn("Ignoring the unreadable session record {}: {}", file, e.toString());
            return Optional.empty();
        }
    }

    private static Optional<LocalDate> parseDate(String name) {
        try {
            return Optional.of(LocalDate.parse(name));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    // Writing

    private void write(RecordedSession session) throws IOException {
        Path target = session.directory().resolve(session.recordingName() + RECORD_SUFFIX);
        Path temporary = session.directory().resolve("." + session.recordingName() + RECORD_SUFFIX + ".tmp");
        Files.write(temporary, JSON.writeValueAsBytes(StoredRecord.of(session.record())));
        mode(temporary, RECORD_FILE_MODE);
        try {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Makes each missing directory from {@code top} (excluded when it exists) down to {@code directory}. */
    private static void sharedDirectories(Path top, Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            return;
        }
        Path parent = directory.getParent();
        if (parent != null && !directory.equals(top)) {
            sharedDirectories(top, parent);
        }
        try {
            Files.createDirectory(directory);
            mode(directory, SHARED_DIRECTORY_MODE);
        } catch (FileAlreadyExistsException e) {
            // Another node or session made it at the same moment.
        }
    }

    private static void mode(Path path, int mode) {
        try {
            Files.setAttribute(path, "unix:mode", mode);
        } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
            logger.debug("Could not set the mode of {} ({}); it keeps what the file system gave it", path, e.toString());
        }
    }

    private static void deleteQuietly(Path path) {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            logger.warn("Could not delete {}: {}", path, e.toString());
        }
    }

    /** The JSON shape of a {@link SessionRecord}. */
    record StoredRecord(String id, String serverId, String connectionName, String username, String remoteHost,
            String startedAt, String endedAt) {

        static StoredRecord of(SessionRecord record) {
            return new StoredRecord(record.id().toString(), record.serverId(), record.connectionName(), record.username(),
                    record.remoteHost(), record.startedAt().toString(),
                    record.endedAt() == null ? null : record.endedAt().toString());
        }

        SessionRecord toRecord() {
            if (id == null || serverId == null || username == null || startedAt == null) {
                throw new IllegalArgumentException("id, serverId, username and startedAt are required");
            }
            return new SessionRecord(UUID.fromString(id), serverId, connectionName == null ? serverId : connectionName,
                    username, remoteHost, Instant.parse(startedAt), endedAt == null ? null : Instant.parse(endedAt));
        }
    }
}
