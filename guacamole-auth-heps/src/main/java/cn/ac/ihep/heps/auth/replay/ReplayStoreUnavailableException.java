package cn.ac.ihep.heps.auth.replay;

/** The replay store could not say whether a token was used before. */
public class ReplayStoreUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    public ReplayStoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
