package cn.ac.ihep.heps.guacamole.resolver.user;

import cn.ac.ihep.heps.common.log.LogSafe;
import cn.ac.ihep.heps.guacamole.resolver.ConfigurationService;
import cn.ac.ihep.heps.guacamole.resolver.ConfigurationService.NoDesktopAction;
import cn.ac.ihep.heps.guacamole.resolver.activity.JoinLog;
import cn.ac.ihep.heps.guacamole.resolver.activity.SessionRegistry;
import cn.ac.ihep.heps.guacamole.resolver.support.SupportGroups;
import cn.ac.ihep.heps.guacamole.resolver.support.SupportScope;
import cn.ac.ihep.heps.guacamole.resolver.support.SupportViewConnection;
import cn.ac.ihep.heps.guacamole.resolver.connection.ConnectionProfileFactory;
import cn.ac.ihep.heps.guacamole.resolver.connection.DesktopConnection;
import cn.ac.ihep.heps.guacamole.resolver.connection.DesktopNames;
import cn.ac.ihep.heps.guacamole.resolver.share.LiveSessions;
import cn.ac.ihep.heps.guacamole.resolver.share.SharedDesktopConnection;
import cn.ac.ihep.heps.guacamole.resolver.share.SharedDesktopUser;
import cn.ac.ihep.heps.guacamole.resolver.share.SharedDesktopUserContext;
import cn.ac.ihep.heps.guacamole.resolver.signin.RdpSingleSignOn;
import cn.ac.ihep.heps.guacamole.resolver.index.Desktop;
import cn.ac.ihep.heps.guacamole.resolver.index.DesktopIndexService;
import cn.ac.ihep.heps.guacamole.resolver.index.DesktopLookup;
import cn.ac.ihep.heps.guacamole.resolver.index.DesktopPrincipal;
import cn.ac.ihep.heps.guacamole.resolver.power.DesktopWakeService;
import cn.ac.ihep.heps.guacamole.resolver.recording.RecordingHistory;
import cn.ac.ihep.heps.guacamole.resolver.recording.RecordingStore;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
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
 * them: their desktops come from the index by username and effective groups; a member of a
 * support group ({@code heps-support-groups}) is also offered a view-only join of each other
 * desktop of the beamlines that group supports.
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
    private final RecordingStore recordings;
    private final RecordingHistory history;
    private final JoinLog joins;
    private final SupportGroups supportGroups;
    private final Clock clock;
    private final RdpSingleSignOn singleSignOn;

    @Inject
    public DesktopUserContextService(AuthenticationProvider authProvider, DesktopIndexService index,
            DesktopWakeService wakeService, ConnectionProfileFactory profiles, ConfigurationService configuration,
            LiveSessions sessions, SessionRegistry activity, RecordingStore recordings, RecordingHistory history,
            JoinLog joins, Clock clock, RdpSingleSignOn singleSignOn) throws GuacamoleException {
        this.singleSignOn = singleSignOn;
        this.authProvider = authProvider;
        this.index = index;
        this.wakeService = wakeService;
        this.profiles = profiles;
        this.configuration = configuration;
        this.sessions = sessions;
        this.activity = activity;
        this.recordings = recordings;
        this.history = history;
        this.joins = joins;
        this.clock = clock;
        this.supportGroups = configuration.getSupportGroups();
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
        boolean auditor = isAuditor(groups);
        // An auditor signs in to read the history, desktop or not.
        boolean message = configuration.getNoDesktopAction() == NoDesktopAction.MESSAGE && !auditor;

        if (!lookup.indexAvailable()) {
            logger.warn("No desktop listing is available yet; user \"{}\" cannot be offered a desktop", LogSafe.text(username));
            if (message) {
                throw new TranslatableGuacamoleServerBusyException(
                        "The desktop directory is not available yet. Try again in a minute.",
                        new TranslatableMessage("HEPS_VM_RESOLVER.ERROR_DIRECTORY_UNAVAILABLE"));
            }
            return context(principal, List.of(), List.of(), auditor);
        }
        if (!lookup.desktops().isEmpty() && allExpired(lookup.desktops())) {
            lookup = index.lookupAfterRefresh(principal);
            if (message && !lookup.desktops().isEmpty() && allExpired(lookup.desktops())
                    && watchable(principal, lookup.desktops()).isEmpty()) {
                // Guacamole shows a login's refusal, not a failed connection's message: say it here.
                Desktop latest = lookup.desktops().stream().max(Comparator.comparing(Desktop::expiresAt))
                        .orElseThrow();
                logger.info("User \"{}\" signed in after the beamtime of every desktop ended (latest {})",
                        LogSafe.text(username), latest.expiresAt());
                throw DesktopWakeService.beamtimeEnded(latest, configuration.getSiteContact());
            }
        }
        List<Desktop> watchable = watchable(principal, lookup.desktops());
        if (lookup.desktops().isEmpty() && !watchable.isEmpty()) {
            logger.debug("Support user \"{}\" may watch {} desktop(s)", LogSafe.text(username), watchable.size());
            return context(principal, List.of(), watchable, auditor);
        }
        if (lookup.desktops().isEmpty()) {
            logger.info("User \"{}\" has no desktop VM (groups: {})", LogSafe.text(username), LogSafe.text(principal.groups()));
            if (message) {
                throw new TranslatableGuacamoleResourceNotFoundException(
                        "No desktop is assigned to you. Request one from the user-service portal, or ask "
                                + "your experiment's contact to add you to a shared desktop.",
                        new TranslatableMessage("HEPS_VM_RESOLVER.ERROR_NO_DESKTOP", Map.of("USERNAME", username)));
            }
            return context(principal, List.of(), List.of(), auditor);
        }
        logger.debug("User \"{}\" has {} desktop(s), index age {} s", LogSafe.text(username), lookup.desktops().size(),
                lookup.indexAge().toSeconds());
        return context(principal, lookup.desktops(), watchable, auditor);
    }

    private boolean allExpired(List<Desktop> desktops) {
        Instant now = clock.instant();
        return desktops.stream().allMatch(desktop -> desktop.expiredAt(now));
    }

    /** The desktops a support user may watch: of their beamlines, and not already their own to open. */
    private List<Desktop> watchable(DesktopPrincipal principal, List<Desktop> own) {
        SupportScope scope = supportGroups.scopeOf(principal.groups());
        if (scope.isEmpty()) {
            return List.of();
        }
        Set<String> ownIds = own.stream().map(Desktop::id).collect(Collectors.toSet());
        return index.matching(desktop -> scope.covers(desktop) && !ownIds.contains(desktop.id()));
    }

    /** A member of a {@code heps-auditor-groups} group: sees every recorded session and may play it back. */
    private boolean isAuditor(Set<String> groups) throws GuacamoleException {
        Set<String> auditorGroups = configuration.getAuditorGroups();
        if (auditorGroups.isEmpty() || groups == null) {
            return false;
        }
        org.apache.guacamole.properties.CaseSensitivity caseSensitivity = configuration.getCaseSensitivity();
        Set<String> canonical = new java.util.HashSet<>();
        auditorGroups.forEach(group -> canonical.add(caseSensitivity.canonicalizeGroupName(group)));
        return groups.stream().anyMatch(group -> canonical.contains(caseSensitivity.canonicalizeGroupName(group)));
    }

    private UserContext context(DesktopPrincipal principal, List<Desktop> desktops, List<Desktop> watchable,
            boolean auditor) throws GuacamoleException {
        GuacamoleProxyConfiguration guacd = desktops.isEmpty() && watchable.isEmpty() ? null
                : configuration.getGuacdProxyConfiguration();
        boolean shareable = configuration.isSharingEnabled();
        String contact = configuration.getSiteContact();
        Instant now = clock.instant();
        List<DesktopConnection> connections = new ArrayList<>(desktops.size());
        for (Desktop desktop : desktops) {
            boolean recorded = recordings.records(desktop.beamline());
            connections.add(new DesktopConnection(desktop, DesktopNames.displayName(desktop, recorded, now, contact),
                    principal, wakeService, profiles, activity, guacd, DesktopUserContext.ROOT_GROUP, sessions,
                    shareable, recordings, history, auditor, recorded, singleSignOn));
        }
        List<SupportViewConnection> views = new ArrayList<>(watchable.size());
        for (Desktop desktop : watchable) {
            views.add(new SupportViewConnection(desktop, principal.username(), sessions, joins, guacd,
                    DesktopUserContext.ROOT_GROUP));
        }
        return new DesktopUserContext(authProvider, principal.username(), connections, views, sessions,
                history.visibleTo(principal.username(), auditor), auditor);
    }

    /** A share link's user: the one session it opens, joined in its mode. */
    private UserContext sharedContext(SharedDesktopUser user) throws GuacamoleException {
        return new SharedDesktopUserContext(authProvider, new SharedDesktopConnection(user.grant(), sessions, joins,
                configuration.getGuacdProxyConfiguration(), DesktopUserContext.ROOT_GROUP,
                recordings.records(user.grant().session().desktop().beamline())));
    }
}
