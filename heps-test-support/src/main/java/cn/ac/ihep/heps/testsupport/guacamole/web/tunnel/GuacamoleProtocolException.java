package cn.ac.ihep.heps.testsupport.guacamole.web.tunnel;

/** What the server sent is not the Guacamole protocol, or exceeds a limit the client sets itself. */
public class GuacamoleProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GuacamoleProtocolException(String message) {
        super(message);
    }
}
