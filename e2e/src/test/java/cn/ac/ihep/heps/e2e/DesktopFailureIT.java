package cn.ac.ihep.heps.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.testsupport.guacamole.web.AuthenticatedSession;
import cn.ac.ihep.heps.testsupport.guacamole.web.StockGuacamole;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.FrameWait;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelClient;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelOptions;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelParameters;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelSession;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a user sees when the desktop refuses guacd's VNC password, or guacd is down: a clear
 * error, soon, and never a hang. Neither can be caused from outside through our extensions (the
 * password is derived on both sides from the site secret; the stack's guacd is shared), so each
 * case runs a second, stock Guacamole 1.6.0 ({@link StockGuacamole}) whose user-mapping connection
 * points at the test's Linux desktop with a wrong password, or whose guacd port has nothing behind it.
 */
@ExtendWith(E2eEnvironment.Extension.class)
class DesktopFailureIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aWrongVncPasswordEndsWithAnErrorInstruction(E2eEnvironment env, TestReporter report) {
        StockGuacamole.Prerequisites prerequisites = StockGuacamole.prerequisites();
        Assumptions.assumeTrue(prerequisites.present(), prerequisites::missing);
        try (StockGuacamole stock = StockGuacamole.builder()
                .connection("desktop", "vnc", Map.of("hostname", env.linux.address(), "port", "5900",
                        "password", "not-the-password"))
                .start(prerequisites)) {
            long start = System.nanoTime();
            FrameWait outcome = openDesktop(stock);
            FrameWait.Ended ended = assertInstanceOf(FrameWait.Ended.class, outcome, outcome::toString);
            Measurements.record(report, "wrong VNC password", ended.status() + " after "
                    + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms");
            assertEquals("ERROR_INSTRUCTION", ended.status().origin().name(), ended.status()::toString);
            assertFalse(ended.status().isSuccess());
            assertFalse(ended.status().message().isBlank());
        }
    }

    @Test
    void guacdDownEndsTheTunnelAtOnce(E2eEnvironment env, TestReporter report) throws IOException {
        StockGuacamole.Prerequisites prerequisites = StockGuacamole.prerequisites();
        Assumptions.assumeTrue(prerequisites.present(), prerequisites::missing);
        int deadPort;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = free.getLocalPort();
        }
        try (StockGuacamole stock = StockGuacamole.builder()
                .guacd("127.0.0.1", deadPort)
                .connection("desktop", "vnc", Map.of("hostname", env.linux.address(), "port", "5900"))
                .start(prerequisites)) {
            long start = System.nanoTime();
            FrameWait outcome = openDesktop(stock);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            FrameWait.Ended ended = assertInstanceOf(FrameWait.Ended.class, outcome, outcome::toString);
            Measurements.record(report, "guacd down", ended.status() + " after " + took.toMillis() + " ms");
            assertFalse(ended.status().isSuccess());
            assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0, "took " + took);
        }
    }

    private static FrameWait openDesktop(StockGuacamole stock) {
        AuthenticatedSession session = stock.web().createToken(Map.of("username", "stock", "password", "stock")).orThrow();
        TunnelClient tunnel = new TunnelClient(stock.url(), TunnelOptions.defaults());
        try (TunnelSession desktop = tunnel.open(session.authToken(),
                TunnelParameters.connection(session.dataSource(), "desktop"))) {
            FrameWait outcome = desktop.awaitFirstFrame(WAIT);
            assertEquals(0, desktop.frames().count());
            return outcome;
        }
    }
}
