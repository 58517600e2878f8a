package cn.ac.ihep.heps.common.cloud.openstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One token for all threads, renewed before it expires: a loopback Keystone stand-in counts the
 * authentications, and its catalog's Glance answers with an empty image list.
 */
class SharedTokenTest {

    private static final Duration TOKEN_LIFETIME = Duration.ofMinutes(60);

    private final AtomicInteger authentications = new AtomicInteger();
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2030-01-01T00:00:00Z"));
    private volatile String revokedToken = "none";
    private HttpServer server;
    private String base;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(Executors.newFixedThreadPool(4));
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/v3/auth/tokens", this::issueToken);
        server.createContext("/image/v2/images", exchange -> {
            boolean revoked = revokedToken.equals(exchange.getRequestHeaders().getFirst("X-Auth-Token"));
            StandInResponses.respond(exchange, revoked ? 401 : 200, "X-Subject-Token", null, revoked ? "{}" : "{\"images\": []}");
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void threadsShareOneTokenAndItIsRenewedBeforeItExpires() throws Exception {
        Clock clock = new Clock() {
            @Override
            public Instant instant() {
                return now.get();
            }

            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }
        };
        OpenStackCredentials credentials = new OpenStackCredentials(base + "/v3", "heps-agent", "secret", "heps", null,
                null, null);
        OpenStackCloudProvider provider = new OpenStackCloudProvider(OpenStackSettings.defaults(credentials), clock);

        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                calls.add(() -> provider.listImages(Map.of()).size());
            }
            for (Future<Integer> result : pool.invokeAll(calls)) {
                assertEquals(0, result.get());
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(1, authentications.get(), "16 calls on 8 threads, one authentication");

        now.set(now.get().plus(Duration.ofMinutes(50)));
        provider.listImages(Map.of());
        assertEquals(1, authentications.get(), "still valid for longer than the renewal margin");

        now.set(now.get().plus(Duration.ofMinutes(6)));
        provider.listImages(Map.of());
        assertEquals(2, authentications.get(), "renewed within the 5 minute margin before expiry");

        revokedToken = "token-2";
        assertEquals(0, provider.listImages(Map.of()).size(), "a revoked token is replaced and the call retried");
        assertEquals(3, authentications.get());
    }

    private void issueToken(HttpExchange exchange) throws IOException {
        String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(request.contains("\"secret\"") && request.contains("heps-agent"), request);
        int n = authentications.incrementAndGet();
        Instant issued = now.get();
        String body = StandInResponses.token(issued, issued.plus(TOKEN_LIFETIME), "heps-agent", "member", "image", "glance", base + "/image");
        StandInResponses.respond(exchange, 201, "X-Subject-Token", "token-" + n, body);
    }

}
