package cn.ac.ihep.heps.agent.reconcile;

import java.util.Locale;

/**
 * Named crash points for crash tests. When the environment variable {@code HEPS_FAILPOINT}
 * names a point, the process halts there at once (no shutdown hooks, no commits, no close),
 * which is what a SIGKILL looks like to the database and to Nova. Without the variable every
 * point does nothing; no setting of the agent turns them on.
 */
enum Failpoint {
    /** Nova accepted the boot request; the server id is not yet in the database. */
    AFTER_BOOT_REQUEST;

    static final String ENVIRONMENT = "HEPS_FAILPOINT";
    /** Exit status of a process halted at a failpoint, so a test can tell it from other deaths. */
    static final int HALT_STATUS = 137;

    private static final String ACTIVE = System.getenv(ENVIRONMENT);

    String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    void reach() {
        if (wireName().equals(ACTIVE)) {
            Runtime.getRuntime().halt(HALT_STATUS);
        }
    }
}
