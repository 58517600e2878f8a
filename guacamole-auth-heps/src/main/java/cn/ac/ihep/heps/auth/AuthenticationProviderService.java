package cn.ac.ihep.heps.auth;

import cn.ac.ihep.heps.auth.conf.ConfigurationService;
import cn.ac.ihep.heps.auth.directory.DirectoryRefusalException;
import cn.ac.ihep.heps.auth.directory.DirectoryService;
import cn.ac.ihep.heps.auth.directory.DirectoryUnavailableException;
import cn.ac.ihep.heps.auth.directory.DirectoryUser;
import cn.ac.ihep.heps.auth.token.PresentedToken;
import cn.ac.ihep.heps.auth.token.TokenRejectedException;
import cn.ac.ihep.heps.auth.token.TokenService;
import cn.ac.ihep.heps.auth.token.VerifiedToken;
import com.google.inject.Inject;
import java.net.URI;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.form.Field;
import org.apache.guacamole.form.RedirectField;
import org.apache.guacamole.language.TranslatableMessage;
import org.apache.guacamole.net.auth.AuthenticatedUser;
import org.apache.guacamole.net.auth.AuthenticationProvider;
import org.apache.guacamole.net.auth.Credentials;
import org.apache.guacamole.net.auth.credentials.CredentialsInfo;
import org.apache.guacamole.net.auth.credentials.GuacamoleInsufficientCredentialsException;
import org.apache.guacamole.net.auth.credentials.GuacamoleInvalidCredentialsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The portal hand-off (CONTRACTS §1): no token → redirect to the portal; a token → verified,
 * used once, enriched from the directory → the user; anything wrong → one uniform "invalid
 * credentials" answer, with the reason, a token fingerprint and the client address in the log
 * only.
 */
public class AuthenticationProviderService {

    private static final Logger logger = LoggerFactory.getLogger(AuthenticationProviderService.class);

    /** Every refusal looks the same to the browser (and to guacamole-auth-ban). */
    static final String INVALID_CREDENTIALS = "Invalid login.";

    private final AuthenticationProvider provider;
    private final ConfigurationService configuration;
    private final TokenService tokens;
    private final Optional<DirectoryService> directory;

    @Inject
    public AuthenticationProviderService(AuthenticationProvider provider, ConfigurationService configuration,
            TokenService tokens, Optional<DirectoryService> directory) {
        this.provider = provider;
        this.configuration = configuration;
        this.tokens = tokens;
        this.directory = directory;
    }

    public AuthenticatedUser authenticateUser(Credentials credentials) throws GuacamoleException {
        String value = credentials.getParameter(configuration.tokenParameter());
        if (value == null || value.isEmpty())
            throw noToken();

        PresentedToken token = new PresentedToken(value);
        String client = LogSafe.text(credentials.getRemoteAddress());
        VerifiedToken verified;
        try {
            verified = tokens.verify(token);
        }
        catch (TokenRejectedException e) {
            logger.warn("Portal token {} from {} refused: {}", token.fingerprint(), client, LogSafe.text(e.getMessage()));
            logger.debug("Token refusal detail.", e);
            throw invalid();
        }

        Set<String> groups = new LinkedHashSet<>();
        if (configuration.trustTokenGroups())
            groups.addAll(verified.groups());
        Optional<String> displayName = verified.displayName();
        String username = verified.subject();
        if (directory.isPresent()) {
            try {
                DirectoryUser user = directory.get().lookup(verified.subject());
                username = user.username();
                groups.addAll(user.groups());
                if (displayName.isEmpty())
                    displayName = user.displayName();
            }
            catch (DirectoryRefusalException e) {
                logger.warn("Portal token jti={} ({}) from {} for \"{}\" refused by the directory: {}",
                        LogSafe.text(verified.tokenId()), token.fingerprint(), client, LogSafe.text(verified.subject()), e.getMessage());
                throw invalid();
            }
            catch (DirectoryUnavailableException e) {
                logger.error("Portal token jti={} ({}) from {} for \"{}\" refused: {}", LogSafe.text(verified.tokenId()),
                        token.fingerprint(), client, LogSafe.text(verified.subject()), e.getMessage());
                logger.debug("Directory failure.", e);
                throw invalid();
            }
        }
        logger.info("Portal token jti={} accepted for \"{}\" from {} with groups {}", LogSafe.text(verified.tokenId()),
                LogSafe.text(username), client, LogSafe.text(String.valueOf(groups)));
        return new HepsAuthenticatedUser(provider, credentials, username, groups, displayName, verified);
    }

    private GuacamoleException noToken() throws GuacamoleException {
        Optional<URI> portal = configuration.portalUrl();
        if (portal.isEmpty())
            return new GuacamoleInsufficientCredentialsException("No portal token.", CredentialsInfo.EMPTY);
        List<Field> fields = List.of(new RedirectField("heps-portal", portal.get(),
                new TranslatableMessage("LOGIN.INFO_HEPS_REDIRECT_PENDING")));
        return new GuacamoleInsufficientCredentialsException("Redirecting to the user portal.", new CredentialsInfo(fields));
    }

    private static GuacamoleInvalidCredentialsException invalid() {
        return new GuacamoleInvalidCredentialsException(INVALID_CREDENTIALS, CredentialsInfo.EMPTY);
    }
}
