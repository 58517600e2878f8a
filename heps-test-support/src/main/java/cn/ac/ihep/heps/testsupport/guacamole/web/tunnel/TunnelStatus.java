package cn.ac.ihep.heps.testsupport.guacamole.web.tunnel;

import java.util.Locale;
import org.apache.guacamole.protocol.GuacamoleStatus;

/**
 * Why a tunnel ended: a Guacamole status code (0x0000 success, 0x0208 upstream unavailable,
 * 0x0301 unauthorized, ...) with its message, and where it came from.
 */
public record TunnelStatus(int code, String message, Origin origin) {

    public enum Origin {
        /** guacd or the web application sent an {@code error} instruction. */
        ERROR_INSTRUCTION,
        /** guacd sent {@code disconnect}. */
        DISCONNECT_INSTRUCTION,
        /** The web application closed the WebSocket; its close reason is the status code. */
        CLOSE,
        /** The WebSocket upgrade failed (an HTTP error, or nothing answered). */
        HANDSHAKE,
        /** This client ended it: nothing received for too long, or the server broke the protocol. */
        CLIENT,
        /** Closed on purpose by the caller. */
        LOCAL
    }

    public boolean isSuccess() {
        return code == GuacamoleStatus.SUCCESS.getGuacamoleStatusCode();
    }

    public boolean is(GuacamoleStatus status) {
        return code == status.getGuacamoleStatusCode();
    }

    /** The name of the status code, e.g. UPSTREAM_UNAVAILABLE, or its hex value when unknown. */
    public String codeName() {
        GuacamoleStatus status = GuacamoleStatus.fromGuacamoleStatusCode(code);
        return status != null ? status.name() : String.format(Locale.ROOT, "0x%04X", code);
    }

    /** The status Guacamole's front end derives from an HTTP status ({@code Status.Code.fromHTTPCode}). */
    static int fromHttpStatus(int httpStatus) {
        GuacamoleStatus status = switch (httpStatus) {
            case 400 -> GuacamoleStatus.CLIENT_BAD_REQUEST;
            case 403 -> GuacamoleStatus.CLIENT_FORBIDDEN;
            case 404 -> GuacamoleStatus.RESOURCE_NOT_FOUND;
            case 429 -> GuacamoleStatus.CLIENT_TOO_MANY;
            case 503 -> GuacamoleStatus.SERVER_BUSY;
            default -> GuacamoleStatus.SERVER_ERROR;
        };
        return status.getGuacamoleStatusCode();
    }

    /** The status the front end derives from a WebSocket close code ({@code Status.Code.fromWebSocketCode}). */
    static int fromWebSocketCode(int closeCode) {
        GuacamoleStatus status = switch (closeCode) {
            case 1000 -> GuacamoleStatus.SUCCESS;
            case 1006, 1015 -> GuacamoleStatus.UPSTREAM_NOT_FOUND;
            case 1001, 1012, 1013, 1014 -> GuacamoleStatus.UPSTREAM_UNAVAILABLE;
            default -> GuacamoleStatus.SERVER_ERROR;
        };
        return status.getGuacamoleStatusCode();
    }

    @Override
    public String toString() {
        return codeName() + " (" + String.format(Locale.ROOT, "0x%04X", code) + ") from "
                + origin.name().toLowerCase(Locale.ROOT).replace('_', ' ') + ": " + message;
    }
}
