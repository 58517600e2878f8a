package cn.ac.ihep.heps.agent.accounts;

/**
 * A directory cannot be used for this pass: unreachable, too slow, or it refused the agent's
 * bind. Nothing is lost: what the pass did so far is recorded, the rest is done next pass.
 */
public class DirectoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DirectoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
