package cn.ac.ihep.heps.agent.store;

/** The database failed; nothing from the failed transaction was kept. */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
