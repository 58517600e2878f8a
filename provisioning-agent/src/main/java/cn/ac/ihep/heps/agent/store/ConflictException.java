package cn.ac.ihep.heps.agent.store;

/** A uniqueness constraint refused the change: somebody else got there first. */
public class ConflictException extends StoreException {
    private static final long serialVersionUID = 1L;

    public ConflictException(String message, Throwable cause) {
        super(message, cause);
    }
}
