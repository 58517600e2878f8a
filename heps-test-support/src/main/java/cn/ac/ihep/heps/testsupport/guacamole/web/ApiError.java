package cn.ac.ihep.heps.testsupport.guacamole.web;

/**
 * Guacamole's JSON error ({@code org.apache.guacamole.rest.APIError}): its type
 * ({@code INVALID_CREDENTIALS}, {@code INSUFFICIENT_CREDENTIALS}, {@code PERMISSION_DENIED},
 * {@code NOT_FOUND}, {@code BAD_REQUEST}, {@code INTERNAL_ERROR}, ...) and message. A body that
 * is not Guacamole's JSON (a servlet container's error page) has type {@value #NOT_GUACAMOLE}
 * and the start of the body as message.
 */
public record ApiError(String type, String message) {

    public static final String NOT_GUACAMOLE = "NOT_GUACAMOLE_JSON";

    @Override
    public String toString() {
        return type + ": " + message;
    }
}
