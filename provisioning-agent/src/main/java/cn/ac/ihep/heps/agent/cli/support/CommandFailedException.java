package cn.ac.ihep.heps.agent.cli.support;

/**
 * The command tried and failed; exits with {@link ExitCode#FAILED}. The message says what
 * went wrong and what to do about it, e.g. "OpenStack did not answer at ...: check that
 * dev/openstack/up is running".
 */
public class CommandFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CommandFailedException(String message) {
        super(message);
    }

    public CommandFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
