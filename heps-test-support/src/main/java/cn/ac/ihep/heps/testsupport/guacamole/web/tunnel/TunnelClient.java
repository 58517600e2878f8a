package cn.ac.ihep.heps.testsupport.guacamole.web.tunnel;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens connections through a Guacamole web application's WebSocket tunnel
 * ({@code <base>websocket-tunnel}, subprotocol {@code guacamole}).
 */
public final class TunnelClient {

    private final URI tunnelUri;
    private final TunnelOptions options;
    private final HttpClient http;

    /** @param guacamoleBase the web application, e.g. {@code http://127.0.0.1:8080/guacamole/} */
    public TunnelClient(URI guacamoleBase, TunnelOptions options) {
        String base = guacamoleBase.toString();
        if (!base.endsWith("/")) {
            base += "/";
        }
        this.tunnelUri = URI.create(base.replaceFirst("^http", "ws") + "websocket-tunnel");
        this.options = options;
        this.http = HttpClient.newBuilder().connectTimeout(options.connectTimeout()).build();
    }

    public URI tunnelUri() {
        return tunnelUri;
    }

    public TunnelOptions options() {
        return options;
    }

    /** Opens one connection; see {@link TunnelSession#open}. */
    public TunnelSession open(String authToken, TunnelParameters parameters) {
        return TunnelSession.open(http, URI.create(tunnelUri + "?" + parameters.query(authToken)), options);
    }

    /** The last attempt, and why each earlier one ended. */
    public record Attempts(TunnelSession session, FrameWait outcome, List<TunnelStatus> failed) {
    }

    /**
     * Connects until a frame arrives, as a user in front of Guacamole's front end would see it:
     * each attempt waits up to {@code frameTimeout} for its first frame; an attempt that ends
     * with a status the front end retries is followed by another after the policy's delay;
     * anything else, or the policy's deadline, ends the attempts. The caller closes the session.
     */
    public Attempts openUntilFrame(String authToken, TunnelParameters parameters, RetryPolicy policy,
            Duration frameTimeout) {
        long deadline = System.nanoTime() + policy.deadline().toNanos();
        List<TunnelStatus> failed = new ArrayList<>();
        while (true) {
            TunnelSession session = open(authToken, parameters);
            FrameWait outcome = session.awaitFirstFrame(frameTimeout);
            boolean retry = outcome instanceof FrameWait.Ended ended && RetryPolicy.retries(ended.status())
                    && deadline - System.nanoTime() > policy.delay().toNanos();
            if (!retry) {
                return new Attempts(session, outcome, List.copyOf(failed));
            }
            failed.add(((FrameWait.Ended) outcome).status());
            session.close();
            try {
                Thread.sleep(policy.delay().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Attempts(session, outcome, List.copyOf(failed));
            }
        }
    }
}
