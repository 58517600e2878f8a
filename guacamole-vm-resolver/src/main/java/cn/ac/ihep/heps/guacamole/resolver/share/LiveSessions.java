package cn.ac.ihep.heps.guacamole.resolver.share;

import cn.ac.ihep.heps.common.log.LogSafe;
import cn.ac.ihep.heps.guacamole.resolver.index.Desktop;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.GuacamoleResourceNotFoundException;
import org.apache.guacamole.GuacamoleServerException;
import org.apache.guacamole.net.DelegatingGuacamoleTunnel;
import org.apache.guacamole.net.GuacamoleTunnel;
import org.apache.guacamole.protocol.ConfiguredGuacamoleSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The desktop connections open through this Guacamole node, and the share keys issued for
 * them. A key is 256 random bits, lives exactly as long as the session it shares (guacd ends
 * every joined user when the owner leaves, and the key is forgotten then), and names one
 * mode. Sessions live in this node's memory: a share link must reach the node that holds the
 * session, as guacd's connection does.
 */
@Singleton
public class LiveSessions {

    private static final Logger logger = LoggerFactory.getLogger(LiveSessions.class);

    /** What a share key looks like: 32 bytes, URL-safe Base64 without padding. */
    private static final Pattern KEY_SHAPE = Pattern.compile("[A-Za-z0-9_-]{43}");

    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, LiveSession> sessionsByTunnel = new ConcurrentHashMap<>();
    private final Map<String, ShareGrant> grantsByKey = new ConcurrentHashMap<>();

    @Inject
    public LiveSessions(Clock clock) {
        this.clock = clock;
    }

    /**
     * Records a tunnel just opened to a desktop and returns it wrapped, so that closing it
     * ends the session and every key issued for it.
     */
    public GuacamoleTunnel track(GuacamoleTunnel tunnel, Desktop desktop, String username, String remoteHost)
            throws GuacamoleException {
        if (!(tunnel.getSocket() instanceof ConfiguredGuacamoleSocket configured)) {
            throw new GuacamoleServerException("The desktop tunnel has no guacd connection id to share");
        }
        String tunnelId = tunnel.getUUID().toString();
        LiveSession session = new LiveSession(tunnelId, username, desktop, configured.getConnectionID(), tunnel,
                clock.instant(), remoteHost);
        sessionsByTunnel.put(tunnelId, session);
        return new DelegatingGuacamoleTunnel(tunnel) {
            @Override
            public void close() throws GuacamoleException {
                try {
                    super.close();
                } finally {
                    end(tunnelId);
                }
            }
        };
    }

    /** The sessions a user opened, newest first. */
    public List<LiveSession> openedBy(String username) {
        return sessionsByTunnel.values().stream().filter(s -> s.username().equals(username))
                .sorted((a, b) -> b.startedAt().compareTo(a.startedAt())).toList();
    }

    /** The newest session open on this node to the desktop, whoever opened it. */
    public Optional<LiveSession> newestOn(String desktopId) {
        return sessionsByTunnel.values().stream().filter(s -> s.desktop().id().equals(desktopId))
                .max(java.util.Comparator.comparing(LiveSession::startedAt));
    }

    /** Whether the session is still open. */
    public boolean isLive(String tunnelId) {
        return sessionsByTunnel.containsKey(tunnelId);
    }

    /** The key for sharing this session in this mode; asking twice gives the same key. */
    public String issueKey(LiveSession session, ShareMode mode) throws GuacamoleException {
        if (!isLive(session.tunnelId())) {
            throw new GuacamoleResourceNotFoundException("The desktop session has ended and can no longer be shared");
        }
        for (Map.Entry<String, ShareGrant> entry : grantsByKey.entrySet()) {
            ShareGrant grant = entry.getValue();
            if (grant.session().tunnelId().equals(session.tunnelId()) && grant.mode() == mode) {
                return entry.getKey();
            }
        }
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String key = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        grantsByKey.put(key, new ShareGrant(session, mode));
        // A session that ended while the key was made must not leave the key behind.
        if (!isLive(session.tunnelId())) {
            grantsByKey.remove(key);
            throw new GuacamoleResourceNotFoundException("The desktop session has ended and can no longer be shared");
        }
        logger.info("{} shared desktop {} ({}) with a {} link", LogSafe.text(session.username()), session.desktop().id(),
                LogSafe.text(session.desktop().name()), mode.profileName().toLowerCase(java.util.Locale.ROOT));
        return key;
    }

    /** What a presented key opens, while its session lasts. Malformed and unknown keys open nothing. */
    public Optional<ShareGrant> redeem(String key) {
        if (key == null || !KEY_SHAPE.matcher(key).matches()) {
            return Optional.empty();
        }
        ShareGrant grant = grantsByKey.get(key);
        if (grant == null || !isLive(grant.session().tunnelId())) {
            return Optional.empty();
        }
        return Optional.of(grant);
    }

    /** Ends a session: it can no longer be found, and its keys open nothing. */
    public void end(String tunnelId) {
        if (sessionsByTunnel.remove(tunnelId) != null) {
            grantsByKey.values().removeIf(grant -> grant.session().tunnelId().equals(tunnelId));
        }
    }
}
