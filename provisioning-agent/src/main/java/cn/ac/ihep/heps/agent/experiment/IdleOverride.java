package cn.ac.ihep.heps.agent.experiment;

import cn.ac.ihep.heps.agent.idle.IdleLimit;

/**
 * An experiment's own idle limits for its desktops ({@code desktop.idle}): each {@code off}, an
 * ISO-8601 duration, or null to keep its beamline's (or the site's) limit.
 *
 * @param disconnectAfter close a session after this long without mouse or keyboard input
 * @param shelveAfter shelve a desktop after this long with no connection
 */
public record IdleOverride(String disconnectAfter, String shelveAfter) {

    /** The disconnect limit, or null when the experiment does not set one. */
    public IdleLimit disconnectLimit() {
        return disconnectAfter == null ? null : IdleLimit.parse(disconnectAfter);
    }

    /** The shelve limit, or null when the experiment does not set one. */
    public IdleLimit shelveLimit() {
        return shelveAfter == null ? null : IdleLimit.parse(shelveAfter);
    }

    public boolean isEmpty() {
        return disconnectAfter == null && shelveAfter == null;
    }
}
