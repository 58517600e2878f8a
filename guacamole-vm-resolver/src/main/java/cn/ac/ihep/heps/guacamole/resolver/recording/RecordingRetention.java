package cn.ac.ihep.heps.guacamole.resolver.recording;

import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes recordings, and their history entries, once {@code heps-recording-retention-days}
 * have passed since their last write (a session's end), every hour and once at start; removes
 * the day and desktop directories they leave empty, and the history links whose recording and
 * entry are both gone. A session still open is never touched: its recording is being written and
 * its node keeps its entry fresh. Every Guacamole node may run it over the shared directory.
 */
@Singleton
public class RecordingRetention implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(RecordingRetention.class);
    static final Duration INTERVAL = Duration.ofHours(1);

    /** What one pass deleted. */
    public record Sweep(int recordings, int entries, int directories, int links) {
    }

    private final RecordingStore store;
    private final Clock clock;
    private ScheduledExecutorService scheduler;

    @Inject
    public RecordingRetention(RecordingStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Sweeps now and every hour, and keeps this node's open entries fresh every minute; nothing when recording is off. */
    public synchronized void start() {
        if (store.settings().isEmpty() || scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "heps-recording-retention");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::sweepLogged, 0, INTERVAL.toMinutes(), TimeUnit.MINUTES);
        scheduler.scheduleWithFixedDelay(store::heartbeat, 1, 1, TimeUnit.MINUTES);
    }

    private void sweepLogged() {
        try {
            Sweep sweep = sweep();
            if (sweep.recordings() + sweep.entries() + sweep.links() > 0) {
                logger.info("Recording retention ({} days): deleted {} recording(s), {} history entr(ies), {} empty "
                        + "director(ies) and {} link(s)", store.settings().orElseThrow().retention().toDays(),
                        sweep.recordings(), sweep.entries(), sweep.directories(), sweep.links());
            }
        } catch (RuntimeException e) {
            logger.warn("Recording retention failed this time: {}", e.toString());
            logger.debug("Retention failure", e);
        }
    }

    /** One pass at the clock's current time. */
    public Sweep sweep() {
        RecordingSettings settings = store.settings().orElseThrow(() -> new IllegalStateException("recording is off"));
        Instant cutoff = clock.instant().minus(settings.retention());
        LocalDate cutoffDay = LocalDate.ofInstant(cutoff, ZoneOffset.UTC);
        int recordings = 0;
        int entries = 0;
        int directories = 0;
        Set<Path> desktops = new HashSet<>();
        for (RecordingStore.Day day : store.days()) {
            desktops.add(day.directory().getParent());
            try (DirectoryStream<Path> files = Files.newDirectoryStream(day.directory())) {
                for (Path file : files) {
                    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || openHere(file)
                            || !Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(cutoff)) {
                        continue;
                    }
                    if (delete(file)) {
                        if (file.getFileName().toString().endsWith(RecordingStore.RECORD_SUFFIX)) {
                            entries++;
                        } else {
                            recordings++;
                        }
                    }
                }
            } catch (IOException e) {
                logger.warn("Could not sweep {}: {}", day.directory(), e.toString());
            }
            // New sessions go into today's directory only: one older than the cutoff gets nothing new.
            if (day.date().isBefore(cutoffDay) && deleteIfEmpty(day.directory())) {
                directories++;
            }
        }
        for (Path desktop : desktops) {
            if (deleteIfEmpty(desktop)) {
                directories++;
            }
        }
        return new Sweep(recordings, entries, directories, sweepLinks(settings.searchPath()));
    }

    /** Links whose recording and entry are both gone (a link is made before guacd writes its target). */
    private int sweepLinks(Path searchPath) {
        int links = 0;
        try (DirectoryStream<Path> names = Files.newDirectoryStream(searchPath)) {
            for (Path link : names) {
                if (!Files.isSymbolicLink(link) || !isUuid(link.getFileName().toString())) {
                    continue;
                }
                Path target = link.resolveSibling(Files.readSymbolicLink(link));
                Path entry = target.resolveSibling(target.getFileName() + RecordingStore.RECORD_SUFFIX);
                if (!Files.exists(target) && !Files.exists(entry) && delete(link)) {
                    links++;
                }
            }
        } catch (NoSuchFileException e) {
            // No session has been recorded yet.
        } catch (IOException e) {
            logger.warn("Could not sweep the history links in {}: {}", searchPath, e.toString());
        }
        return links;
    }

    private boolean openHere(Path file) {
        String name = file.getFileName().toString();
        String id = name.endsWith(RecordingStore.RECORD_SUFFIX)
                ? name.substring(0, name.length() - RecordingStore.RECORD_SUFFIX.length()) : name;
        return isUuid(id) && store.isOpenHere(UUID.fromString(id));
    }

    private static boolean isUuid(String text) {
        try {
            return UUID.fromString(text).toString().equals(text);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean delete(Path path) {
        try {
            return Files.deleteIfExists(path);
        } catch (IOException e) {
            logger.warn("Could not delete {}: {}", path, e.toString());
            return false;
        }
    }

    private static boolean deleteIfEmpty(Path directory) {
        try {
            Files.delete(directory);
            return true;
        } catch (DirectoryNotEmptyException | NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            logger.warn("Could not remove the empty directory {}: {}", directory, e.toString());
            return false;
        }
    }

    /** Stops the passes; returns once a pass in flight has finished, so no file goes after the extension stops. */
    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            try {
                if (!scheduler.awaitTermination(30, TimeUnit.SECONDS)) {
                    logger.warn("A recording retention pass is still running after 30 s; it is left to finish");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            scheduler = null;
        }
    }
}
