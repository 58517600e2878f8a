package cn.ac.ihep.heps.agent.images.build;

/** The build did not produce a validated image; everything it made has been removed. */
public class BuildFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BuildFailedException(String message) {
        super(message);
    }

    public BuildFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
