package cn.ac.ihep.heps.common.cloud;

/** The cloud could not be reached or did not answer in time; the request may be retried. */
public class CloudUnavailableException extends CloudException {

    private static final long serialVersionUID = 1L;

    public CloudUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
