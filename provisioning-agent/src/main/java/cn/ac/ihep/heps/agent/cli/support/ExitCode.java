package cn.ac.ihep.heps.agent.cli.support;

/** Exit codes every {@code heps} verb uses (CONTRACTS §4). */
public final class ExitCode {
    public static final int OK = 0;
    /** The work was attempted and failed (cloud refused, database down, timeout). */
    public static final int FAILED = 1;
    /** The command line or an input file was wrong; nothing was changed. */
    public static final int BAD_INPUT = 2;

    private ExitCode() {
    }
}
