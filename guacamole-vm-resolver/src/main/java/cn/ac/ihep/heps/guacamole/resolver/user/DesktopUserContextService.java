package cn.ac.ihep.heps.guacamole.resolver.user;

import cn.ac.ihep.heps.common.log.LogSafe;
import cn.ac.ihep.heps.guacamole.resolver.ConfigurationService;
import cn.ac.ihep.heps.guacamole.resolver.ConfigurationService.NoDesktopAction;
import cn.ac.ihep.heps.guacamole.resolver.activity.SessionRegistry;
import cn.ac.ihep.heps.guacamole.resolver.connection.ConnectionProfileFactory;
import cn.ac.ihep.heps.guacamole.resolver.connection.DesktopConnection;
import cn.ac.ihep.heps.guacamole.resolver.share.LiveSessions;
import cn.ac.ihep.heps.guacamole.resolver.share.SharedDesktopConnection;
import cn.ac.ihep.heps.guacamole.resolver.share.SharedDesktopUser;
import cn.ac.ihep.heps.guacamole.resolver.share.SharedDesktopUserContext;
import cn.ac.ihep.heps.guacamole.resolver.index.Desktop;
import cn.ac.ihep.heps.guacamole.resolver.index.DesktopIndexService;
import cn.ac.ihep.heps.guacamole.resolver.index.DesktopLookup;
import cn.ac.ihep.heps.guacamole.resolver.index.DesktopPrincipal;
import cn.ac.ihep.heps.guacamole.resolver.power.DesktopWakeService;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.language.TranslatableGuacamoleResourceNotFoundException;
import org.apache.guacamole.language.TranslatableGuacamoleServerBusyException;
import org.apache.guacamole.language.TranslatableMessage;
import org.apache.guacamole.net.auth.AuthenticatedUser;
import org.apache.guacamole.net.auth.AuthenticationProvider;
import org.apache.guacamole.net.auth.GuacamoleProxyConfiguration;
import org.apache.guacamole.net.auth.UserContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the user context for any authenticated user, whichever extension authenticated
 * them: their desktops come from the index by username and effective groups.
 */
@Singleton
public class DesktopUserContextService {

    private static final Logger logger = LoggerFactory.getLogger(DesktopUserContextService.class);

    private final AuthenticationProvider authProvider;
    private final DesktopIndexService index;
    private final DesktopWakeService wakeService;
    private final ConnectionProfileFactory profiles;
    private final ConfigurationService configuration;
    private final LiveSessions sessions;
    private final SessionRegistry activity;

    @Inject
    public DesktopUserContextService(AuthenticationProvider authProvider, DesktopIndexService index,
            DesktopWakeService wakeService, ConnectionProfileFactory profiles, ConfigurationService configuration,
            LiveSessions sessions, SessionRegistry activity) {
        this.authProvider = authProvider;
        this.index = index;
        this.wakeService = wakeService;
        this.profiles = profiles;
        this.configuration = configuration;
        this.sessions = sessions;
        this.activity = activity;
    }

    /** The user's desktops as a user context; null for the anonymous user. */
    public UserContext getUserContext(AuthenticatedUser user) throws GuacamoleException {
        if (user instanceof SharedDesktopUser shared) {
            return sharedContext(shared);
        }
        String username = user.getIdentifier();
        if (username == null || username.isBlank() || AuthenticatedUser.ANONYMOUS_IDENTIFIER.equals(username)) {
            return null;
        }
        Set<String> groups = user.getEffectiveUserGroups();
        DesktopPrincipal principal = new DesktopPrincipal(username, groups);
        DesktopLookup lookup = index.lookup(principal);
        boolean message = configuration.getNoDesktopAction() == NoDesktopAction.MESSAGE;

        if (!lookup.indexAvailable()) {
            logger.warn("No desktop listing is available yet; user \"{}\" cannot be offered a desktop", LogSafe.text(username));
            if (message) {
                throw new TranslatableGuacamoleServerBusyException(
                        "The desktop directory is not available yet. Try again in a minute.",
                        new TranslatableMessage("HEPS_VM_RESOLVER.ERROR_DIRECTORY_UNAVAILABLE"));
            }
            return context(principal, List.of());
        }
        if (lookup.desktops().isEmpty()) {
            logger.info("User \"{}\" has no desktop VM (groups: {})", LogSafe.text(username), LogSafe.text(principal.groups()));
            if (message) {
                throw new TranslatableGuacamoleResourceNotFoundException(
                        "No desktop is assigned to you. Request one from the user-service portal, or ask "
                                + "your experiment's contact to add you to a shared desktop.",
                        new TranslatableMessage("HEPS_VM_RESOLVER.ERROR_NO_DESKTOP", Map.of("USERNAME", username)));
            }
            return context(principal, List.of());
        }
        logger.debug("User \"{}\" has {} desktop(s), index age {} s", LogSafe.text(username), lookup.desktops().size(),
                lookup.indexAge().toSeconds());
        return context(principal, lookup.desktops());
    }

    private UserContext context(DesktopPrincipal principal, List<Desktop> desktops) throws GuacamoleException {
        GuacamoleProxyConfiguration guacd = desktops.isEmpty() ? null : configuration.getGuacdProxyConfiguration();
        boolean shareable = configuration.isSharingEnabled();
        List<DesktopConnection> connections = new ArrayList<>(desktops.size());
        for (Desktop desktop : desktops) {
            connections.add(new DesktopConnection(desktop, principal, wakeService, profiles, activity, guacd,
                    DesktopUserContext.ROOT_GROUP, sessions, shareable));
        }
        return new DesktopUserContext(authProvider, principal.username(), connections, sessions);
    }

    /** A share link's user: the one session it opens, joined in its mode. */
    private UserContext sharedContext(SharedDesktopUser user) throws GuacamoleException {
        return new SharedDesktopUserContext(authProvider, new SharedDesktopConnection(user.grant(), sessions,
                configuration.getGuacdProxyConfiguration(), DesktopUserContext.ROOT_GROUP));
    }
}
