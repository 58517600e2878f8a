package cn.ac.ihep.heps.agent.reconcile;

import java.time.Duration;
import java.util.Map;

/** What one reconcile pass did: actions by name (create, adopt, shelve, …) and how long it took. */
public record PassReport(Map<String, Integer> actions, int desktopsSeen, Duration duration) {
    public PassReport {
        actions = Map.copyOf(actions);
    }

    /** True when the pass changed nothing in the cloud or the database. */
    public boolean changedNothing() {
        return actions.isEmpty();
    }
}
