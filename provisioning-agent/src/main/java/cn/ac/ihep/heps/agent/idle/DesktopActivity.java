package cn.ac.ihep.heps.agent.idle;

import java.time.Instant;

/**
 * Who is using a desktop, as the Guacamole nodes last reported it.
 *
 * @param connections connections open to the desktop now, over every node's latest report
 * @param lastConnectedAt when a connection to it last opened, or null if never
 * @param lastDisconnectedAt when a connection to it last closed, or null if never
 * @param lastInputAt when a user last sent mouse or keyboard input to it, or null if never
 * @param disconnectAt the earliest time a node will close an open session for lack of input,
 *     or null when none is planned (what the user was warned of)
 */
public record DesktopActivity(int connections, Instant lastConnectedAt, Instant lastDisconnectedAt,
        Instant lastInputAt, Instant disconnectAt) {

    /** Nothing known: no report has ever mentioned the desktop. */
    public static final DesktopActivity NONE = new DesktopActivity(0, null, null, null, null);

    public boolean connected() {
        return connections > 0;
    }

    /** The latest of the connection and input times, or null when none is known. */
    public Instant lastUsedAt() {
        return latest(latest(lastConnectedAt, lastDisconnectedAt), lastInputAt);
    }

    static Instant latest(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b == null || a.isAfter(b) ? a : b;
    }
}
