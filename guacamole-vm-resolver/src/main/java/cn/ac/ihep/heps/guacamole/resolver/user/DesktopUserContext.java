package cn.ac.ihep.heps.guacamole.resolver.user;

import cn.ac.ihep.heps.guacamole.resolver.connection.DesktopConnection;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.apache.guacamole.net.auth.AuthenticationProvider;
import org.apache.guacamole.net.auth.Connection;
import org.apache.guacamole.net.auth.Directory;
import org.apache.guacamole.net.auth.AbstractUserContext;
import org.apache.guacamole.net.auth.User;
import org.apache.guacamole.net.auth.simple.SimpleDirectory;
import org.apache.guacamole.net.auth.simple.SimpleUser;

/**
 * A user's desktops as one Guacamole data source. The user may READ each connection and
 * nothing else: no UPDATE or ADMINISTER, so Guacamole never hands out the parameters.
 */
public class DesktopUserContext extends AbstractUserContext {

    /** The identifier of the root connection group, which holds every desktop. */
    public static final String ROOT_GROUP = DEFAULT_ROOT_CONNECTION_GROUP;

    private final AuthenticationProvider authProvider;
    private final User self;
    private final Directory<Connection> connections;

    public DesktopUserContext(AuthenticationProvider authProvider, String username, List<DesktopConnection> desktops) {
        this.authProvider = authProvider;
        Collection<Connection> asConnections = List.copyOf(desktops);
        this.connections = new SimpleDirectory<>(asConnections);
        Set<String> identifiers = desktops.stream().map(DesktopConnection::getIdentifier)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
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
}
