package cn.ac.ihep.heps.testsupport.guacamole.web.tunnel;

import java.time.Duration;
import java.util.Set;

/**
 * When and how often a connection is tried again, as Guacamole's front end does it
 * ({@code guacClientNotification.js} in 1.6.0): after an {@code error} instruction with one of
 * {@link #CLIENT_AUTO_RECONNECT}, or a tunnel that closed with one of
 * {@link #TUNNEL_AUTO_RECONNECT}, it counts down 15 seconds and connects again with the same
 * session; any other status is final. A desktop that is being started answers
 * UPSTREAM_UNAVAILABLE (0x0208) or UPSTREAM_NOT_FOUND (0x0207) until its port opens (CONTRACTS §3).
 *
 * @param delay the countdown between attempts (the front end's is 15 s)
 * @param deadline how long to keep trying, in all
 */
public record RetryPolicy(Duration delay, Duration deadline) {

    public static final Duration FRONT_END_DELAY = Duration.ofSeconds(15);

    /** Status codes of an {@code error} instruction that the front end retries. */
    public static final Set<Integer> CLIENT_AUTO_RECONNECT = Set.of(0x0200, 0x0202, 0x0203, 0x0207, 0x0208, 0x0301, 0x0308);

    /** Status codes of a closed tunnel that the front end retries. */
    public static final Set<Integer> TUNNEL_AUTO_RECONNECT = Set.of(0x0200, 0x0202, 0x0203, 0x0207, 0x0208, 0x0308);

    /** The front end's countdown, trying for at most {@code deadline}. */
    public static RetryPolicy frontEnd(Duration deadline) {
        return new RetryPolicy(FRONT_END_DELAY, deadline);
    }

    /** Whether the front end would connect again after a tunnel ended with this status. */
    public static boolean retries(TunnelStatus status) {
        return switch (status.origin()) {
            case ERROR_INSTRUCTION -> CLIENT_AUTO_RECONNECT.contains(status.code());
            case CLOSE, HANDSHAKE, CLIENT -> TUNNEL_AUTO_RECONNECT.contains(status.code());
            case DISCONNECT_INSTRUCTION, LOCAL -> false;
        };
    }
}
