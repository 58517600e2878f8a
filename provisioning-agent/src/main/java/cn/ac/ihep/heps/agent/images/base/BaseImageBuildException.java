package cn.ac.ihep.heps.agent.images.base;

/** A base image could not be built: a tool is missing, or the build script failed. */
public class BaseImageBuildException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BaseImageBuildException(String message) {
        super(message);
    }

    public BaseImageBuildException(String message, Throwable cause) {
        super(message, cause);
    }
}
