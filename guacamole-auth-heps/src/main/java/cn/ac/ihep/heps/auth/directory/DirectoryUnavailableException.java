package cn.ac.ihep.heps.auth.directory;

/** No directory server could answer. */
public class DirectoryUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    public DirectoryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
