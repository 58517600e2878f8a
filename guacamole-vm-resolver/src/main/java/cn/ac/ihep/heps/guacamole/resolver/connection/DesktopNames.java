package cn.ac.ihep.heps.guacamole.resolver.connection;

import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.guacamole.resolver.index.Desktop;

/** What the connection list shows for a desktop: its name, and a note when it needs attention. */
public final class DesktopNames {

    private DesktopNames() {
    }

    public static String displayName(Desktop desktop) {
        if (desktop.state() == ServerState.ERROR) {
            return desktop.name() + " (failed: ask IT support to repair it)";
        }
        return desktop.name();
    }
}
