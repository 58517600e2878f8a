package cn.ac.ihep.heps.guacamole.resolver.user;

import cn.ac.ihep.heps.guacamole.resolver.connection.DesktopConnection;
import cn.ac.ihep.heps.guacamole.resolver.share.DesktopActiveConnection;
import cn.ac.ihep.heps.guacamole.resolver.share.DesktopSharingProfile;
import cn.ac.ihep.heps.guacamole.resolver.share.LiveSessions;
import cn.ac.ihep.heps.guacamole.resolver.share.ShareMode;
import cn.ac.ihep.heps.guacamole.resolver.support.SupportViewConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.net.auth.AbstractUserContext;
import org.apache.guacamole.net.auth.ActivityRecordSet;
import org.apache.guacamole.net.auth.ConnectionRecord;
import org.apache.guacamole.net.auth.permission.SystemPermission;
import org.apache.guacamole.net.auth.permission.SystemPermissionSet;
import org.apache.guacamole.net.auth.simple.SimpleSystemPermissionSet;
import org.apache.guacamole.net.auth.ActiveConnection;
import org.apache.guacamole.net.auth.AuthenticationProvider;
import org.apache.guacamole.net.auth.Connection;
import org.apache.guacamole.net.auth.Directory;
import org.apache.guacamole.net.auth.SharingProfile;
import org.apache.guacamole.net.auth.User;
import org.apache.guacamole.net.auth.simple.SimpleDirectory;
import org.apache.guacamole.net.auth.simple.SimpleUser;

/**
 * A user's desktops as one Guacamole data source, and for support staff the view-only joins of
 * the desktops they support. The user may READ each connection and nothing else: no UPDATE or
 * ADMINISTER, so Guacamole never hands out the parameters. The sessions the user has open are
 * their active connections, which is how Guacamole's "Share" menu finds the session to share.
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
    private final ActivityRecordSet<ConnectionRecord> history;

    /**
     * @param history the recorded sessions this user may see
     * @param auditor whether the user audits the recordings: Guacamole's ADMINISTER and AUDIT
     *     system permissions on this data source, which is what Guacamole asks of whoever reads its
     *     history and plays recordings back (guacamole-history-recording-storage offers them to
     *     administrators only). Nothing here can be changed through them: the directories are
     *     read-only, and the connections are the auditor's own desktops, if any.
     */
    public DesktopUserContext(AuthenticationProvider authProvider, String username, List<DesktopConnection> desktops,
            List<SupportViewConnection> watchable, LiveSessions sessions, ActivityRecordSet<ConnectionRecord> history,
            boolean auditor) {
        this.authProvider = authProvider;
        this.username = username;
        this.sessions = sessions;
        this.history = history;
        List<Connection> asConnections = new ArrayList<>(desktops);
        asConnections.addAll(watchable);
        this.connections = new SimpleDirectory<>(asConnections);
        List<SharingProfile> profiles = new ArrayList<>();
        for (DesktopConnection desktop : desktops) {
            for (String identifier : desktop.getSharingProfileIdentifiers()) {
                ShareMode.forProfile(desktop.getIdentifier(), identifier)
                        .ifPresent(mode -> profiles.add(new DesktopSharingProfile(desktop.getIdentifier(), mode)));
            }
        }
        this.sharingProfiles = new SimpleDirectory<>(profiles);
        Set<String> identifiers = asConnections.stream().map(Connection::getIdentifier)
                .collect(Collectors.toUnmodifiableSet());
        this.self = new DesktopUser(username, identifiers, auditor);
    }

    /** Read-only permissions on the user's desktops, and the auditor's system permissions. */
    private static final class DesktopUser extends SimpleUser {
        private final boolean auditor;

        @SuppressWarnings("deprecation") // SimpleUser's READ-permission constructor, the one meant for this
        DesktopUser(String username, Set<String> connections, boolean auditor) {
            super(username, connections, Set.of(DEFAULT_ROOT_CONNECTION_GROUP));
            this.auditor = auditor;
        }

        @Override
        public SystemPermissionSet getSystemPermissions() {
            if (!auditor) {
                return new SimpleSystemPermissionSet();
            }
            return new SimpleSystemPermissionSet(Set.of(new SystemPermission(SystemPermission.Type.ADMINISTER),
                    new SystemPermission(SystemPermission.Type.AUDIT)));
        }
    }

    @Override
    public ActivityRecordSet<ConnectionRecord> getConnectionHistory() {
        return history;
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
