package cn.ac.ihep.heps.common.cloud;

/** The cloud refused or failed a request; the message says what and, where it can, what to do. */
public class CloudException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CloudException(String message) {
        super(message);
    }

    public CloudException(String message, Throwable cause) {
        super(message, cause);
    }
}
