package cn.ac.ihep.heps.auth.token.keys;

import cn.ac.ihep.heps.auth.LogSafe;
import cn.ac.ihep.heps.auth.token.BoundedBody;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys fetched from {@code heps-jwt-jwks-url}. The key set is cached for a bounded time and at
 * most {@value #MAXIMUM_KEYS} keys; a {@code kid} not in the cache triggers one refresh, and
 * refreshes are at least the minimum interval apart, so a stream of tokens with made-up key ids
 * cannot make us hammer the token server.
 */
public final class JwksUrlKeySource implements KeySource {

    private static final Logger logger = LoggerFactory.getLogger(JwksUrlKeySource.class);
    static final int MAXIMUM_KEYS = 100;
    private static final int MAXIMUM_DOCUMENT_BYTES = 256 * 1024;

    private record Cached(Instant fetchedAt, Map<String, PublicKey> keys) { }

    private final URI url;
    private final Duration cacheLifetime;
    private final Duration minimumRefreshInterval;
    private final Duration timeout;
    private final Clock clock;
    private final HttpClient http;

    private volatile Cached cached = new Cached(Instant.MIN, Map.of());
    private volatile Instant lastAttempt = Instant.MIN;

    public JwksUrlKeySource(URI url, Duration cacheLifetime, Duration minimumRefreshInterval,
            Duration timeout, Clock clock) {
        this.url = url;
        this.cacheLifetime = cacheLifetime;
        this.minimumRefreshInterval = minimumRefreshInterval;
        this.timeout = timeout;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public Optional<PublicKey> find(String keyId) {
        Cached current = cached;
        Instant now = clock.instant();
        boolean expired = current.fetchedAt().plus(cacheLifetime).isBefore(now);
        PublicKey key = expired ? null : current.keys().get(keyId);
        if (key != null)
            return Optional.of(key);
        refresh(now, expired ? "cache expired" : "unknown kid");
        return Optional.ofNullable(cached.keys().get(keyId));
    }

    private synchronized void refresh(Instant now, String why) {
        if (lastAttempt.plus(minimumRefreshInterval).isAfter(now))
            return;
        lastAttempt = now;
        try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(url).timeout(timeout)
                    .header("Accept", "application/json").GET().build(), BoundedBody.upTo(MAXIMUM_DOCUMENT_BYTES));
            if (response.statusCode() != 200)
                throw new IOException("HTTP " + response.statusCode());
            Map<String, PublicKey> keys = JwksDocument.parse(new String(response.body(), StandardCharsets.UTF_8),
                    "JWKS " + url, MAXIMUM_KEYS);
            cached = new Cached(now, keys);
            logger.info("Fetched {} key(s) from {} ({}): {}", keys.size(), url, why, LogSafe.text(String.valueOf(keys.keySet())));
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        catch (IOException | RuntimeException e) {
            logger.warn("Fetching keys from {} failed ({}); keeping {} cached key(s).", url, LogSafe.text(e.getMessage()),
                    cached.keys().size());
            logger.debug("JWKS fetch failed.", e);
        }
    }
}
