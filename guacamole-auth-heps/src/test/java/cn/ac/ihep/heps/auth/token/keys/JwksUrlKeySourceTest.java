package cn.ac.ihep.heps.auth.token.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.auth.testing.EndlessAnswer;
import cn.ac.ihep.heps.auth.testing.SigningKey;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real JWKS endpoint on loopback, counting fetches; time moves by a clock the test holds. */
class JwksUrlKeySourceTest {

    static final SigningKey FIRST = SigningKey.es256("k1");
    static final SigningKey SECOND = SigningKey.es256("k2");

    HttpServer server;
    final AtomicInteger fetches = new AtomicInteger();
    final AtomicReference<String> published = new AtomicReference<>(SigningKey.jwks(List.of(FIRST)));
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-25T10:00:00Z"));
    final EndlessAnswer endless = new EndlessAnswer();
    JwksUrlKeySource source;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        server.createContext("/jwks", exchange -> {
            fetches.incrementAndGet();
            byte[] body = published.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/endless", endless);
        server.start();
        source = source("/jwks");
    }

    private JwksUrlKeySource source(String path) {
        Clock clock = new Clock() {
            @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId zone) { return this; }
            @Override public Instant instant() { return now.get(); }
        };
        return new JwksUrlKeySource(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path),
                Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(2), clock);
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    void advance(Duration by) {
        now.set(now.get().plus(by));
    }

    @Test
    void knownKidIsServedFromTheCache() {
        assertTrue(source.find("k1").isPresent());
        for (int i = 0; i < 100; i++)
            assertTrue(source.find("k1").isPresent());
        assertEquals(1, fetches.get());
    }

    @Test
    void unknownKidsTriggerOneRateLimitedRefresh() {
        assertTrue(source.find("k1").isPresent());
        assertTrue(source.find("made-up").isEmpty());
        assertEquals(1, fetches.get(), "no refresh right after a fetch");
        advance(Duration.ofSeconds(31));
        for (int i = 0; i < 50; i++)
            assertTrue(source.find("made-up-" + i).isEmpty());
        assertEquals(2, fetches.get(), "one refresh for the first unknown kid, then none within the interval");

        // The server starts publishing k2; once the interval has passed, one refresh finds it.
        published.set(SigningKey.jwks(List.of(FIRST, SECOND)));
        assertTrue(source.find("k2").isEmpty(), "still inside the refresh interval");
        advance(Duration.ofSeconds(31));
        assertTrue(source.find("k2").isPresent());
        assertEquals(3, fetches.get());
    }

    @Test
    void cacheExpiresAfterItsLifetime() {
        assertTrue(source.find("k1").isPresent());
        published.set(SigningKey.jwks(List.of(SECOND)));
        advance(Duration.ofMinutes(6));
        assertTrue(source.find("k1").isEmpty(), "a retired key disappears once the cache expires");
        assertEquals(2, fetches.get());
    }

    @Test
    void cacheHoldsAtMostTheBoundedNumberOfKeys() {
        List<SigningKey> many = new ArrayList<>();
        for (int i = 0; i < JwksUrlKeySource.MAXIMUM_KEYS + 20; i++)
            many.add(SigningKey.es256("bulk-" + i));
        published.set(SigningKey.jwks(many));
        assertTrue(source.find("bulk-0").isPresent());
        assertTrue(source.find("bulk-" + (JwksUrlKeySource.MAXIMUM_KEYS + 10)).isEmpty());
    }

    @Test
    void serverDownKeepsTheCachedKeys() {
        assertTrue(source.find("k1").isPresent());
        server.stop(0);
        advance(Duration.ofMinutes(6));
        assertTrue(source.find("k1").isPresent());
    }

    @Test
    void anEndlessKeySetIsCutOffWhileItStreamsAndFindsNoKey() {
        JwksUrlKeySource fromEndless = source("/endless");
        long started = System.nanoTime();
        assertTrue(fromEndless.find("k1").isEmpty());
        assertTrue(endless.written() < 8 * 1024 * 1024,
                "the source read " + endless.written() + " bytes before giving up");
        assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(10)) < 0,
                "a sign-in never waits long on a broken key server");
    }
}
