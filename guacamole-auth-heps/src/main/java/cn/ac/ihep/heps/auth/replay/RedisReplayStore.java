package cn.ac.ihep.heps.auth.replay;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.params.SetParams;

/**
 * Token ids shared by every Guacamole node ({@code heps-replay-store=redis}): one atomic
 * {@code SET key 1 NX PXAT <forget-after>} per token, so two nodes racing on the same token
 * cannot both win.
 */
public final class RedisReplayStore implements ReplayStore {

    private final JedisPooled redis;
    private final String keyPrefix;
    private final Clock clock;

    public RedisReplayStore(URI uri, String keyPrefix, Duration timeout, Clock clock) {
        this(uri, keyPrefix, timeout, clock, null);
    }

    /**
     * With {@code rediss://} the server's certificate must name the URI's host (Jedis checks
     * nothing beyond the chain unless told): {@code tls} gives the trust, null for the JVM's.
     */
    RedisReplayStore(URI uri, String keyPrefix, Duration timeout, Clock clock, SSLSocketFactory tls) {
        boolean ssl = "rediss".equals(uri.getScheme());
        SSLParameters checkHost = new SSLParameters();
        checkHost.setEndpointIdentificationAlgorithm("HTTPS");
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) timeout.toMillis())
                .socketTimeoutMillis((int) timeout.toMillis())
                .ssl(ssl)
                .sslParameters(ssl ? checkHost : null)
                .user(user(uri))
                .password(password(uri))
                .database(database(uri));
        if (ssl && tls != null)
            config.sslSocketFactory(tls);
        this.redis = new JedisPooled(new HostAndPort(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 6379),
                config.build());
        this.keyPrefix = keyPrefix;
        this.clock = clock;
    }

    private static String user(URI uri) {
        String info = uri.getUserInfo();
        if (info == null || !info.contains(":"))
            return null;
        String user = info.substring(0, info.indexOf(':'));
        return user.isEmpty() ? null : user;
    }

    private static String password(URI uri) {
        String info = uri.getUserInfo();
        if (info == null)
            return null;
        return info.contains(":") ? info.substring(info.indexOf(':') + 1) : info;
    }

    private static int database(URI uri) {
        String path = uri.getPath();
        if (path == null || path.length() <= 1)
            return 0;
        return Integer.parseInt(path.substring(1));
    }

    @Override
    public boolean firstUse(String tokenId, Instant forgetAfter) throws ReplayStoreUnavailableException {
        // Keep the key at least a second so a token expiring "now" still cannot be replayed.
        long until = Math.max(forgetAfter.toEpochMilli(), clock.millis() + 1000);
        try {
            return "OK".equals(redis.set(keyPrefix + tokenId, "1", SetParams.setParams().nx().pxAt(until)));
        }
        catch (RuntimeException e) {
            throw new ReplayStoreUnavailableException("Redis replay store unavailable: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        redis.close();
    }
}
