package cn.ac.ihep.heps.auth.token;

/**
 * A token was refused. The message is the reason for the log; it never contains the token and
 * never reaches the browser.
 */
public class TokenRejectedException extends Exception {

    private static final long serialVersionUID = 1L;

    public TokenRejectedException(String reason) {
        super(reason);
    }

    public TokenRejectedException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
