package cn.ac.ihep.heps.guacamole.resolver.share;

import java.util.List;
import java.util.Set;
import org.apache.guacamole.net.auth.AbstractUserContext;
import org.apache.guacamole.net.auth.AuthenticatedUser;
import org.apache.guacamole.net.auth.AuthenticationProvider;
import org.apache.guacamole.net.auth.Connection;
import org.apache.guacamole.net.auth.Directory;
import org.apache.guacamole.net.auth.User;
import org.apache.guacamole.net.auth.simple.SimpleDirectory;
import org.apache.guacamole.net.auth.simple.SimpleUser;

/** What a share link's user sees: the one shared session, to READ and join. */
public class SharedDesktopUserContext extends AbstractUserContext {

    private final AuthenticationProvider authProvider;
    private final Directory<Connection> connections;
    private final User self;

    public SharedDesktopUserContext(AuthenticationProvider authProvider, SharedDesktopConnection connection) {
        this.authProvider = authProvider;
        this.connections = new SimpleDirectory<>(List.<Connection>of(connection));
        this.self = new SimpleUser(AuthenticatedUser.ANONYMOUS_IDENTIFIER, Set.of(connection.getIdentifier()),
                Set.of(DEFAULT_ROOT_CONNECTION_GROUP));
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
