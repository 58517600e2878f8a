package cn.ac.ihep.heps.guacamole.resolver.share;

import cn.ac.ihep.heps.common.log.LogSafe;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.net.auth.AuthenticatedUser;
import org.apache.guacamole.net.auth.AuthenticationProvider;
import org.apache.guacamole.net.auth.Credentials;
import org.apache.guacamole.net.auth.credentials.CredentialsInfo;
import org.apache.guacamole.net.auth.credentials.GuacamoleInvalidCredentialsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs in whoever opens a share link ({@code ?heps_share=<key>}): the key is all they need,
 * for as long as the shared session lasts. A request without the parameter is none of this
 * class's business; a key that opens nothing is refused like a wrong password (Guacamole's
 * ban extension counts it), and the log shows a hash of it, never the key.
 */
@Singleton
public class ShareLinkAuthenticator {

    private static final Logger logger = LoggerFactory.getLogger(ShareLinkAuthenticator.class);

    private final AuthenticationProvider authProvider;
    private final LiveSessions sessions;

    @Inject
    public ShareLinkAuthenticator(AuthenticationProvider authProvider, LiveSessions sessions) {
        this.authProvider = authProvider;
        this.sessions = sessions;
    }

    /** The share link's user, or empty when the request carries no share key. */
    public Optional<AuthenticatedUser> authenticate(Credentials credentials) throws GuacamoleException {
        String key = credentials.getParameter(DesktopActiveConnection.SHARE_PARAMETER);
        if (key == null) {
            return Optional.empty();
        }
        Optional<ShareGrant> grant = sessions.redeem(key);
        if (grant.isEmpty()) {
            logger.warn("Refused a share link (key sha256 {}) from {}: it opens no live session",
                    fingerprint(key), credentials.getRemoteAddress());
            throw new GuacamoleInvalidCredentialsException("This share link has ended or is not valid.",
                    CredentialsInfo.USERNAME_PASSWORD);
        }
        LiveSession session = grant.get().session();
        logger.info("Share link opened from {}: {} of desktop {} ({}), shared by {}",
                LogSafe.text(credentials.getRemoteAddress()),
                grant.get().mode().profileName().toLowerCase(java.util.Locale.ROOT), session.desktop().id(),
                LogSafe.text(session.desktop().name()), LogSafe.text(session.username()));
        return Optional.of(new SharedDesktopUser(authProvider, credentials, grant.get()));
    }

    private static String fingerprint(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
