package cn.ac.ihep.heps.guacamole.resolver.user;

import cn.ac.ihep.heps.guacamole.resolver.connection.DesktopConnection;
import cn.ac.ihep.heps.guacamole.resolver.share.DesktopActiveConnection;
import cn.ac.ihep.heps.guacamole.resolver.share.DesktopSharingProfile;
import cn.ac.ihep.heps.guacamole.resolver.share.LiveSessions;
import cn.ac.ihep.heps.guacamole.resolver.share.ShareMode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.net.auth.AbstractUserContext;
import org.apache.guacamole.net.auth.ActiveConnection;
import org.apache.guacamole.net.auth.AuthenticationProvider;
import org.apache.guacamole.net.auth.Connection;
import org.apache.guacamole.net.auth.Directory;
import org.apache.guacamole.net.auth.SharingProfile;
import org.apache.guacamole.net.auth.User;
import org.apache.guacamole.net.auth.simple.SimpleDirectory;
import org.apache.guacamole.net.auth.simple.SimpleUser;

/**
 * A user's desktops as one Guacamole data source. The user may READ each connection and
 * nothing else: no UPDATE or ADMINISTER, so Guacamole never hands out the parameters. The
 * sessions the user has open are their active connections, which is how Guacamole's "Share"
 * menu finds the session to share.
 */
public class DesktopUserContext extends AbstractUserContext {

    /** The identifier of the root connection group, which holds every desktop. */
    public static final String ROOT_GROUP = DEFAULT_ROOT_CONNECTION_GROUP;

    private final AuthenticationProvider authProvider;
    private final String username;
    private final User self;
    private final Directory<Connection> connections;
    private final Directory<SharingProfile> sharingProfiles;
    private final LiveSessions sessions;

    public DesktopUserContext(AuthenticationProvider authProvider, String username, List<DesktopConnection> desktops,
            LiveSessions sessions) {
        this.authProvider = authProvider;
        this.username = username;
        this.sessions = sessions;
        Collection<Connection> asConnections = List.copyOf(desktops);
        this.connections = new SimpleDirectory<>(asConnections);
        List<SharingProfile> profiles = new ArrayList<>();
        for (DesktopConnection desktop : desktops) {
            for (String identifier : desktop.getSharingProfileIdentifiers()) {
                ShareMode.forProfile(desktop.getIdentifier(), identifier)
                        .ifPresent(mode -> profiles.add(new DesktopSharingProfile(desktop.getIdentifier(), mode)));
            }
        }
        this.sharingProfiles = new SimpleDirectory<>(profiles);
        Set<String> identifiers = desktops.stream().map(DesktopConnection::getIdentifier)
                .collect(Collectors.toUnmodifiableSet());
        this.self = new SimpleUser(username, identifiers, Set.of(DEFAULT_ROOT_CONNECTION_GROUP));
    }

    @Override
    public User self() {
        return self;
    }

    @Override
    public AuthenticationProvider getAuthenticationProvider() {
        return authProvider;
    }

    @Override
    public Directory<Connection> getConnectionDirectory() {
        return connections;
    }

    @Override
    public Directory<SharingProfile> getSharingProfileDirectory() {
        return sharingProfiles;
    }

    /** Read at each call: sessions open and end while the user is signed in. */
    @Override
    public Directory<ActiveConnection> getActiveConnectionDirectory() throws GuacamoleException {
        List<ActiveConnection> active = new ArrayList<>();
        sessions.openedBy(username).forEach(session -> active.add(new DesktopActiveConnection(session, sessions)));
        return new SimpleDirectory<>(active);
    }
}
