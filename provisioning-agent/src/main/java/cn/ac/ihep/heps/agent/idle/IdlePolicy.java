package cn.ac.ihep.heps.agent.idle;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How long a desktop may go unused before it gives its resources back, and the rules that
 * apply it. Pure: the reconcile loop and the idle simulation in {@code bench/} call the same
 * methods with what they know.
 *
 * <ul>
 *   <li><b>Disconnect</b> a session after {@code disconnectAfter} without mouse or keyboard
 *       input. The VM resolver holds the sessions and applies this (it warns first); the agent
 *       tells it the limit.</li>
 *   <li><b>Shelve</b> a desktop after {@code shelveAfter} with no connection: its GPU goes
 *       back to Placement, its disk is kept, and the next login wakes it. A desktop with an open
 *       connection is never shelved, whatever the clocks say.</li>
 * </ul>
 *
 * @param disconnectAfter empty: sessions are never disconnected for lack of input
 * @param shelveAfter empty: the desktop is never shelved for lack of connections
 */
public record IdlePolicy(Optional<Duration> disconnectAfter, Optional<Duration> shelveAfter) {

    public static final IdlePolicy NEVER = new IdlePolicy(Optional.empty(), Optional.empty());

    public IdlePolicy {
        requirePositive(disconnectAfter, "disconnectAfter");
        requirePositive(shelveAfter, "shelveAfter");
    }

    private static void requirePositive(Optional<Duration> duration, String name) {
        if (duration.isPresent() && (duration.get().isNegative() || duration.get().isZero())) {
            throw new IllegalArgumentException(name + " must be longer than zero, not " + duration.get());
        }
    }

    /** When a session whose user last sent input at {@code lastInputAt} is disconnected; empty: never. */
    public Optional<Instant> disconnectAt(Instant lastInputAt) {
        return disconnectAfter.map(lastInputAt::plus);
    }

    /**
     * Whether a running desktop is shelved now.
     *
     * @param activity what the latest reports say
     * @param reportsCompleteAt every Guacamole node that reports has reported at or after this
     *     instant; null when the agent cannot vouch for the whole picture (no node reports, or
     *     one has gone silent), and then nothing is shelved
     * @param awakeSince when the desktop last became running (created, or woken after a shelve);
     *     a desktop nobody has connected to yet is idle from then
     * @param dueSince what a previous {@link IdleVerdict.Due} recorded, or null
     * @param now the pass's time
     */
    public IdleVerdict judge(DesktopActivity activity, Instant reportsCompleteAt, Instant awakeSince, Instant dueSince,
            Instant now) {
        if (shelveAfter.isEmpty()) {
            return new IdleVerdict.Keep("idle shelving is off for this desktop");
        }
        if (activity.connected()) {
            return new IdleVerdict.Keep(activity.connections() + " connection(s) open");
        }
        if (reportsCompleteAt == null) {
            return new IdleVerdict.Keep("no complete activity report from the Guacamole nodes");
        }
        Instant idleSince = DesktopActivity.latest(activity.lastUsedAt(), awakeSince);
        if (idleSince == null) {
            return new IdleVerdict.Keep("not known to have been running");
        }
        Instant deadline = idleSince.plus(shelveAfter.get());
        if (now.isBefore(deadline)) {
            return new IdleVerdict.Keep("unused since " + idleSince + "; shelved from " + deadline
                    + " unless someone connects");
        }
        // A mark from an earlier idle spell (someone has connected since) does not count.
        if (dueSince == null || dueSince.isBefore(deadline)) {
            return new IdleVerdict.Due(now, idleSince);
        }
        if (!reportsCompleteAt.isAfter(dueSince)) {
            return new IdleVerdict.Due(dueSince, idleSince);
        }
        return new IdleVerdict.Shelve("no connection since " + idleSince + " (idle limit "
                + shelveAfter.get() + ")", idleSince);
    }
}
