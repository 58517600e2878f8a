package cn.ac.ihep.heps.guacamole.resolver.recording;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.guacamole.net.auth.ActivityRecordSet;
import org.apache.guacamole.net.auth.ConnectionRecord;

/**
 * The recorded sessions one user may see, as Guacamole's history pages ask for them: filtered
 * by search terms, sorted by start date, limited. The entries are read from the recording
 * directory when Guacamole asks, never kept: every Guacamole node shows the same history.
 *
 * <p>Sorted by start date with a limit (how Guacamole's history page asks: newest first, at most
 * 1000), it reads day directories from the newest (or oldest) day and stops once the limit is
 * met, so the cost follows the page, not the retention period.
 */
public final class RecordedSessionHistory implements ActivityRecordSet<ConnectionRecord> {

    private final RecordingHistory history;
    private final Predicate<SessionRecord> visible;
    private final List<String> terms;
    private final Boolean startDateDescending;
    private final int limit;

    RecordedSessionHistory(RecordingHistory history, Predicate<SessionRecord> visible) {
        this(history, visible, List.of(), null, Integer.MAX_VALUE);
    }

    private RecordedSessionHistory(RecordingHistory history, Predicate<SessionRecord> visible, List<String> terms,
            Boolean startDateDescending, int limit) {
        this.history = history;
        this.visible = visible;
        this.terms = List.copyOf(terms);
        this.startDateDescending = startDateDescending;
        this.limit = limit;
    }

    @Override
    public Collection<ConnectionRecord> asCollection() {
        // Days grouped by date, in the order asked for (newest first when unsorted).
        boolean descending = startDateDescending == null || startDateDescending;
        TreeMap<LocalDate, List<RecordingStore.Day>> byDate = new TreeMap<>();
        for (RecordingStore.Day day : history.store().days()) {
            byDate.computeIfAbsent(day.date(), date -> new ArrayList<>()).add(day);
        }
        Map<LocalDate, List<RecordingStore.Day>> ordered = descending ? byDate.descendingMap() : byDate;
        List<SessionRecord> found = new ArrayList<>();
        for (List<RecordingStore.Day> days : ordered.values()) {
            if (startDateDescending != null && found.size() >= limit) {
                break; // Every later day's sessions sort after those already found.
            }
            for (RecordingStore.Day day : days) {
                for (SessionRecord record : history.store().records(day)) {
                    if (visible.test(record) && matchesTerms(record)) {
                        found.add(record);
                    }
                }
            }
        }
        if (startDateDescending != null) {
            Comparator<SessionRecord> byStart = Comparator.comparing(SessionRecord::startedAt);
            found.sort(startDateDescending ? byStart.reversed() : byStart);
        }
        List<ConnectionRecord> records = new ArrayList<>(Math.min(found.size(), limit));
        for (SessionRecord record : found.subList(0, Math.min(found.size(), limit))) {
            records.add(history.toConnectionRecord(record));
        }
        return records;
    }

    /** One entry by its id (the session id), when this user may see it. */
    @Override
    public ConnectionRecord get(String identifier) {
        UUID id;
        try {
            id = UUID.fromString(Objects.requireNonNull(identifier));
        } catch (IllegalArgumentException | NullPointerException e) {
            return null;
        }
        return history.find(id).filter(visible).map(history::toConnectionRecord).orElse(null);
    }

    /** Entries whose user, desktop name, desktop id or address contain the value (case aside). */
    @Override
    public ActivityRecordSet<ConnectionRecord> contains(String value) {
        List<String> more = new ArrayList<>(terms);
        more.add(value.toLowerCase(Locale.ROOT));
        return new RecordedSessionHistory(history, visible, more, startDateDescending, limit);
    }

    @Override
    public ActivityRecordSet<ConnectionRecord> limit(int count) {
        return new RecordedSessionHistory(history, visible, terms, startDateDescending, Math.min(limit, count));
    }

    /** The first sort asked for decides the order (START_DATE is the only sortable property). */
    @Override
    public ActivityRecordSet<ConnectionRecord> sort(SortableProperty property, boolean desc) {
        if (startDateDescending != null || property != SortableProperty.START_DATE) {
            return this;
        }
        return new RecordedSessionHistory(history, visible, terms, desc, limit);
    }

    private boolean matchesTerms(SessionRecord record) {
        for (String term : terms) {
            if (!contains(record.username(), term) && !contains(record.connectionName(), term)
                    && !contains(record.serverId(), term) && !contains(record.remoteHost(), term)) {
                return false;
            }
        }
        return true;
    }

    private static boolean contains(String field, String term) {
        return field != null && field.toLowerCase(Locale.ROOT).contains(term);
    }
}
