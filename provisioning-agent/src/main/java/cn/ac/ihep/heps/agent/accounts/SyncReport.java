package cn.ac.ihep.heps.agent.accounts;

import java.time.Duration;
import java.util.List;

/**
 * What one directory accounts pass did: each change made ({@code changes}), each account or
 * group left alone because its numbers disagree ({@code conflicts}), and each one a directory
 * refused ({@code errors}, retried next pass). {@code enabled} is false when neither LDAP nor AD
 * is configured.
 */
public record SyncReport(boolean enabled, List<String> directories, int accounts, int groups, List<String> changes,
        List<String> conflicts, List<String> errors, Duration duration) {

    public SyncReport {
        directories = List.copyOf(directories);
        changes = List.copyOf(changes);
        conflicts = List.copyOf(conflicts);
        errors = List.copyOf(errors);
    }

    /** True when the directories already matched: nothing was changed, nothing is wrong. */
    public boolean unchanged() {
        return changes.isEmpty() && conflicts.isEmpty() && errors.isEmpty();
    }

    public boolean succeeded() {
        return conflicts.isEmpty() && errors.isEmpty();
    }
}
