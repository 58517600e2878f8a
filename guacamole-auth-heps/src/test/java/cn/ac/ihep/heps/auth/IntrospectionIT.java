package cn.ac.ihep.heps.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.auth.testing.BuiltExtension;
import cn.ac.ihep.heps.testsupport.guacamole.GuacamoleHarness;
import cn.ac.ihep.heps.testsupport.guacamole.TestRequest;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.guacamole.net.auth.credentials.GuacamoleInvalidCredentialsException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Opaque tokens checked by a real introspection endpoint on loopback (RFC 7662 shape), which
 * insists on the client's Basic credentials and answers per token from a table the test fills.
 */
class IntrospectionIT {

    static final String CLIENT_ID = "guacamole";
    static final String CLIENT_SECRET = "s3cret:with:colons";
    static final int TIMEOUT_MS = 1500;
    static final Map<String, String> answers = new ConcurrentHashMap<>();
    static final AtomicInteger calls = new AtomicInteger();
    static final AtomicInteger delayMs = new AtomicInteger();
    static HttpServer tokenServer;
    static GuacamoleHarness guacamole;

    @BeforeAll
    static void start() throws Exception {
        tokenServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        tokenServer.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        tokenServer.createContext("/introspect", exchange -> {
            calls.incrementAndGet();
            try {
                Thread.sleep(delayMs.get());
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            String expected = "Basic " + Base64.getEncoder().encodeToString(
                    (CLIENT_ID + ":" + CLIENT_SECRET.replace(":", "%3A")).getBytes(StandardCharsets.UTF_8));
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int status;
            String answer;
            if (!"POST".equals(exchange.getRequestMethod()) || !expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                status = 401;
                answer = "{\"error\":\"invalid_client\"}";
            }
            else {
                String token = URLDecoder.decode(body.substring(body.indexOf("token=") + 6), StandardCharsets.UTF_8);
                status = 200;
                answer = answers.getOrDefault(token, "{\"active\":false}");
            }
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        tokenServer.start();
        guacamole = start(url(), CLIENT_SECRET);
    }

    @AfterAll
    static void stop() {
        guacamole.close();
        tokenServer.stop(0);
    }

    @BeforeEach
    void reset() {
        delayMs.set(0);
    }

    static String activeFor(String user, long expiresIn) {
        return "{\"active\":true,\"sub\":\"" + user + "\",\"exp\":" + (Instant.now().getEpochSecond() + expiresIn)
                + ",\"groups\":[\"exp-7\"],\"name\":\"Alice Zhang\"}";
    }

    static void refused(String token) {
        var failure = assertThrows(GuacamoleInvalidCredentialsException.class,
                () -> guacamole.login(TestRequest.withParameter("heps_token", token)));
        assertEquals("Invalid login.", failure.getMessage());
    }

    @Test
    void activeTokenSignsInOnceAndIsNotAskedAboutAgain() throws Exception {
        answers.put("opaque-1", activeFor("alice", 60));
        var login = guacamole.login(TestRequest.withParameter("heps_token", "opaque-1"));
        assertEquals("alice", login.user().getIdentifier());
        assertEquals(Set.of("exp-7"), login.user().getEffectiveUserGroups());
        int before = calls.get();
        refused("opaque-1");
        assertEquals(before, calls.get(), "the cached answer decided the replay");
    }

    @Test
    void usernameFieldIsAcceptedInPlaceOfSub() throws Exception {
        answers.put("opaque-username", "{\"active\":true,\"username\":\"bob\",\"exp\":" + (Instant.now().getEpochSecond() + 60) + "}");
        assertEquals("bob", guacamole.login(TestRequest.withParameter("heps_token", "opaque-username")).user().getIdentifier());
    }

    @Test
    void inactiveUnknownAndIncompleteAnswersAreRefused() {
        answers.put("opaque-inactive", "{\"active\":false,\"sub\":\"alice\",\"exp\":" + (Instant.now().getEpochSecond() + 60) + "}");
        answers.put("opaque-no-user", "{\"active\":true,\"exp\":" + (Instant.now().getEpochSecond() + 60) + "}");
        answers.put("opaque-no-exp", "{\"active\":true,\"sub\":\"alice\"}");
        answers.put("opaque-no-active", "{\"sub\":\"alice\",\"exp\":" + (Instant.now().getEpochSecond() + 60) + "}");
        answers.put("opaque-active-string", "{\"active\":\"true\",\"sub\":\"alice\",\"exp\":" + (Instant.now().getEpochSecond() + 60) + "}");
        answers.put("opaque-expired", activeFor("alice", -5));
        answers.put("opaque-not-json", "<html>");
        for (String token : new String[] { "opaque-inactive", "opaque-no-user", "opaque-no-exp", "opaque-no-active",
                "opaque-active-string", "opaque-expired", "opaque-not-json", "opaque-never-issued" })
            refused(token);
    }

    @Test
    void slowTokenServerMeansRefusalWithinTheTimeout() {
        answers.put("opaque-slow", activeFor("alice", 60));
        delayMs.set(5000);
        long start = System.nanoTime();
        refused("opaque-slow");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(took.toMillis() < TIMEOUT_MS + 1000, "refused after " + took.toMillis() + " ms");
        assertTrue(took.toMillis() >= TIMEOUT_MS - 50, "waited for the timeout: " + took.toMillis() + " ms");
    }

    @Test
    void tokenServerDownMeansPromptRefusal() throws Exception {
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = socket.getLocalPort();
        }
        guacamole.close();
        try (GuacamoleHarness down = start("http://127.0.0.1:" + deadPort + "/introspect", CLIENT_SECRET)) {
            long begin = System.nanoTime();
            var failure = assertThrows(GuacamoleInvalidCredentialsException.class,
                    () -> down.login(TestRequest.withParameter("heps_token", "opaque-down")));
            assertEquals("Invalid login.", failure.getMessage());
            assertTrue(Duration.ofNanos(System.nanoTime() - begin).toMillis() < TIMEOUT_MS + 1000);
        }
        finally {
            guacamole = start(url(), CLIENT_SECRET);
        }
    }

    @Test
    void wrongClientCredentialsAreRefusedByTheServerAndSoIsTheToken() throws Exception {
        answers.put("opaque-wrong-client", activeFor("alice", 60));
        guacamole.close();
        try (GuacamoleHarness wrong = start(url(), "wrong")) {
            assertThrows(GuacamoleInvalidCredentialsException.class,
                    () -> wrong.login(TestRequest.withParameter("heps_token", "opaque-wrong-client")));
        }
        finally {
            guacamole = start(url(), CLIENT_SECRET);
        }
    }

    private static String url() {
        return "http://127.0.0.1:" + tokenServer.getAddress().getPort() + "/introspect";
    }

    private static GuacamoleHarness start(String url, String secret) throws IOException, org.apache.guacamole.GuacamoleException {
        return GuacamoleHarness.builder()
                .properties(Map.of(
                        "heps-introspection-url", url,
                        "heps-introspection-client-id", CLIENT_ID,
                        "heps-introspection-client-secret", secret,
                        "heps-introspection-timeout", String.valueOf(TIMEOUT_MS),
                        "heps-jwt-trust-groups", "true"))
                .extension(BuiltExtension.jar())
                .start();
    }
}
