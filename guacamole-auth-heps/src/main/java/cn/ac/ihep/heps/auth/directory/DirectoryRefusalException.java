package cn.ac.ihep.heps.auth.directory;

/** The directory says no: unknown, ambiguous or disabled account. */
public class DirectoryRefusalException extends Exception {

    private static final long serialVersionUID = 1L;

    public DirectoryRefusalException(String reason) {
        super(reason);
    }
}
