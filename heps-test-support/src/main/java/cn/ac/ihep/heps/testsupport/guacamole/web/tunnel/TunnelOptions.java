package cn.ac.ihep.heps.testsupport.guacamole.web.tunnel;

import cn.ac.ihep.heps.testsupport.guacamole.web.display.DisplayOptions;
import java.time.Duration;

/**
 * Timers and limits of a tunnel. The defaults are Guacamole's JavaScript client's: a {@code nop}
 * keep-alive every 5 s ({@code Client.js}), an internal ping every 500 ms and a server timeout
 * after 15 s without a message ({@code Tunnel.js}); plus a bound on opening the WebSocket.
 */
public record TunnelOptions(Duration connectTimeout, Duration receiveTimeout, Duration keepAliveInterval,
        Duration pingInterval, DisplayOptions display) {

    public static TunnelOptions defaults() {
        return new TunnelOptions(Duration.ofSeconds(10), Duration.ofSeconds(15), Duration.ofSeconds(5),
                Duration.ofMillis(500), DisplayOptions.defaults());
    }

    public TunnelOptions withDisplay(DisplayOptions newDisplay) {
        return new TunnelOptions(connectTimeout, receiveTimeout, keepAliveInterval, pingInterval, newDisplay);
    }

    public TunnelOptions withReceiveTimeout(Duration timeout) {
        return new TunnelOptions(connectTimeout, timeout, keepAliveInterval, pingInterval, display);
    }

    public TunnelOptions withConnectTimeout(Duration timeout) {
        return new TunnelOptions(timeout, receiveTimeout, keepAliveInterval, pingInterval, display);
    }
}
