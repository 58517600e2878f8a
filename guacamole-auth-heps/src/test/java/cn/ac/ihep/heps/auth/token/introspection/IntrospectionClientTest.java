package cn.ac.ihep.heps.auth.token.introspection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.auth.testing.EndlessAnswer;
import cn.ac.ihep.heps.auth.token.PresentedToken;
import cn.ac.ihep.heps.auth.token.TokenRejectedException;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A token server on loopback answering what each test sets; the client under test is the real one. */
class IntrospectionClientTest {

    private HttpServer server;
    private final AtomicReference<String> answer = new AtomicReference<>();
    private final EndlessAnswer endless = new EndlessAnswer();
    private URI url;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        server.createContext("/introspect", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = answer.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/endless", endless);
        server.start();
        url = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private IntrospectionClient client(String path, Set<String> accepted) {
        return new IntrospectionClient(url.resolve(path), "guacamole", "secret", Duration.ofSeconds(5),
                Clock.systemUTC(), accepted);
    }

    private static String active(String extra) {
        return "{\"active\": true, \"sub\": \"alice\", \"exp\": " + Instant.now().plusSeconds(60).getEpochSecond()
                + extra + "}";
    }

    @Test
    void anAnswerForAnotherServiceIsRefused() throws Exception {
        Set<String> ours = Set.of("guacamole", "heps-guacamole");
        answer.set(active(", \"aud\": \"mail-service\""));
        TokenRejectedException aud = assertThrows(TokenRejectedException.class,
                () -> client("/introspect", ours).introspect(new PresentedToken("opaque-1")));
        assertTrue(aud.getMessage().contains("aud"), aud.getMessage());
        answer.set(active(", \"client_id\": \"mail-service\""));
        assertThrows(TokenRejectedException.class,
                () -> client("/introspect", ours).introspect(new PresentedToken("opaque-2")));

        answer.set(active(", \"aud\": [\"mail-service\", \"heps-guacamole\"], \"client_id\": \"guacamole\""));
        assertEquals("alice", client("/introspect", ours).introspect(new PresentedToken("opaque-3")).subject());
        answer.set(active(""));
        assertEquals("alice", client("/introspect", ours).introspect(new PresentedToken("opaque-4")).subject());
        answer.set(active(", \"aud\": \"mail-service\""));
        assertEquals("alice", client("/introspect", Set.of()).introspect(new PresentedToken("opaque-5")).subject(),
                "the check can be turned off");
    }

    @Test
    void anEndlessAnswerIsCutOffWhileItStreams() {
        TokenRejectedException large = assertThrows(TokenRejectedException.class,
                () -> client("/endless", Set.of()).introspect(new PresentedToken("opaque-6")));
        assertTrue(large.getMessage().contains("larger than"), large.getMessage());
        assertTrue(endless.written() < 8 * 1024 * 1024,
                "the client read " + endless.written() + " bytes before giving up");
    }
}
