package cn.ac.ihep.heps.agent.reconcile;

import cn.ac.ihep.heps.agent.experiment.Experiment;
import java.time.Duration;
import java.time.Instant;

/** Where a member's desktop should be at a given time, from the experiment's window. */
public enum Phase {
    /** More than the lead time before the window: nothing exists yet. */
    NOT_YET,
    /** From the lead time before the window until it ends: the desktop exists and was started. */
    RUNNING,
    /** From the end of the window for the retention period: shelved, kept. */
    SHELVED,
    /** After the retention period, or the member was removed: gone. */
    DELETED;

    public static Phase at(Experiment experiment, Instant now, Duration leadTime, Duration retention) {
        if (now.isBefore(startOf(experiment, leadTime))) {
            return NOT_YET;
        }
        if (now.isBefore(experiment.endsAt())) {
            return RUNNING;
        }
        if (now.isBefore(deleteOf(experiment, retention))) {
            return SHELVED;
        }
        return DELETED;
    }

    public static Instant startOf(Experiment experiment, Duration leadTime) {
        return experiment.startsAt().minus(leadTime);
    }

    public static Instant deleteOf(Experiment experiment, Duration retention) {
        return experiment.endsAt().plus(retention);
    }
}
