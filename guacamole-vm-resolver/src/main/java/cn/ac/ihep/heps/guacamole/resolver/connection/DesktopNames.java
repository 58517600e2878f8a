package cn.ac.ihep.heps.guacamole.resolver.connection;

import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.guacamole.resolver.index.Desktop;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** What the connection list shows for a desktop: its name, and a note when it needs attention. */
public final class DesktopNames {

    private static final DateTimeFormatter MINUTES = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");

    private DesktopNames() {
    }

    public static String displayName(Desktop desktop) {
        return displayName(desktop, false);
    }

    /** The name, saying so when the desktop's sessions are recorded: the list shows it before a session opens. */
    public static String displayName(Desktop desktop, boolean recorded) {
        String name = recorded ? desktop.name() + " (sessions recorded)" : desktop.name();
        if (desktop.state() == ServerState.ERROR) {
            return name + " (failed: ask IT support to repair it)";
        }
        return name;
    }

    /**
     * The name a user sees in their list: a desktop whose beamtime has ended says when, and whom
     * to ask, since Guacamole shows a failed connection's status but not its message.
     */
    public static String displayName(Desktop desktop, Instant now, String contact) {
        return displayName(desktop, false, now, contact);
    }

    /** Both notes where both apply: recorded sessions, and a beamtime that has ended. */
    public static String displayName(Desktop desktop, boolean recorded, Instant now, String contact) {
        if (desktop.expiredAt(now)) {
            String name = recorded ? desktop.name() + " (sessions recorded)" : desktop.name();
            return name + " (beamtime ended " + endOf(desktop) + " UTC: ask " + contact + " to extend it)";
        }
        return displayName(desktop, recorded);
    }

    /** When the desktop's beamtime ends, to the minute, in UTC. */
    public static String endOf(Desktop desktop) {
        return MINUTES.format(desktop.expiresAt().atOffset(ZoneOffset.UTC));
    }
}
