package cn.ac.ihep.heps.guacamole.resolver.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.guacamole.resolver.InMemoryCloud;
import cn.ac.ihep.heps.guacamole.resolver.PropertiesEnvironment;
import cn.ac.ihep.heps.guacamole.resolver.ResolverFixture;
import cn.ac.ihep.heps.testsupport.time.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.guacamole.net.auth.ActivityRecordSet;
import org.apache.guacamole.net.auth.ConnectionRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention over real files: what is older than the limit goes, with its entry, link and empty directories. */
class RecordingRetentionTest {

    private static final Instant START = Instant.parse("2026-11-01T10:00:00Z");

    @TempDir
    Path recordings;

    private PropertiesEnvironment environment() {
        return new PropertiesEnvironment()
                .set("heps-vnc-secret", "a-site-secret-for-vnc-passwords")
                .set("heps-recording-path", recordings.toString())
                .set("recording-search-path", recordings.resolve("history").toString())
                .set("heps-recording-retention-days", "30");
    }

    /**
     * The retention the extension started, stopped: its pass at start runs on its own thread and,
     * late on a loaded machine, would sweep at the time a test has set. The tests sweep themselves.
     */
    private static RecordingRetention ownRetention(ResolverFixture fixture) {
        RecordingRetention retention = fixture.service(RecordingRetention.class);
        retention.close();
        return retention;
    }

    /** A finished session whose recording and entry were last written at {@code at}. */
    private static RecordedSession finished(RecordingStore store, MutableClock clock, String serverId, Instant at)
            throws Exception {
        clock.set(at);
        RecordedSession session = store.begin(serverId, serverId + "-name", "alice", "192.0.2.1");
        Files.writeString(session.recording(), "4.sync,1.0;");
        store.end(session);
        age(session, at);
        return session;
    }

    private static void age(RecordedSession session, Instant at) throws Exception {
        Files.setLastModifiedTime(session.recording(), FileTime.from(at));
        Files.setLastModifiedTime(entry(session), FileTime.from(at));
    }

    private static Path entry(RecordedSession session) {
        return session.directory().resolve(session.recordingName() + ".json");
    }

    @Test
    void recordingsOlderThanTheRetentionGoWithTheirEntriesLinksAndEmptyDirectories() throws Exception {
        MutableClock clock = new MutableClock(START);
        try (ResolverFixture fixture = ResolverFixture.start(new InMemoryCloud(), environment(), clock)) {
            RecordingStore store = fixture.service(RecordingStore.class);
            RecordingRetention retention = ownRetention(fixture);
            RecordedSession old = finished(store, clock, "desk-1", START);
            RecordedSession oldOther = finished(store, clock, "desk-2", START.plus(Duration.ofHours(1)));
            RecordedSession recent = finished(store, clock, "desk-1", START.plus(Duration.ofDays(20)));
            // A session still open on this node, started long ago: its recording is being written.
            clock.set(START);
            RecordedSession open = store.begin("desk-3", "desk-3-name", "bob", null);
            Files.writeString(open.recording(), "4.sync,1.0;");
            age(open, START);

            clock.set(START.plus(Duration.ofDays(31)));
            RecordingRetention.Sweep sweep = retention.sweep();

            assertEquals(2, sweep.recordings());
            assertEquals(2, sweep.entries());
            assertEquals(2, sweep.links());
            for (RecordedSession gone : List.of(old, oldOther)) {
                assertFalse(Files.exists(gone.recording()));
                assertFalse(Files.exists(entry(gone)));
                assertFalse(Files.exists(store.linkOf(gone.record().id()), java.nio.file.LinkOption.NOFOLLOW_LINKS));
            }
            // desk-1's old day and all of desk-2 are gone; desk-1's recent day stays.
            assertFalse(Files.exists(old.directory()));
            assertFalse(Files.exists(recordings.resolve("desk-2")));
            assertEquals(3, sweep.directories());
            for (RecordedSession kept : List.of(recent, open)) {
                assertTrue(Files.exists(kept.recording()));
                assertTrue(Files.exists(entry(kept)));
                assertTrue(Files.isSymbolicLink(store.linkOf(kept.record().id())));
            }

            // The history lists what is left; a second pass changes nothing.
            ActivityRecordSet<ConnectionRecord> history = fixture.service(RecordingHistory.class).visibleTo("x", true);
            assertEquals(2, history.asCollection().size());
            assertEquals(new RecordingRetention.Sweep(0, 0, 0, 0), retention.sweep());

            // Once the open session ends and its time has passed too, it goes as well.
            store.end(open);
            age(open, START);
            assertEquals(1, retention.sweep().recordings());
        }
    }

    @Test
    void aLinkWhoseRecordingGuacdHasNotWrittenYetStays() throws Exception {
        MutableClock clock = new MutableClock(START);
        try (ResolverFixture fixture = ResolverFixture.start(new InMemoryCloud(), environment(), clock)) {
            RecordingStore store = fixture.service(RecordingStore.class);
            RecordingRetention retention = ownRetention(fixture);
            RecordedSession starting = store.begin("desk-1", "n", "alice", null);
            clock.set(START.plus(Duration.ofDays(40)));
            RecordingRetention.Sweep sweep = retention.sweep();
            // Its entry is kept fresh while it is open; the link waits for guacd's file.
            assertEquals(0, sweep.links());
            assertTrue(Files.isSymbolicLink(store.linkOf(starting.record().id())));
        }
    }

    @Test
    void historySortedByStartAndLimitedReadsTheNewestDays() throws Exception {
        MutableClock clock = new MutableClock(START);
        try (ResolverFixture fixture = ResolverFixture.start(new InMemoryCloud(), environment(), clock)) {
            RecordingStore store = fixture.service(RecordingStore.class);
            ownRetention(fixture);
            for (int day = 0; day < 5; day++) {
                finished(store, clock, "desk-" + (day % 2), START.plus(Duration.ofDays(day)));
                finished(store, clock, "desk-" + (day % 2), START.plus(Duration.ofDays(day)).plusSeconds(60));
            }
            ActivityRecordSet<ConnectionRecord> history = fixture.service(RecordingHistory.class).visibleTo("x", true);
            List<Instant> newest = history.sort(ActivityRecordSet.SortableProperty.START_DATE, true).limit(3)
                    .asCollection().stream().map(record -> record.getStartDate().toInstant()).toList();
            assertEquals(List.of(START.plus(Duration.ofDays(4)).plusSeconds(60), START.plus(Duration.ofDays(4)),
                    START.plus(Duration.ofDays(3)).plusSeconds(60)), newest);
            List<Instant> oldest = history.sort(ActivityRecordSet.SortableProperty.START_DATE, false).limit(2)
                    .asCollection().stream().map(record -> record.getStartDate().toInstant()).toList();
            assertEquals(List.of(START, START.plusSeconds(60)), oldest);
            assertEquals(10, history.asCollection().size());
            assertEquals(4, history.contains("desk-1").asCollection().size());
            assertEquals(6, history.contains("DESK-0").asCollection().size());
        }
    }
}
