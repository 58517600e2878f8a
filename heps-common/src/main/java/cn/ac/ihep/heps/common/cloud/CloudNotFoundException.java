package cn.ac.ihep.heps.common.cloud;

/** The named server, image or flavor does not exist. */
public class CloudNotFoundException extends CloudException {

    private static final long serialVersionUID = 1L;

    public CloudNotFoundException(String message) {
        super(message);
    }
}
